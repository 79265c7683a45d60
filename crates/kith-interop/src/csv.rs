//! Contacts from CSV: LinkedIn's `Connections.csv`, Google Contacts (current and legacy
//! layouts), Outlook, and any other CSV with a column map.

use foldhash::HashMap;

use crate::{Contact, RecordError};

/// Which producer's columns a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Auto,
    Linkedin,
    Google,
    Outlook,
    /// Only the columns named by `--map`.
    Mapped,
}

/// A kith field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Given,
    Family,
    Email,
    Phone,
    Address,
    Link,
    Org,
    Title,
    Birthday,
    Notes,
    Tags,
    MetOn,
    MetHow,
}

const FIELDS: &[(&str, Field)] = &[
    ("name", Field::Name),
    ("given", Field::Given),
    ("first", Field::Given),
    ("family", Field::Family),
    ("last", Field::Family),
    ("email", Field::Email),
    ("phone", Field::Phone),
    ("address", Field::Address),
    ("link", Field::Link),
    ("url", Field::Link),
    ("org", Field::Org),
    ("company", Field::Org),
    ("title", Field::Title),
    ("birthday", Field::Birthday),
    ("notes", Field::Notes),
    ("note", Field::Notes),
    ("tag", Field::Tags),
    ("tags", Field::Tags),
    ("met-on", Field::MetOn),
    ("met-how", Field::MetHow),
];

/// How to read a file: its format and the extra column mappings.
#[derive(Debug, Clone)]
pub struct Layout {
    pub format: Format,
    pub map: Vec<(String, Field)>,
}

impl Layout {
    /// From `--format` and `--map column=field` flags.
    pub fn parse(format: &str, map: &[String]) -> Result<Layout, String> {
        let format = match format.trim().to_lowercase().as_str() {
            "auto" | "" => Format::Auto,
            "linkedin" => Format::Linkedin,
            "google" => Format::Google,
            "outlook" => Format::Outlook,
            other => return Err(format!("--format `{other}` is not known: use linkedin, google, outlook or auto")),
        };
        let mut pairs = Vec::new();
        for m in map {
            let (col, field) = m
                .rsplit_once('=')
                .ok_or_else(|| format!("--map `{m}` is not valid: write it as column=field, e.g. \"E-mail=email\""))?;
            let f = field.trim().to_lowercase().replace('_', "-");
            let field = FIELDS.iter().find(|(n, _)| *n == f).map(|(_, f)| *f).ok_or_else(|| {
                format!(
                    "--map `{m}`: `{field}` is not a field kith imports; use one of name, given, family, email, phone, address, link, org, title, birthday, notes, tags, met-on, met-how"
                )
            })?;
            pairs.push((col.trim().to_string(), field));
        }
        let format = if format == Format::Auto && !pairs.is_empty() { Format::Mapped } else { format };
        Ok(Layout { format, map: pairs })
    }
}

