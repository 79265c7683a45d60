//! vCard 2.1, 3.0 and 4.0 in, vCard 4.0 or 3.0 out.
//!
//! Reading is two passes over each card. The first, here, splits the text into cards and
//! properties with their line numbers (folded lines, quoted-printable soft breaks, CRLF or LF)
//! and keeps each property's original text. The second is `calcard`, a maintained parser, which
//! decodes the values (escapes, quoted-printable, `CHARSET`, structured values). Properties kith
//! models become [`Contact`] fields; the rest are kept verbatim in [`Kept`].

use calcard::Entry as CalEntry;
use calcard::common::IanaString;
use calcard::vcard::{VCardEntry, VCardParameterName, VCardParameterValue, VCardProperty, VCardValue};

use crate::{Contact, Kept, KeptProp, RecordError};

/// One property of a card as written: where it starts, its name, and its text.
#[derive(Debug)]
struct RawProp {
    line: usize,
    /// Upper-case name without the group (`EMAIL`, `X-ABLABEL`).
    name: String,
    group: Option<String>,
    /// Physical lines joined with `\n`.
    text: String,
}

/// A card's place in the text.
#[derive(Debug)]
struct RawCard<'a> {
    line: usize,
    text: &'a str,
    props: Vec<RawProp>,
}

/// The cards of a vCard file, each parsed into a [`Contact`] or an error naming its line.
/// An empty iteration means the text holds no card at all.
pub fn parse(text: &str) -> impl Iterator<Item = Result<Contact, RecordError>> + '_ {
    parse_from(text, 1)
}

/// [`parse`] of a part of a file whose first line is line `first_line` of the file (a
/// [`Block`]): lines in contacts and errors are the file's.
pub fn parse_from(text: &str, first_line: usize) -> impl Iterator<Item = Result<Contact, RecordError>> + '_ {
    Splitter { text, pos: 0, line: first_line.saturating_sub(1) }.map(|card| card.and_then(|c| contact(&c)))
}

/// About how many bytes of a file a [`Block`] holds (a block grows to the end of a card).
pub const BLOCK_BYTES: usize = 1 << 20;

/// Part of a vCard file: whole cards, as bytes (see [`crate::decode`]).
#[derive(Debug)]
pub struct Block {
    pub bytes: Vec<u8>,
    /// The file's line number of the block's first line (1-based).
    pub first_line: usize,
    /// Where the block starts in the file, in bytes.
    pub start: u64,
    /// Its line ends (`\n`), counted while it was read.
    pub lines: usize,
}

/// Reads a vCard file in [`Block`]s of about [`BLOCK_BYTES`] that end after a line ending a
/// card (`END:VCARD`, not a folded continuation) or at the end of the file, so an import holds
/// one block of the file in memory rather than all of it. Parsing the blocks one after the
/// other with [`parse_from`] reads the same cards as [`parse`] of the whole text.
pub struct Blocks<R> {
    reader: R,
    /// Bytes read after the end of the last block.
    carry: Vec<u8>,
    next_line: usize,
    next_start: u64,
    eof: bool,
    size: usize,
}

impl<R: std::io::Read> Blocks<R> {
    pub fn new(reader: R) -> Blocks<R> {
        Blocks::with_size(reader, BLOCK_BYTES)
    }

    /// Blocks of about `size` bytes (at least one byte).
    pub fn with_size(reader: R, size: usize) -> Blocks<R> {
        Blocks { reader, carry: Vec::new(), next_line: 1, next_start: 0, eof: false, size: size.max(1) }
    }
}

/// Whether a physical line (without its `\n`) ends a card for [`Splitter`], after a line
/// `prev`. Not when `prev` ends in `=`: it may be a quoted-printable soft break, which makes the
/// line part of a value (a block then just ends at a later card).
fn ends_card(prev: &[u8], line: &[u8]) -> bool {
    !line.starts_with(b" ")
        && !line.starts_with(b"\t")
        && line.trim_ascii().eq_ignore_ascii_case(b"END:VCARD")
        && !prev.strip_suffix(b"\r").unwrap_or(prev).ends_with(b"=")
}

