//! Writing vCards (4.0 or 3.0): the other half of [`crate::vcard`].
//!
//! The writer works on a [`Card`], a view that borrows its text from whatever holds the person
//! (a [`Contact`], or the store's records during an export of 100,000 people), and builds each
//! line in reused buffers: no string is allocated per property. [`write`] writes a [`Contact`].

use std::borrow::Cow;

use serde::Deserialize;

use crate::{Contact, Kept};

/// The vCard version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V3,
    V4,
}

impl Version {
    fn as_str(self) -> &'static str {
        match self {
            Version::V3 => "3.0",
            Version::V4 => "4.0",
        }
    }
}

/// A person as the writer sees them: [`Contact`]'s written fields, borrowed.
#[derive(Debug, Default)]
pub struct Card<'a> {
    pub name: &'a str,
    pub given: Option<&'a str>,
    pub family: Option<&'a str>,
    pub emails: Vec<Item<'a>>,
    pub phones: Vec<Item<'a>>,
    pub addresses: Vec<Item<'a>>,
    pub links: Vec<Item<'a>>,
    pub org: Option<&'a str>,
    pub title: Option<&'a str>,
    pub birthday: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub tags: Vec<&'a str>,
    pub kept: Option<KeptRef<'a>>,
}

/// One email, phone, address or link (see [`crate::Entry`]).
#[derive(Debug)]
pub struct Item<'a> {
    pub value: &'a str,
    /// What the kept original line of this value is keyed by (see [`crate::KeptProp`]); only
    /// read when the card has kept properties.
    pub key: Cow<'a, str>,
    pub label: Option<&'a str>,
    pub pref: bool,
}

/// [`Kept`], borrowed: deserialized from the stored JSON without copying the lines that need no
/// unescaping.
#[derive(Debug, Deserialize)]
pub struct KeptRef<'a> {
    #[serde(borrow)]
    pub version: Text<'a>,
    #[serde(borrow)]
    pub props: Vec<KeptPropRef<'a>>,
}

/// [`crate::KeptProp`], borrowed.
#[derive(Debug, Deserialize)]
pub struct KeptPropRef<'a> {
    #[serde(default, borrow)]
    pub key: Option<Text<'a>>,
    #[serde(borrow)]
    pub raw: Text<'a>,
}