/// The rows of a CSV file as contacts. Fails before any row when the header does not fit the
/// layout (a required column is missing), naming the column.
pub fn parse<'a>(
    text: &'a str,
    layout: &Layout,
) -> Result<impl Iterator<Item = Result<Contact, RecordError>> + 'a, RecordError> {
    // LinkedIn puts a "Notes:" paragraph before the header: skip to the header line.
    let mut skipped = 0;
    let mut rest = text;
    if text.trim_start().starts_with("Notes:") {
        let mut offset = 0;
        let mut found = None;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if l.starts_with("First Name") {
                found = Some((i, offset));
                break;
            }
            offset += l.len();
        }
        let (i, off) = found.ok_or_else(|| {
            RecordError::new(1, None, "the file starts with a \"Notes:\" preamble but has no \"First Name\" header")
        })?;
        skipped = i;
        rest = &text[off..];
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(rest.as_bytes());
    let header_line = skipped + 1;
    let headers = reader
        .headers()
        .map_err(|e| RecordError::new(header_line, None, format!("the header cannot be read: {e}")))?
        .clone();
    if headers.is_empty() || headers.iter().all(|h| h.trim().is_empty()) {
        return Err(RecordError::new(header_line, None, "the file is empty: it has no header row"));
    }
    let cols: HashMap<String, usize> = headers.iter().enumerate().map(|(i, h)| (h.trim().to_string(), i)).collect();
    let has = |c: &str| cols.contains_key(c);
    let format = match layout.format {
        Format::Auto => {
            if has("Connected On") || (has("URL") && has("Position")) {
                Format::Linkedin
            } else if has("E-mail 1 - Value") || has("Given Name") || has("Labels") {
                Format::Google
            } else if has("E-mail Address") || has("Business Phone") {
                Format::Outlook
            } else {
                let shown: Vec<&str> = headers.iter().take(8).collect();
                return Err(RecordError::new(
                    header_line,
                    None,
                    format!(
                        "cannot tell whose CSV this is (columns: {}); use --format linkedin|google|outlook or --map column=field",
                        shown.join(", ")
                    ),
                ));
            }
        }
        f => f,
    };
    let required: &[&str] = match format {
        Format::Linkedin => &["First Name", "Last Name", "URL"],
        Format::Google if has("Given Name") => &["Given Name", "Family Name"],
        Format::Google => &["First Name", "Last Name"],
        Format::Outlook => &["First Name", "Last Name"],
        Format::Mapped | Format::Auto => &[],
    };
    let name = match format {
        Format::Linkedin => "LinkedIn export",
        Format::Google => "Google Contacts CSV",
        Format::Outlook => "Outlook CSV",
        _ => "mapped CSV",
    };
    for r in required {
        if !has(r) {
            return Err(RecordError::new(
                header_line,
                Some(r),
                format!("the column `{r}` is missing (a {name} has it); use --map column=field for other layouts"),
            ));
        }
    }
    for (col, _) in &layout.map {
        if !has(col) {
            return Err(RecordError::new(
                header_line,
                Some(col),
                format!("--map names the column `{col}`, which the file does not have"),
            ));
        }
    }
    if format == Format::Mapped
        && !layout.map.iter().any(|(_, f)| matches!(f, Field::Name | Field::Given | Field::Family | Field::Email))
    {
        return Err(RecordError::new(header_line, None, "--map must map a column to name, given, family or email"));
    }
    let map = layout.map.clone();
    let mut records = reader.into_records();
    Ok(std::iter::from_fn(move || {
        let rec = records.next()?;
        Some(match rec {
            Err(e) => {
                let line = e.position().map_or(header_line, |p| p.line() as usize + skipped);
                Err(RecordError::new(line, None, format!("the row cannot be read: {e}")))
            }
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line() as usize) + skipped;
                let row = Row { cols: &cols, rec: &r, line };
                row_contact(&row, format, &map)
            }
        })
    }))
}

struct Row<'a> {
    cols: &'a HashMap<String, usize>,
    rec: &'a csv::StringRecord,
    line: usize,
}

impl Row<'_> {
    fn get(&self, col: &str) -> Option<&str> {
        self.cols.get(col).and_then(|&i| self.rec.get(i)).map(str::trim).filter(|s| !s.is_empty())
    }

    fn err(&self, col: &str, msg: String) -> RecordError {
        RecordError::new(self.line, Some(col), msg)
    }

    /// Google's several values in one cell, `a ::: b`.
    fn many(&self, col: &str) -> Vec<String> {
        self.get(col)
            .map(|v| v.split(" ::: ").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }

    fn email(&self, c: &mut Contact, col: &str, label: Option<String>) -> Result<(), RecordError> {
        for v in self.many(col) {
            if !c.push_email(&v, label.clone(), false) {
                return Err(self.err(col, format!("`{v}` is not an email address")));
            }
        }
        Ok(())
    }

    fn phone(&self, c: &mut Contact, col: &str, label: Option<String>) -> Result<(), RecordError> {
        for v in self.many(col) {
            if !c.push_phone(&v, label.clone(), false) {
                return Err(self.err(col, format!("`{v}` is not a phone number")));
            }
        }
        Ok(())
    }

    fn link(&self, c: &mut Contact, col: &str, label: Option<String>) -> Result<(), RecordError> {
        for v in self.many(col) {
            if !c.push_link(&v, label.clone()) {
                return Err(self.err(col, format!("`{v}` is not a web address")));
            }
        }
        Ok(())
    }

    fn birthday(&self, c: &mut Contact, col: &str) -> Result<(), RecordError> {
        if let Some(v) = self.get(col) {
            match date(v) {
                Ok(b) => c.birthday = b,
                Err(BadDate) => {
                    return Err(self.err(col, format!("`{v}` is not a date (write 1990-04-12, --04-12 or 4/12/1990)")));
                }
            }
        }
        Ok(())
    }
}

/// A label cell: `* Work` → `work`; Google's system groups are not labels.
fn label(s: Option<&str>) -> Option<String> {
    let l = s?.trim().trim_start_matches('*').trim().to_lowercase();
    (!l.is_empty() && l != "other").then_some(l)
}

fn tags_from(c: &mut Contact, values: impl IntoIterator<Item = String>) {
    for v in values {
        let t = v.trim().trim_start_matches('*').trim().to_string();
        if !matches!(t.to_lowercase().as_str(), "mycontacts" | "my contacts" | "starred" | "") {
            c.push_tag(&t);
        }
    }
}

/// A date kith cannot read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadDate;