impl<R: std::io::Read> Iterator for Blocks<R> {
    type Item = std::io::Result<Block>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = std::mem::take(&mut self.carry);
        if self.eof && buf.is_empty() {
            return None;
        }
        // Offset of the first line not looked at yet, lines before it, and the last cut seen
        // (the offset after a card's last line, and the lines before it).
        let (mut scanned, mut lines, mut prev) = (0, 0, 0..0);
        let mut cut: Option<(usize, usize)> = None;
        loop {
            while let Some(nl) = buf[scanned..].iter().position(|&b| b == b'\n') {
                let line = scanned..scanned + nl;
                scanned += nl + 1;
                lines += 1;
                if ends_card(&buf[prev], &buf[line.clone()]) {
                    cut = Some((scanned, lines));
                }
                prev = line;
            }
            if self.eof || (cut.is_some() && buf.len() >= self.size) {
                break;
            }
            let old = buf.len();
            buf.resize(old + self.size, 0);
            match self.reader.read(&mut buf[old..]) {
                Ok(n) => {
                    buf.truncate(old + n);
                    self.eof = n == 0;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(old),
                Err(e) => {
                    self.eof = true;
                    return Some(Err(e));
                }
            }
        }
        let (end, block_lines) = match cut {
            Some(c) if !self.eof => c,
            // The last block: everything that is left, a last line without `\n` too.
            _ => (buf.len(), lines),
        };
        self.carry = buf.split_off(end);
        let block = Block { bytes: buf, first_line: self.next_line, start: self.next_start, lines: block_lines };
        self.next_line += block_lines;
        self.next_start += end as u64;
        Some(Ok(block))
    }
}

/// Splits text into cards, line by line, without copying the text.
struct Splitter<'a> {
    text: &'a str,
    /// Byte offset of the next physical line.
    pos: usize,
    /// Number of the last line read (1-based).
    line: usize,
}

impl<'a> Splitter<'a> {
    /// The next physical line without its line end, and its start offset.
    fn next_line(&mut self) -> Option<(usize, &'a str)> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.text[start..];
        let (line, advance) = match rest.find('\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos += advance;
        self.line += 1;
        Some((start, line.strip_suffix('\r').unwrap_or(line)))
    }

    fn peek_line(&self) -> Option<&'a str> {
        if self.pos >= self.text.len() {
            return None;
        }
        let rest = &self.text[self.pos..];
        let line = rest.find('\n').map_or(rest, |i| &rest[..i]);
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    /// Skip the rest of a broken card, so the next card can still be read.
    fn skip_to_end(&mut self) {
        while let Some((_, l)) = self.next_line() {
            if l.trim().eq_ignore_ascii_case("END:VCARD") {
                return;
            }
        }
    }
}

fn is_begin(l: &str) -> bool {
    l.trim().eq_ignore_ascii_case("BEGIN:VCARD")
}

impl<'a> Iterator for Splitter<'a> {
    type Item = Result<RawCard<'a>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        // Outside a card: blank lines are fine, anything else is not vCard.
        let (start, begin_line) = loop {
            let (start, l) = self.next_line()?;
            if l.trim().is_empty() {
                continue;
            }
            if is_begin(l) {
                break (start, self.line);
            }
            let shown: String = l.chars().take(40).collect();
            let err = RecordError::new(self.line, None, format!("expected BEGIN:VCARD, found `{shown}`"));
            // Resynchronize on the next card.
            while let Some(next) = self.peek_line() {
                if is_begin(next) {
                    break;
                }
                self.next_line();
            }
            return Some(Err(err));
        };
        let mut props: Vec<RawProp> = Vec::new();
        loop {
            let Some((_, l)) = self.next_line() else {
                return Some(Err(RecordError::new(
                    begin_line,
                    None,
                    format!("the card that starts here has no END:VCARD (the file ends at line {})", self.line),
                )));
            };
            if l.starts_with([' ', '\t']) {
                match props.last_mut() {
                    Some(p) => {
                        p.text.push('\n');
                        p.text.push_str(l);
                        continue;
                    }
                    None => {
                        let err = RecordError::new(self.line, None, "a folded line continues nothing");
                        self.skip_to_end();
                        return Some(Err(err));
                    }
                }
            }
            // A quoted-printable value that ends in `=` continues on the next line.
            if let Some(p) = props.last_mut()
                && p.text.ends_with('=')
                && is_quoted_printable(&p.text)
            {
                p.text.push('\n');
                p.text.push_str(l);
                continue;
            }
            if l.trim().is_empty() {
                continue;
            }
            if l.trim().eq_ignore_ascii_case("END:VCARD") {
                let end = self.pos.min(self.text.len());
                let card = RawCard { line: begin_line, text: &self.text[start..end], props };
                if let Some(bad) = card.props.iter().find(|p| !unfold(&p.text).contains(':')) {
                    let shown: String = bad.text.chars().take(40).collect();
                    return Some(Err(RecordError::new(
                        bad.line,
                        Some(&bad.name),
                        format!("`{shown}` is not a vCard property: it has no `:`"),
                    )));
                }
                return Some(Ok(card));
            }
            if is_begin(l) {
                return Some(Err(RecordError::new(
                    begin_line,
                    None,
                    format!("the card that starts here has no END:VCARD before the next card at line {}", self.line),
                )));
            }
            let head = l.split([';', ':']).next().unwrap_or("");
            let (group, name) = match head.rsplit_once('.') {
                Some((g, n)) => (Some(g.to_string()), n),
                None => (None, head),
            };
            props.push(RawProp { line: self.line, name: name.trim().to_ascii_uppercase(), group, text: l.to_string() });
        }
    }
}