/// A JSON string, borrowed from the JSON text unless it had escapes. (A bare
/// `Option<Cow<str>>` field would always copy.)
#[derive(Debug, Deserialize)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'a> KeptRef<'a> {
    /// Read kept properties stored as [`Kept`]'s JSON; `None` when it is not that. The JSON
    /// as serde writes a `Kept` (no spaces, fields in order) is read by a scanner that borrows
    /// every string without escapes; anything else goes through serde.
    pub fn from_json(json: &'a str) -> Option<KeptRef<'a>> {
        Self::scan(json).or_else(|| serde_json::from_str(json).ok())
    }

    /// `{"version":"…","props":[{"key":"…","raw":"…"},{"raw":"…"}]}` exactly, else `None`.
    fn scan(json: &'a str) -> Option<KeptRef<'a>> {
        let (version, rest) = json_string(json.strip_prefix("{\"version\":")?)?;
        let mut rest = rest.strip_prefix(",\"props\":[")?;
        let mut props = Vec::new();
        if let Some(r) = rest.strip_prefix(']') {
            rest = r;
        } else {
            loop {
                rest = rest.strip_prefix('{')?;
                let key = match rest.strip_prefix("\"key\":") {
                    Some(r) => {
                        let (key, r) = json_string(r)?;
                        rest = r.strip_prefix(',')?;
                        Some(key)
                    }
                    None => None,
                };
                let (raw, r) = json_string(rest.strip_prefix("\"raw\":")?)?;
                props.push(KeptPropRef { key, raw });
                rest = r.strip_prefix('}')?;
                match rest.strip_prefix(',') {
                    Some(r) => rest = r,
                    None => {
                        rest = rest.strip_prefix(']')?;
                        break;
                    }
                }
            }
        }
        (rest == "}").then_some(KeptRef { version, props })
    }

    /// Borrow a [`Kept`].
    pub fn of(k: &'a Kept) -> KeptRef<'a> {
        KeptRef {
            version: Text(Cow::Borrowed(&k.version)),
            props: k
                .props
                .iter()
                .map(|p| KeptPropRef {
                    key: p.key.as_deref().map(|k| Text(Cow::Borrowed(k))),
                    raw: Text(Cow::Borrowed(&p.raw)),
                })
                .collect(),
        }
    }

    /// The raw text of the first property kept for `key`.
    fn find(&self, key: &str) -> Option<&str> {
        self.props.iter().find(|p| p.key.as_deref() == Some(key)).map(|p| &*p.raw)
    }
}

/// A JSON string at the start of `s` and what follows it: borrowed when it has no escapes, else
/// decoded by serde; `None` when it is not a valid JSON string.
fn json_string(s: &str) -> Option<(Text<'_>, &str)> {
    let body = s.strip_prefix('"')?;
    let bytes = body.as_bytes();
    let end = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    match bytes[end] {
        b'"' => Some((Text(Cow::Borrowed(&body[..end])), &body[end + 1..])),
        b'\\' => {
            let mut i = end;
            loop {
                match bytes.get(i)? {
                    b'\\' => i += 2,
                    b'"' => break,
                    _ => i += 1,
                }
            }
            // `s` up to and with the closing quote (at `i + 1` in `s`).
            let text: String = serde_json::from_slice(&s.as_bytes()[..i + 2]).ok()?;
            Some((Text(Cow::Owned(text)), &body[i + 1..]))
        }
        _ => None,
    }
}

impl<'a> Card<'a> {
    /// Borrow a [`Contact`].
    pub fn of(c: &'a Contact) -> Card<'a> {
        let items = |es: &'a [crate::Entry]| -> Vec<Item<'a>> {
            es.iter()
                .map(|e| Item { value: &e.value, key: Cow::Borrowed(&e.key), label: e.label.as_deref(), pref: e.pref })
                .collect()
        };
        Card {
            name: &c.name,
            given: c.given.as_deref(),
            family: c.family.as_deref(),
            emails: items(&c.emails),
            phones: items(&c.phones),
            addresses: items(&c.addresses),
            links: items(&c.links),
            org: c.org.as_deref(),
            title: c.title.as_deref(),
            birthday: c.birthday.as_deref(),
            notes: c.notes.as_deref(),
            tags: c.tags.iter().map(String::as_str).collect(),
            kept: c.kept.as_ref().map(KeptRef::of),
        }
    }
}

/// Append one card for `c` to `out`, CRLF line ends, lines folded at 75 octets. `uid` is used
/// when the card kept no `UID` of its own.
pub fn write(out: &mut String, c: &Contact, uid: &str, version: Version) {
    Writer::default().card(out, &Card::of(c), uid, version);
}

/// Writes cards, reusing its line buffers from one card to the next.
#[derive(Debug, Default)]
pub struct Writer {
    /// The key of the property being written.
    key: String,
    /// The logical line being built, before folding.
    line: String,
}

/// What is known of one property's kept original line.
enum Kept2<'k> {
    /// Write this original text.
    Raw(&'k str),
    /// Write kith's line, in this item group (`item1`).
    Group(&'k str),
    /// Write kith's line as it is.
    None,
}

impl Writer {
    /// Append one card for `c` to `out` (see [`write`]).
    pub fn card(&mut self, out: &mut String, c: &Card<'_>, uid: &str, version: Version) {
        out.push_str("BEGIN:VCARD\r\nVERSION:");
        out.push_str(version.as_str());
        out.push_str("\r\n");
        let kept = c.kept.as_ref();
        // Original lines may stand for kith's values only in the version they were written in.
        let same_version = kept.is_some_and(|k| &*k.version == version.as_str());
        // Each property: its key is built in `self.key` (only when there are kept lines to look
        // it up in), then the kept line is written, or kith's line built in `self.line`.
        macro_rules! prop {
            (|$k:ident| $key:block, |$l:ident| $gen:block) => {{
                let found = match kept {
                    Some(kept) => {
                        self.key.clear();
                        let $k = &mut self.key;
                        $key;
                        shadow(kept, &self.key, same_version)
                    }
                    None => Kept2::None,
                };
                match found {
                    Kept2::Raw(raw) => raw_lines(out, raw),
                    found => {
                        self.line.clear();
                        if let Kept2::Group(g) = found {
                            self.line.push_str(g);
                            self.line.push('.');
                        }
                        let $l = &mut self.line;
                        $gen;
                        fold(out, &self.line);
                    }
                }
            }};
        }
        prop!(|k| { push2(k, "fn:", c.name) }, |l| {
            l.push_str("FN:");
            esc_into(l, c.name);
        });
        let (given, family) = (c.given.unwrap_or(""), c.family.unwrap_or(""));
        prop!(
            |k| {
                push2(k, "n:", given);
                k.push('\u{1f}');
                k.push_str(family);
            },
            |l| {
                l.push_str("N:");
                esc_into(l, family);
                l.push(';');
                esc_into(l, given);
                l.push_str(";;;");
            }
        );
        for e in &c.emails {
            prop!(|k| { push2(k, "email:", &e.key) }, |l| { item_into(l, "EMAIL", e, version, e.value) });
        }
        for e in &c.phones {
            // 4.0's default value type is a `tel:` URI; the number as people write it is text.
            let name = if version == Version::V4 { "TEL;VALUE=text" } else { "TEL" };
            prop!(|k| { push2(k, "phone:", &e.key) }, |l| { item_into(l, name, e, version, e.value) });
        }
        for e in &c.addresses {
            prop!(|k| { push2(k, "address:", &e.key) }, |l| {
                item_into(l, "ADR", e, version, "");
                l.push_str(";;");
                esc_into(l, e.value);
                l.push_str(";;;;");
            });
        }
        for e in &c.links {
            prop!(|k| { push2(k, "link:", &e.key) }, |l| { item_into(l, "URL", e, version, e.value) });
        }
        if let Some(org) = c.org {
            prop!(
                |k| {
                    k.push_str("org:");
                    push_lower(k, org);
                },
                |l| {
                    l.push_str("ORG:");
                    esc_into(l, org);
                }
            );
        }
        if let Some(t) = c.title {
            prop!(|k| { push2(k, "title:", t) }, |l| {
                l.push_str("TITLE:");
                esc_into(l, t);
            });
        }
        if let Some(b) = c.birthday {
            prop!(|k| { push2(k, "bday:", b) }, |l| {
                match version {
                    Version::V4 => match b.strip_prefix("--") {
                        Some(md) => {
                            l.push_str("BDAY:--");
                            l.extend(md.chars().filter(|&c| c != '-'));
                        }
                        None => {
                            l.push_str("BDAY:");
                            l.extend(b.chars().filter(|&c| c != '-'));
                        }
                    },
                    Version::V3 => push2(l, "BDAY:", b),
                }
            });
        }
        if let Some(n) = c.notes {
            prop!(|k| { push2(k, "note:", n) }, |l| {
                l.push_str("NOTE:");
                esc_into(l, n);
            });
        }
        if !c.tags.is_empty() {
            self.line.clear();
            self.line.push_str("CATEGORIES:");
            for (i, t) in c.tags.iter().enumerate() {
                if i > 0 {
                    self.line.push(',');
                }
                esc_into(&mut self.line, t);
            }
            fold(out, &self.line);
        }
        let mut has_uid = false;
        if let Some(k) = kept {
            for p in k.props.iter().filter(|p| p.key.is_none()) {
                let name = p.raw.split([';', ':']).next().unwrap_or("");
                let name = name.rsplit('.').next().unwrap_or(name);
                has_uid |= name.eq_ignore_ascii_case("UID");
                raw_lines(out, &p.raw);
            }
        }
        if !has_uid {
            self.line.clear();
            push2(&mut self.line, "UID:", uid);
            fold(out, &self.line);
        }
        out.push_str("END:VCARD\r\n");
    }
}

fn push2(s: &mut String, a: &str, b: &str) {
    s.push_str(a);
    s.push_str(b);
}

/// `s` lower-cased, as `str::to_lowercase` does it.
fn push_lower(out: &mut String, s: &str) {
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// The kept line for `key`: its original text when it may be written as it is (same version),
/// else its item group, if any.
fn shadow<'k>(kept: &'k KeptRef<'_>, key: &str, same_version: bool) -> Kept2<'k> {
    let Some(raw) = kept.find(key) else { return Kept2::None };
    if same_version {
        return Kept2::Raw(raw);
    }
    // The item group of the original line (`item1.ADR`): kith's own line keeps it, so the kept
    // properties of the group (`item1.X-ABADR`, `item1.X-ABLabel`) stay tied to it when the card
    // is written in another version.
    let head = raw.split([';', ':']).next().unwrap_or("");
    match head.rsplit_once('.') {
        Some((g, _)) if !g.is_empty() => Kept2::Group(g),
        _ => Kept2::None,
    }
}

/// An original property: its physical lines, each ended with CRLF.
fn raw_lines(out: &mut String, raw: &str) {
    for l in raw.split('\n') {
        out.push_str(l);
        out.push_str("\r\n");
    }
}

/// `EMAIL;TYPE=work;PREF=1:value` (4.0) or `EMAIL;TYPE=work,pref:value` (3.0).
fn item_into(s: &mut String, name: &str, e: &Item<'_>, version: Version, value: &str) {
    s.push_str(name);
    let v3_pref = e.pref && version == Version::V3;
    if e.label.is_some() || v3_pref {
        s.push_str(";TYPE=");
        if let Some(l) = e.label {
            esc_param_into(s, l);
            if v3_pref {
                s.push(',');
            }
        }
        if v3_pref {
            s.push_str("pref");
        }
    }
    if e.pref && version == Version::V4 {
        s.push_str(";PREF=1");
    }
    s.push(':');
    esc_into(s, value);
}

/// Escape a text value.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    esc_into(&mut out, s);
    out
}

/// Append `s` escaped as a text value.
fn esc_into(out: &mut String, s: &str) {
    if !s.bytes().any(|b| matches!(b, b'\\' | b'\n' | b'\r' | b',' | b';')) {
        out.push_str(s);
        return;
    }
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            c => out.push(c),
        }
    }
}

/// Append a parameter value: quoted when it holds a character that would end it.
fn esc_param_into(out: &mut String, s: &str) {
    if !s.chars().any(|c| matches!(c, '"' | ',' | ';' | ':') || c.is_control()) {
        out.push_str(s);
        return;
    }
    let clean: String = s.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    if clean.contains([',', ';', ':']) {
        out.push('"');
        out.push_str(&clean);
        out.push('"');
    } else {
        out.push_str(&clean);
    }
}

/// Write a logical line folded at 75 octets, never inside a character.
pub(crate) fn fold(out: &mut String, line: &str) {
    if line.len() <= 75 {
        out.push_str(line);
        out.push_str("\r\n");
        return;
    }
    let mut width = 0;
    for ch in line.chars() {
        let n = ch.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeptProp;

    /// The scanner reads what serde writes, escapes included, and leaves anything else to serde.
    #[test]
    fn kept_json_scanned_as_serde_reads_it() {
        let kept = Kept {
            version: "3.0".into(),
            props: vec![
                KeptProp { key: Some("n:Ann\u{1f}Lee".into()), raw: "N:Lee;Ann;;;".into() },
                KeptProp { key: None, raw: "NOTE:a\\, b \"q\"\nX-Ü:ü\\".into() },
                KeptProp { key: Some("fn:Ann".into()), raw: "FN:Ann".into() },
            ],
        };
        let json = serde_json::to_string(&kept).unwrap();
        let scanned = KeptRef::scan(&json).expect("serde's own JSON is scanned");
        let via_serde: KeptRef<'_> = serde_json::from_str(&json).unwrap();
        let flat = |k: &KeptRef<'_>| -> Vec<(Option<String>, String)> {
            k.props.iter().map(|p| (p.key.as_deref().map(str::to_string), p.raw.to_string())).collect()
        };
        assert_eq!(flat(&scanned), flat(&via_serde));
        assert_eq!(&*scanned.version, "3.0");
        assert_eq!(flat(&scanned)[1].1, kept.props[1].raw);
        assert!(matches!(scanned.props[2].raw.0, Cow::Borrowed(_)));
        // Spaces, another field order, an unknown field: serde's reading.
        let odd = r#"{ "props": [{"raw": "FN:A", "x": 1}], "version": "4.0" }"#;
        assert!(KeptRef::scan(odd).is_none());
        assert_eq!(KeptRef::from_json(odd).map(|k| k.props.len()), Some(1));
        for bad in [
            "",
            "{\"version\":\"3.0\",\"props\":[",
            "{\"version\":\"3.0\",\"props\":[]}x",
            "{\"version\":\"a\\q\",\"props\":[]}",
            "[1]",
        ] {
            assert!(KeptRef::from_json(bad).is_none(), "{bad}");
        }
        assert_eq!(KeptRef::from_json("{\"version\":\"3.0\",\"props\":[]}").map(|k| k.props.len()), Some(0));
    }
}