/// `1990-04-12`, `--04-12`, `4/12/1990` (Outlook, month first), `12 Feb 2024` (LinkedIn).
/// Outlook's `0/0/00` means no date. A year of one or two digits (`4/12/90`, from a sheet saved
/// as CSV) is read as Windows and Excel read it, the programs that write such dates: 00-29 are
/// 2000-2029, 30-99 are 1930-1999.
pub fn date(s: &str) -> Result<Option<String>, BadDate> {
    let t = s.trim();
    if t.is_empty() || t == "0/0/00" || t == "0/0/0000" {
        return Ok(None);
    }
    // ISO forms have a dash; the others go straight to the forms below (a failed parse builds
    // an error message: that was 2.5% of a LinkedIn import).
    if t.contains('-')
        && let Ok(b) = kith_core::model::Birthday::parse(t)
    {
        return Ok(Some(b.to_string()));
    }
    let mut parts = t.split(['/', ' ']).filter(|p| !p.is_empty());
    let (Some(a), Some(b), Some(c), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(BadDate);
    };
    let (y, m, d) = if t.contains('/') {
        (c, a.parse::<u32>().map_err(|_| BadDate)?, b)
    } else {
        const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
        let m = b.get(..3).and_then(|m| MONTHS.iter().position(|x| x.eq_ignore_ascii_case(m))).ok_or(BadDate)?;
        (c, m as u32 + 1, a)
    };
    let short = y.len() <= 2;
    let (mut y, d): (u32, u32) = (y.parse().map_err(|_| BadDate)?, d.parse().map_err(|_| BadDate)?);
    if short {
        y += if y < 30 { 2000 } else { 1900 };
    }
    // Years up to 9999 (as a four-digit ISO date has them).
    let (Ok(y @ 0..=9999), Ok(m), Ok(d)) = (i16::try_from(y), i8::try_from(m), i8::try_from(d)) else {
        return Err(BadDate);
    };
    kith_core::model::Birthday::new(Some(y), m, d).map(|b| Some(b.to_string())).ok_or(BadDate)
}