fn is_quoted_printable(text: &str) -> bool {
    let head = text.split(':').next().unwrap_or("");
    head.to_ascii_uppercase().contains("QUOTED-PRINTABLE")
}

/// A property's logical line: folds removed (the line end and one space or tab).
fn unfold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, l) in text.split('\n').enumerate() {
        if i == 0 {
            out.push_str(l);
        } else if let Some(rest) = l.strip_prefix([' ', '\t']) {
            out.push_str(rest);
        } else {
            // quoted-printable soft break: keep the line end, the decoder drops `=\n`
            out.push('\n');
            out.push_str(l);
        }
    }
    out
}

/// Properties kith reads into its own fields.
const MODELED: &[&str] = &[
    "VERSION",
    "FN",
    "N",
    "EMAIL",
    "TEL",
    "ADR",
    "URL",
    "X-SOCIALPROFILE",
    "SOCIALPROFILE",
    "ORG",
    "TITLE",
    "BDAY",
    "NOTE",
    "CATEGORIES",
];

fn contact(card: &RawCard<'_>) -> Result<Contact, RecordError> {
    let mut parser = calcard::Parser::new(card.text);
    let vcard = match parser.entry() {
        CalEntry::VCard(v) => v,
        CalEntry::InvalidLine(l) => {
            return Err(RecordError::new(card.line, None, format!("the card has an invalid line: `{l}`")));
        }
        _ => return Err(RecordError::new(card.line, None, "the card cannot be read")),
    };
    let entries: Vec<&VCardEntry> =
        vcard.entries.iter().filter(|e| !matches!(e.name, VCardProperty::Begin | VCardProperty::End)).collect();
    // calcard reads the same properties in the same order; when it does not (a line it skips),
    // read each property on its own.
    let aligned = entries.len() == card.props.len()
        && entries.iter().zip(&card.props).all(|(e, p)| e.name.as_str().eq_ignore_ascii_case(&p.name));
    let owned: Vec<Option<VCardEntry>>;
    let per_prop: Vec<Option<&VCardEntry>> = if aligned {
        entries.into_iter().map(Some).collect()
    } else {
        owned = card.props.iter().map(|p| parse_one(&p.text)).collect();
        owned.iter().map(Option::as_ref).collect()
    };

    let version = card
        .props
        .iter()
        .find(|p| p.name == "VERSION")
        .map(|p| unfold(&p.text).split_once(':').map(|(_, v)| v.trim().to_string()).unwrap_or_default())
        .unwrap_or_else(|| "3.0".into());
    // A 2.1 property's text (bare types, quoted-printable) is not valid in the versions kith
    // writes: kith writes its own for the values it models.
    let shadows = version != "2.1";

    // X-ABLabel names the other properties of its item group.
    let mut group_labels: Vec<(&str, String)> = Vec::new();
    for (p, e) in card.props.iter().zip(&per_prop) {
        if p.name == "X-ABLABEL"
            && let (Some(g), Some(e)) = (&p.group, e)
        {
            let t = first_text(e);
            let t = t.trim().trim_start_matches("_$!<").trim_end_matches(">!$_").trim().to_lowercase();
            if !t.is_empty() {
                group_labels.push((g, t));
            }
        }
    }

    let mut c = Contact { line: card.line, ..Contact::default() };
    let mut kept = Vec::new();
    let mut fn_seen = false;
    for (p, e) in card.props.iter().zip(per_prop) {
        let modeled = MODELED.contains(&p.name.as_str());
        let Some(e) = e.filter(|_| modeled) else {
            // BEGIN/END other than the card's own (a nested component) would break the card
            // they are written into: they are not kept.
            if !matches!(p.name.as_str(), "VERSION" | "BEGIN" | "END") {
                kept.push(KeptProp { key: None, raw: p.text.clone() });
            }
            if p.name == "UID"
                && let Some(e) = e
            {
                c.uid = Some(first_text(e).trim().to_string()).filter(|s| !s.is_empty());
            }
            continue;
        };
        let group_label =
            p.group.as_deref().and_then(|g| group_labels.iter().find(|(x, _)| *x == g)).map(|(_, l)| l.clone());
        let label = group_label.or_else(|| type_label(e));
        let pref = is_pref(e);
        let key: Option<String> = match p.name.as_str() {
            "VERSION" => continue,
            "FN" => {
                let t = first_text(e);
                if !t.trim().is_empty() && !fn_seen {
                    fn_seen = true;
                    c.name = t.trim().to_string();
                    Some(format!("fn:{}", c.name))
                } else {
                    None
                }
            }
            "N" => {
                let parts = parts(e);
                let get = |i: usize| parts.get(i).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                c.family = get(0);
                c.given = get(1);
                Some(format!("n:{}\u{1f}{}", c.given.as_deref().unwrap_or(""), c.family.as_deref().unwrap_or("")))
            }
            "EMAIL" => {
                let t = first_text(e);
                c.push_email(&t, label, pref).then(|| format!("email:{}", c.emails.last().map_or("", |x| &x.key)))
            }
            "TEL" => {
                let t = first_text(e);
                if c.push_phone(&t, label, pref) {
                    // the key of the value just read, even when it was already there
                    kith_core::model::Phone::parse(&t).ok().map(|ph| format!("phone:{}", ph.key()))
                } else {
                    None
                }
            }
            "ADR" => {
                let text = address_text(&parts(e));
                c.push_address(&text, label).then(|| format!("address:{}", text.trim().to_lowercase()))
            }
            "URL" | "X-SOCIALPROFILE" | "SOCIALPROFILE" => {
                let t = first_text(e);
                let label = if p.name == "URL" { label } else { type_label(e).or(label) };
                if c.push_link(&t, label) {
                    kith_core::model::Link::parse(&t).ok().map(|l| format!("link:{}", l.url.to_lowercase()))
                } else {
                    None
                }
            }
            "ORG" => {
                let parts = parts(e);
                match parts.first().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                    Some(org) if c.org.is_none() => {
                        c.org = Some(org.to_string());
                        Some(format!("org:{}", org.to_lowercase()))
                    }
                    _ => None,
                }
            }
            "TITLE" => {
                let t = first_text(e);
                match t.trim() {
                    t if !t.is_empty() && c.title.is_none() => {
                        c.title = Some(t.to_string());
                        Some(format!("title:{t}"))
                    }
                    _ => None,
                }
            }
            "BDAY" => {
                let raw = unfold(&p.text);
                let value = raw.split_once(':').map_or("", |(_, v)| v);
                match birthday(value) {
                    Some(b) if c.birthday.is_none() => {
                        c.birthday = Some(b.clone());
                        Some(format!("bday:{b}"))
                    }
                    _ => None,
                }
            }
            "NOTE" => {
                let t = texts(e).join(",");
                let t = t.trim();
                if t.is_empty() || c.notes.is_some() {
                    None
                } else {
                    c.notes = Some(t.replace("\r\n", "\n"));
                    c.notes.as_ref().map(|n| format!("note:{n}"))
                }
            }
            "CATEGORIES" => {
                for t in texts(e) {
                    for t in t.split(',') {
                        c.push_tag(t);
                    }
                }
                continue;
            }
            _ => None,
        };
        match key {
            // Modeled: keep the original text while kith holds the same value.
            Some(k) => {
                if shadows {
                    kept.push(KeptProp { key: Some(k), raw: p.text.clone() });
                }
            }
            // A value kith cannot read (an email without `@`, a date it cannot place): keep it.
            None => kept.push(KeptProp { key: None, raw: p.text.clone() }),
        }
    }
    c.complete_name();
    if c.name.is_empty() {
        if let Some(org) = &c.org {
            c.name = org.clone();
        } else if let Some(e) = c.emails.first() {
            c.name = e.value.clone();
        } else {
            return Err(RecordError::new(card.line, Some("FN"), "the card has no name (no FN, N, ORG or EMAIL)"));
        }
    }
    c.name = clean(&c.name);
    if kept.iter().any(|k| k.key.is_none()) || (shadows && !kept.is_empty()) {
        c.kept = Some(Kept { version, props: kept });
    }
    Ok(c)
}

