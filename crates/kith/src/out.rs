//! Human output: aligned tables, colour when the terminal allows (anstream drops the colour
//! codes when stdout is not a terminal or `NO_COLOR` is set).

use std::io::Write;

use anstyle::{AnsiColor, Style};
use unicode_width::UnicodeWidthStr;

pub const HEAD: Style = Style::new().bold();
pub const DIM: Style = Style::new().dimmed();
pub const WARN: Style = AnsiColor::Red.on_default();
pub const OK: Style = AnsiColor::Green.on_default();
pub const NAME: Style = AnsiColor::Cyan.on_default().bold();

/// A text cell with an optional style.
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), style: Style::new() }
    }
    pub fn styled(text: impl Into<String>, style: Style) -> Cell {
        Cell { text: text.into(), style }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::new(s)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::new(s)
    }
}

/// Print rows under a header, columns padded to the widest cell. The last column is not padded.
pub fn table(header: &[&str], rows: Vec<Vec<Cell>>) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(clean(&c.text).width());
            }
        }
    }
    let last = header.len().saturating_sub(1);
    // The whole table in one buffer and one write: stdout is line-buffered, and a write per
    // row was half the time of a 2,000-row agenda.
    let mut out = String::new();
    let mut line = String::new();
    for (i, h) in header.iter().enumerate() {
        line.push_str(&format!("{HEAD}{h}{HEAD:#}"));
        if i < last {
            line.push_str(&" ".repeat(widths[i] - h.width() + 2));
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
    for row in rows {
        line.clear();
        for (i, c) in row.iter().enumerate() {
            let t = clean(&c.text);
            line.push_str(&format!("{}{}{:#}", c.style, t, c.style));
            if i < last {
                line.push_str(&" ".repeat(widths[i].saturating_sub(t.width()) + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    write_stdout(&out)
}

/// Write `text` (with its colour codes, or without when stdout takes none) in one go; anstream's
/// stream strips colour piecewise, one write per segment.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let text = match anstream::AutoStream::choice(&stdout) {
        anstream::ColorChoice::Never => anstream::adapter::strip_str(text).to_string(),
        _ => text.to_string(),
    };
    stdout.lock().write_all(text.as_bytes())
}

/// One line of a cell: newlines and tabs would break the alignment.
fn clean(s: &str) -> String {
    s.replace(['\n', '\r', '\t'], " ")
}

/// `label: value` lines for a record, skipping empty values.
pub fn fields(pairs: &[(&str, String)]) -> std::io::Result<()> {
    let width = pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, _)| k.width()).max().unwrap_or(0);
    let mut w = anstream::stdout().lock();
    for (k, v) in pairs {
        if v.is_empty() {
            continue;
        }
        writeln!(w, "{DIM}{k:>width$}{DIM:#}  {v}")?;
    }
    Ok(())
}

pub fn heading(title: &str) -> std::io::Result<()> {
    let mut w = anstream::stdout().lock();
    writeln!(w, "\n{HEAD}{title}{HEAD:#}")
}

pub fn line(text: impl std::fmt::Display) -> std::io::Result<()> {
    writeln!(anstream::stdout().lock(), "{text}")
}

/// Serialize a value as pretty JSON on stdout.
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    // Serialize first, then write: a closed pipe then surfaces as a plain io::Error, which the
    // caller treats as a normal end rather than a failure.
    let text = serde_json::to_string_pretty(value)?;
    let mut w = std::io::stdout().lock();
    writeln!(w, "{text}")?;
    Ok(())
}