fn row_contact(row: &Row<'_>, format: Format, map: &[(String, Field)]) -> Result<Contact, RecordError> {
    let mut c = Contact { line: row.line, ..Contact::default() };
    match format {
        Format::Linkedin => {
            c.given = row.get("First Name").map(str::to_string);
            c.family = row.get("Last Name").map(str::to_string);
            row.email(&mut c, "Email Address", None)?;
            row.link(&mut c, "URL", Some("linkedin".into()))?;
            c.org = row.get("Company").map(str::to_string);
            c.title = row.get("Position").map(str::to_string);
            if let Some(v) = row.get("Connected On") {
                c.met_on = date(v)
                    .map_err(|BadDate| row.err("Connected On", format!("`{v}` is not a date like 12 Feb 2024")))?;
                c.met_how = Some("LinkedIn".into());
            }
        }
        Format::Google => {
            let legacy = row.cols.contains_key("Given Name");
            let (given, middle, family) = if legacy {
                ("Given Name", "Additional Name", "Family Name")
            } else {
                ("First Name", "Middle Name", "Last Name")
            };
            c.given = [row.get(given), row.get(middle)].into_iter().flatten().collect::<Vec<_>>().join(" ").into();
            c.given = c.given.filter(|g| !g.is_empty());
            c.family = row.get(family).map(str::to_string);
            if legacy {
                c.name = row.get("Name").unwrap_or("").to_string();
            }
            let (org, title) = if legacy {
                ("Organization 1 - Name", "Organization 1 - Title")
            } else {
                ("Organization Name", "Organization Title")
            };
            c.org = row.get(org).map(str::to_string);
            c.title = row.get(title).map(str::to_string);
            row.birthday(&mut c, "Birthday")?;
            c.notes = row.get("Notes").map(str::to_string);
            tags_from(&mut c, row.many(if legacy { "Group Membership" } else { "Labels" }));
            let kind_col = if legacy { "Type" } else { "Label" };
            for n in 1..=20 {
                let l = |what: &str| label(row.get(&format!("{what} {n} - {kind_col}")));
                let any = ["E-mail", "Phone", "Address", "Website"]
                    .iter()
                    .any(|w| row.cols.contains_key(&format!("{w} {n} - {kind_col}")));
                if !any {
                    break;
                }
                row.email(&mut c, &format!("E-mail {n} - Value"), l("E-mail"))?;
                row.phone(&mut c, &format!("Phone {n} - Value"), l("Phone"))?;
                row.link(&mut c, &format!("Website {n} - Value"), l("Website"))?;
                // From the parts, as a vCard ADR reads, so both find the same address.
                let part = |p: &str| row.get(&format!("Address {n} - {p}")).unwrap_or("").to_string();
                let parts =
                    ["PO Box", "Extended Address", "Street", "City", "Region", "Postal Code", "Country"].map(part);
                let text = crate::vcard::address_text(&parts);
                if !text.is_empty() {
                    c.push_address(&text, l("Address"));
                } else if let Some(a) = row.get(&format!("Address {n} - Formatted")) {
                    c.push_address(&a.replace("\r\n", ", ").replace('\n', ", "), l("Address"));
                }
            }
        }
        Format::Outlook => {
            c.given = [row.get("First Name"), row.get("Middle Name")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
                .into();
            c.given = c.given.filter(|g| !g.is_empty());
            c.family = row.get("Last Name").map(str::to_string);
            for (col, l) in [("E-mail Address", None), ("E-mail 2 Address", None), ("E-mail 3 Address", None)] {
                row.email(&mut c, col, l)?;
            }
            for (col, l) in [("Mobile Phone", "cell"), ("Business Phone", "work"), ("Home Phone", "home")] {
                row.phone(&mut c, col, Some(l.into()))?;
            }
            c.org = row.get("Company").map(str::to_string);
            c.title = row.get("Job Title").map(str::to_string);
            let addr: Vec<&str> = [
                "Business Street",
                "Business City",
                "Business State",
                "Business Postal Code",
                "Business Country/Region",
            ]
            .iter()
            .filter_map(|col| row.get(col))
            .collect();
            if !addr.is_empty() {
                c.push_address(&addr.join(", "), Some("work".into()));
            }
            row.link(&mut c, "Web Page", None)?;
            row.birthday(&mut c, "Birthday")?;
            c.notes = row.get("Notes").map(str::to_string);
            tags_from(&mut c, row.get("Categories").unwrap_or("").split(';').map(str::to_string));
        }
        Format::Mapped | Format::Auto => {}
    }
    for (col, field) in map {
        let Some(v) = row.get(col) else { continue };
        let v = v.to_string();
        match field {
            Field::Name => c.name = v,
            Field::Given => c.given = Some(v),
            Field::Family => c.family = Some(v),
            Field::Email => row.email(&mut c, col, None)?,
            Field::Phone => row.phone(&mut c, col, None)?,
            Field::Link => row.link(&mut c, col, None)?,
            Field::Address => {
                c.push_address(&v, None);
            }
            Field::Org => c.org = Some(v),
            Field::Title => c.title = Some(v),
            Field::Birthday => row.birthday(&mut c, col)?,
            Field::Notes => c.notes = Some(v),
            Field::Tags => tags_from(&mut c, v.split([',', ';']).map(str::to_string)),
            Field::MetOn => c.met_on = date(&v).map_err(|BadDate| row.err(col, format!("`{v}` is not a date")))?,
            Field::MetHow => c.met_how = Some(v),
        }
    }
    c.complete_name();
    if c.name.is_empty() {
        match c.emails.first() {
            Some(e) => c.name = e.value.clone(),
            None => return Err(RecordError::new(row.line, None, "the row has no name and no email")),
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_every_producer() {
        assert_eq!(date("12 Feb 2024"), Ok(Some("2024-02-12".into())));
        assert_eq!(date("4/12/1990"), Ok(Some("1990-04-12".into())));
        assert_eq!(date("--11-03"), Ok(Some("--11-03".into())));
        assert_eq!(date("0/0/00"), Ok(None));
        assert_eq!(date("soon"), Err(BadDate));
        assert!(date("31 Feb 2024").is_err());
        assert_eq!(date("29 Feb 2024"), Ok(Some("2024-02-29".into())));
        assert!(date("268/1/2024").is_err(), "a month that wraps to 12 as an i8");
        assert!(date("1/300/2024").is_err());
        assert!(date("1/1/10000").is_err());
        // Two-digit years as Windows and Excel read them; three digits are a year as written.
        assert_eq!(date("4/12/90"), Ok(Some("1990-04-12".into())));
        assert_eq!(date("4/12/30"), Ok(Some("1930-04-12".into())));
        assert_eq!(date("4/12/29"), Ok(Some("2029-04-12".into())));
        assert_eq!(date("4/12/05"), Ok(Some("2005-04-12".into())));
        assert_eq!(date("4/12/5"), Ok(Some("2005-04-12".into())));
        assert_eq!(date("12 Feb 24"), Ok(Some("2024-02-12".into())));
        assert_eq!(date("4/12/990"), Ok(Some("0990-04-12".into())));
    }

    #[test]
    fn layouts_refuse_unknown_fields() {
        assert!(Layout::parse("auto", &["Mail=email".into()]).is_ok());
        assert!(Layout::parse("auto", &["Mail=shoe".into()]).unwrap_err().contains("shoe"));
        assert!(Layout::parse("excel", &[]).is_err());
    }
}