/// One line of text: whitespace runs (line ends included) become one space, control
/// characters go.
fn clean(s: &str) -> String {
    s.split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parse one property on its own (when the card as a whole did not line up).
fn parse_one(text: &str) -> Option<VCardEntry> {
    let card = format!("BEGIN:VCARD\r\n{}\r\nEND:VCARD\r\n", text.replace('\n', "\r\n"));
    match calcard::Parser::new(&card).entry() {
        CalEntry::VCard(v) => {
            v.entries.into_iter().find(|e| !matches!(e.name, VCardProperty::Begin | VCardProperty::End))
        }
        _ => None,
    }
}

fn value_text(v: &VCardValue, out: &mut Vec<String>) {
    match v {
        VCardValue::Text(s) => out.push(s.clone()),
        VCardValue::Component(parts) => out.push(parts.join(",")),
        VCardValue::Integer(i) => out.push(i.to_string()),
        VCardValue::Float(f) => out.push(f.to_string()),
        VCardValue::Boolean(b) => out.push(b.to_string()),
        VCardValue::PartialDateTime(d) => {
            let mut s = String::new();
            match d.year {
                Some(y) => s.push_str(&format!("{y:04}")),
                None => s.push_str("--"),
            }
            if let (Some(m), Some(dd)) = (d.month, d.day) {
                s.push_str(&format!("{}{m:02}-{dd:02}", if d.year.is_some() { "-" } else { "" }));
            }
            out.push(s);
        }
        _ => {}
    }
}

fn texts(e: &VCardEntry) -> Vec<String> {
    let mut out = Vec::new();
    for v in &e.values {
        value_text(v, &mut out);
    }
    out
}

fn first_text(e: &VCardEntry) -> String {
    texts(e).into_iter().next().unwrap_or_default()
}

/// The components of a structured value (N, ADR, ORG), one string per `;` part.
fn parts(e: &VCardEntry) -> Vec<String> {
    texts(e)
}

/// `;;1 Market St;San Francisco;CA;94105;United States` → `1 Market St, San Francisco, CA 94105, United States`.
pub(crate) fn address_text(parts: &[String]) -> String {
    let get = |i: usize| parts.get(i).map(|s| s.trim()).unwrap_or("");
    let region_code = [get(4), get(5)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    [get(0), get(1), get(2), get(3), region_code.as_str(), get(6)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.replace('\n', ", "))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A birthday in any of the forms producers write: `1988-04-12`, `19880412`, `--0412`,
/// `--04-12`, with or without a time.
fn birthday(value: &str) -> Option<String> {
    let v = value.trim();
    let date = v.split('T').next().unwrap_or(v);
    let (no_year, digits) = match date.strip_prefix("--") {
        Some(rest) => (true, rest.replace('-', "")),
        None => (false, date.replace('-', "")),
    };
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let s = match (no_year, digits.len()) {
        (true, 4) => format!("--{}-{}", &digits[..2], &digits[2..]),
        (false, 8) => format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..]),
        _ => return None,
    };
    kith_core::model::Birthday::parse(&s).ok().map(|b| b.to_string())
}

/// Type parameter values that say nothing a person would call a label.
const NOT_LABELS: &[&str] =
    &["internet", "pref", "voice", "x400", "text", "uri", "date", "intl", "postal", "parcel", "dom"];

fn param_texts(e: &VCardEntry, name: &VCardParameterName) -> Vec<String> {
    e.params
        .iter()
        .filter(|p| &p.name == name)
        .filter_map(|p| match &p.value {
            VCardParameterValue::Text(t) => Some(t.to_lowercase()),
            VCardParameterValue::Type(t) => Some(t.as_str().to_lowercase()),
            VCardParameterValue::Integer(i) => Some(i.to_string()),
            _ => None,
        })
        .flat_map(|t| t.split(',').map(|s| s.trim().trim_matches('"').to_string()).collect::<Vec<_>>())
        .collect()
}

fn type_label(e: &VCardEntry) -> Option<String> {
    param_texts(e, &VCardParameterName::Type).into_iter().find(|t| !t.is_empty() && !NOT_LABELS.contains(&t.as_str()))
}

fn is_pref(e: &VCardEntry) -> bool {
    param_texts(e, &VCardParameterName::Type).iter().any(|t| t == "pref")
        || e.params.iter().any(|p| p.name == VCardParameterName::Pref)
}

// ---------------------------------------------------------------------------------------------
// Writing: `vcard_write`.

pub use crate::vcard_write::{Card, Item, KeptPropRef, KeptRef, Text, Version, Writer, write};
pub(crate) use crate::vcard_write::{esc, fold};

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Contact {
        let mut all: Vec<_> = parse(text).collect();
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0).unwrap()
    }

    #[test]
    fn folded_line_splitting_a_multibyte_character() {
        // "Müller" with the two bytes of ü on two physical lines is not possible in a &str,
        // but a fold right before a multi-byte character is.
        let c = one("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jürgen M\r\n üller\r\nEND:VCARD\r\n");
        assert_eq!(c.name, "Jürgen Müller");
        assert_eq!(c.given.as_deref(), Some("Jürgen"));
    }

    #[test]
    fn quoted_printable_soft_breaks_and_charset() {
        let c = one("BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;\n\
             NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Hallo =\nWelt\nEND:VCARD\n");
        assert_eq!(c.name, "Jürgen Müller");
        assert_eq!(c.notes.as_deref(), Some("Hallo Welt"));
    }

    #[test]
    fn errors_name_the_line() {
        let errs: Vec<_> = parse("BEGIN:VCARD\nVERSION:3.0\nFN:A\nnonsense\nEND:VCARD\n").collect();
        assert_eq!(errs[0].as_ref().unwrap_err().line, 4);
        let errs: Vec<_> = parse("hello\n").collect();
        assert_eq!(errs[0].as_ref().unwrap_err().line, 1);
        let errs: Vec<_> = parse("BEGIN:VCARD\nFN:A\n").collect();
        assert!(errs[0].as_ref().unwrap_err().message.contains("no END:VCARD"));
        let errs: Vec<_> = parse("BEGIN:VCARD\nVERSION:3.0\nNOTE:x\nEND:VCARD\n").collect();
        assert_eq!(errs[0].as_ref().unwrap_err().field.as_deref(), Some("FN"));
    }

    /// A reader that hands out a few bytes at a time, as a pipe may.
    struct Trickle<'a>(&'a [u8], usize);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn blocks_read_the_same_cards_as_the_whole_text() {
        // Good cards, folds, a quoted-printable soft break, a stray line, a broken card, a card
        // without END at the end of the file, CRLF and LF, no final line end.
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\n Lee\r\nEND:VCARD\r\n\r\n\
             stray\nBEGIN:VCARD\nVERSION:2.1\nN;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=\nEND:VCARD\nFN:x\nEND:VCARD\n\
             BEGIN:VCARD\nVERSION:3.0\nFN:Bo\nnonsense\nEND:VCARD\n\
             begin:vcard\nversion:4.0\nfn:Cy\n end:vcard\nEMAIL:cy@example.com\n  END:VCARD  \n\
             BEGIN:VCARD\nVERSION:3.0\nFN:Di\nEND:VCARD\nBEGIN:VCARD\nFN:Ed";
        let whole: Vec<_> = parse(text).collect();
        assert!(whole.iter().filter(|c| c.is_ok()).count() >= 2, "{whole:?}");
        assert!(whole.iter().filter(|c| c.is_err()).count() >= 3, "{whole:?}");
        for size in [1, 2, 7, 30, 64, 1000] {
            for trickle in [1, 5, 4096] {
                let mut starts = Vec::new();
                let mut got = Vec::new();
                for b in Blocks::with_size(Trickle(text.as_bytes(), trickle), size) {
                    let b = b.unwrap();
                    assert_eq!(&text.as_bytes()[b.start as usize..][..b.bytes.len()], &b.bytes[..]);
                    assert_eq!(b.lines, b.bytes.iter().filter(|&&c| c == b'\n').count());
                    starts.push(b.start);
                    let t = std::str::from_utf8(&b.bytes).unwrap();
                    got.extend(parse_from(t, b.first_line));
                }
                assert_eq!(got, whole, "blocks of {size} bytes read {trickle} at a time");
                if size < 64 {
                    assert!(starts.len() > 3, "{starts:?}");
                }
            }
        }
    }

    #[test]
    fn an_empty_file_is_one_empty_block() {
        let blocks: Vec<_> = Blocks::new(&b""[..]).map(Result::unwrap).collect();
        assert_eq!(blocks.len(), 1);
        assert!(blocks[0].bytes.is_empty());
    }

    #[test]
    fn birthdays() {
        assert_eq!(birthday("--0412").as_deref(), Some("--04-12"));
        assert_eq!(birthday("19880412").as_deref(), Some("1988-04-12"));
        assert_eq!(birthday("1988-04-12T00:00:00Z").as_deref(), Some("1988-04-12"));
        assert_eq!(birthday("sometime"), None);
    }

    #[test]
    fn write_escapes_and_folds() {
        let mut c = Contact { name: "A, B".into(), notes: Some("x".repeat(200)), ..Contact::default() };
        c.complete_name();
        let mut out = String::new();
        write(&mut out, &c, "urn:uuid:1", Version::V4);
        assert!(out.contains("FN:A\\, B\r\n"));
        assert!(out.lines().all(|l| l.len() <= 75));
        let back = one(&out);
        assert_eq!(back.notes, c.notes);
        assert_eq!(back.name, "A, B");
    }
}
