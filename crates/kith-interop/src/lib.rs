//! kith's exchange formats, as plain data: vCard and CSV contacts in, vCard and iCalendar out.
//!
//! Everything here is a pure function of bytes or of [`Contact`]s: no database, no files, no
//! clock. The `kith` binary reads the files, matches contacts to people in the store and turns
//! them into change sets; the fuzz targets call the same entry points.
//!
//! A [`Contact`] holds what kith models of a person, already normalized the way the CLI
//! normalizes what users type (emails lower-cased, phones with a comparison key, links with
//! their network), plus the vCard properties kith does not model, kept verbatim in [`Kept`] so
//! that an export writes them back.

pub mod csv;
pub mod ics;
pub mod vcard;
mod vcard_write;

use serde::{Deserialize, Serialize};

/// One contact from an import file, or one person on its way to an export.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contact {
    /// The line of the file where the record starts (1-based).
    pub line: usize,
    /// The full name as displayed.
    pub name: String,
    pub given: Option<String>,
    pub family: Option<String>,
    pub emails: Vec<Entry>,
    pub phones: Vec<Entry>,
    pub addresses: Vec<Entry>,
    pub links: Vec<Entry>,
    pub org: Option<String>,
    pub title: Option<String>,
    /// `1990-04-12` or `--04-12`.
    pub birthday: Option<String>,
    pub notes: Option<String>,
    /// Normalized tags (see `kith_core::model::tag`).
    pub tags: Vec<String>,
    /// When we met (`YYYY-MM-DD`).
    pub met_on: Option<String>,
    /// How we met ("LinkedIn").
    pub met_how: Option<String>,
    /// The vCard `UID`, when the card had one.
    pub uid: Option<String>,
    /// vCard properties kith does not model, verbatim.
    pub kept: Option<Kept>,
}

/// One email, phone, address or link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// As shown.
    pub value: String,
    /// What makes two values the same (lower-cased email, phone digits, lower-cased URL): the key
    /// kith derives the item's id from.
    pub key: String,
    /// `work`, `home`, `cell`, `linkedin`…
    pub label: Option<String>,
    /// The preferred one of its kind.
    pub pref: bool,
}

/// The vCard properties of a card that kith does not model, as they were written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    /// The vCard version of the card they came from: `2.1`, `3.0` or `4.0`.
    pub version: String,
    pub props: Vec<KeptProp>,
}

/// One property as it stood in the file (its physical lines joined with `\n`).
///
/// A property kith also models (an email with Apple's `type=` parameters and item group, an
/// address with all seven components) is kept too, with the `key` of the value it stands for:
/// the export writes the original line while kith still has that value, and writes kith's own
/// otherwise. Properties without a key are written back as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptProp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub raw: String,
}

/// A record that cannot be imported: where, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub line: usize,
    pub field: Option<String>,
    pub message: String,
}

impl RecordError {
    pub fn new(line: usize, field: Option<&str>, message: impl Into<String>) -> RecordError {
        RecordError { line, field: field.map(str::to_string), message: message.into() }
    }
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: {field}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Turn a file's bytes into text: drop a UTF-8 byte-order mark, refuse binary files, and read
/// bytes that are not UTF-8 as Windows-1252 (what old Outlook and Android exports are when they
/// are not UTF-8).
pub fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, RecordError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // No text format kith reads has a NUL byte (`contains` of a byte is a fast `memchr`).
    if bytes.contains(&0)
        && let Some(at) = bytes.iter().position(|&b| b == 0)
    {
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        return Err(RecordError::new(line, None, "this is a binary file, not text (it has a NUL byte)"));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(std::borrow::Cow::Borrowed(s)),
        Err(_) => Ok(std::borrow::Cow::Owned(bytes.iter().map(|&b| cp1252(b)).collect())),
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Normalize a name for matching: lower case, single spaces, no dots or commas.
pub fn name_key(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == '.' || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Contact {
    pub(crate) fn push_email(&mut self, raw: &str, label: Option<String>, pref: bool) -> bool {
        match kith_core::model::Email::parse(raw) {
            Ok(e) => {
                if !self.emails.iter().any(|x| x.key == e.as_str()) {
                    self.emails.push(Entry { value: e.as_str().into(), key: e.as_str().into(), label, pref });
                }
                true
            }
            Err(_) => false,
        }
    }

    pub(crate) fn push_phone(&mut self, raw: &str, label: Option<String>, pref: bool) -> bool {
        match kith_core::model::Phone::parse(raw) {
            Ok(p) => {
                if !self.phones.iter().any(|x| x.key == p.key()) {
                    self.phones.push(Entry { value: p.display().into(), key: p.key().into(), label, pref });
                }
                true
            }
            Err(_) => false,
        }
    }

    pub(crate) fn push_link(&mut self, raw: &str, label: Option<String>) -> bool {
        match kith_core::model::Link::parse(raw) {
            Ok(l) => {
                let key = l.url.to_lowercase();
                if !self.links.iter().any(|x| x.key == key) {
                    let label = if l.label == "site" { label.or(Some("site".into())) } else { Some(l.label.into()) };
                    self.links.push(Entry { value: l.url, key, label, pref: false });
                }
                true
            }
            Err(_) => false,
        }
    }

    pub(crate) fn push_address(&mut self, text: &str, label: Option<String>) -> bool {
        let t = text.trim();
        if t.is_empty() {
            return false;
        }
        let key = t.to_lowercase();
        if !self.addresses.iter().any(|x| x.key == key) {
            self.addresses.push(Entry { value: t.into(), key, label, pref: false });
        }
        true
    }

    /// Add a tag; Google's system groups (everyone is in "myContacts") are not tags.
    pub(crate) fn push_tag(&mut self, raw: &str) {
        if let Ok(t) = kith_core::model::tag(raw.trim().trim_start_matches('*'))
            && !matches!(t.as_str(), "mycontacts" | "my contacts" | "starred")
            && !self.tags.contains(&t)
        {
            self.tags.push(t);
        }
    }

    /// Fill the display name or the given and family names from each other.
    pub(crate) fn complete_name(&mut self) {
        if self.name.trim().is_empty() {
            let parts: Vec<&str> = [self.given.as_deref(), self.family.as_deref()].into_iter().flatten().collect();
            self.name = parts.join(" ");
        }
        self.name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if self.given.is_none() && self.family.is_none() && !self.name.is_empty() {
            let (g, f) = kith_core::model::split_name(&self.name);
            self.given = g;
            self.family = f;
        }
    }
}
