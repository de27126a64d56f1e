//! Reading the hazard CSV files: columns found by header name, `#` comment lines,
//! surrounding spaces trimmed, and errors that name the file, line and field.

use std::fmt;
use std::io::{BufRead, BufReader, Read};

/// A fault in an input file: where (file, line, field) and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    pub file: String,
    /// 1-based line number; 0 when the fault concerns the file as a whole.
    pub line: u64,
    /// The column at fault; empty when the fault concerns the whole line or file.
    pub field: String,
    pub message: String,
}

impl DataError {
    pub fn new(file: &str, line: u64, field: &str, message: impl Into<String>) -> DataError {
        DataError { file: file.to_string(), line, field: field.to_string(), message: message.into() }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.field.is_empty()) {
            (0, _) => write!(f, "{}: {}", self.file, self.message),
            (line, true) => write!(f, "{} line {}: {}", self.file, line, self.message),
            (line, false) => write!(f, "{} line {}, field {}: {}", self.file, line, self.field, self.message),
        }
    }
}

impl std::error::Error for DataError {}

/// One data line of a CSV file, with its columns in the order the caller asked for.
pub(crate) struct Row<'a> {
    file: &'a str,
    pub line: u64,
    fields: &'a [String],
    columns: &'a [usize],
    names: &'a [&'a str],
}

impl Row<'_> {
    pub fn str(&self, i: usize) -> &str {
        self.fields.get(self.columns[i]).map_or("", String::as_str)
    }

    pub fn error(&self, i: usize, message: impl Into<String>) -> DataError {
        DataError::new(self.file, self.line, self.names[i], message)
    }

    /// A non-empty text field.
    pub fn text(&self, i: usize) -> Result<&str, DataError> {
        let s = self.str(i);
        if s.is_empty() {
            return Err(self.error(i, "must not be empty"));
        }
        Ok(s)
    }

    /// A finite number.
    pub fn number(&self, i: usize) -> Result<f64, DataError> {
        let s = self.str(i);
        let v: f64 = s.parse().map_err(|_| self.error(i, format!("expected a number, got {s:?}")))?;
        if v.is_nan() {
            return Err(self.error(i, "must be a number, got NaN"));
        }
        if v.is_infinite() {
            return Err(self.error(i, format!("must be finite, got {s}")));
        }
        Ok(v)
    }
}

/// Splits one CSV line (RFC 4180 quoting within the line, no embedded newlines) into
/// trimmed fields.
fn split_line(line: &str, out: &mut Vec<String>) -> Result<(), &'static str> {
    out.clear();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                out.push(if was_quoted { std::mem::take(&mut field) } else { field.trim().to_string() });
                field.clear();
                was_quoted = false;
            }
            (false, c) => {
                if !(was_quoted && c.is_whitespace()) {
                    field.push(c);
                }
            }
        }
    }
    if quoted {
        return Err("unterminated quoted field");
    }
    out.push(if was_quoted { field } else { field.trim().to_string() });
    Ok(())
}

/// Calls `each` for every data line of `reader` (named `file` in errors). `names` are
/// the columns wanted, found by header name in any order; other columns are ignored.
/// Blank lines and lines starting with `#` are skipped; line numbers count every line.
pub(crate) fn for_each_row<R: Read>(
    file: &str,
    reader: R,
    names: &[&str],
    mut each: impl FnMut(&Row<'_>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let lines = BufReader::new(reader).lines();
    let mut line_no = 0u64;
    let mut header: Vec<String> = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut columns: Vec<usize> = Vec::new();
    let mut have_header = false;
    for line in lines {
        line_no += 1;
        let line = line.map_err(|e| DataError::new(file, line_no, "", format!("cannot read: {e}")))?;
        let text = line.trim_start_matches('\u{feff}').trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let target = if have_header { &mut fields } else { &mut header };
        split_line(text, target).map_err(|m| DataError::new(file, line_no, "", m))?;
        if !have_header {
            have_header = true;
            for name in names {
                match header.iter().position(|h| h.eq_ignore_ascii_case(name)) {
                    Some(c) => columns.push(c),
                    None => {
                        return Err(DataError::new(
                            file,
                            line_no,
                            name,
                            format!("missing column; the header has {}", header.join(", ")),
                        ))
                    }
                }
            }
            continue;
        }
        if fields.len() != header.len() {
            return Err(DataError::new(file, line_no, "", format!("expected {} fields, found {}", header.len(), fields.len())));
        }
        each(&Row { file, line: line_no, fields: &fields, columns: &columns, names })?;
    }
    if !have_header {
        return Err(DataError::new(file, 0, "", format!("is empty; expected a header line with columns {}", names.join(", "))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_count_comment_lines() {
        let text = "# a comment\nname, value\n# another\na, 1\n\nb, x\n";
        let mut seen = Vec::new();
        let err = for_each_row("t.csv", text.as_bytes(), &["value", "name"], |row| {
            seen.push((row.line, row.str(1).to_string()));
            row.number(0).map(|_| ())
        })
        .unwrap_err();
        assert_eq!(seen, vec![(4, "a".to_string()), (6, "b".to_string())]);
        assert_eq!(err.to_string(), "t.csv line 6, field value: expected a number, got \"x\"");
    }

    #[test]
    fn quoted_fields_keep_commas() {
        let mut out = Vec::new();
        split_line(r#" a , "b, c" ,"d ""e""",, "#, &mut out).unwrap();
        assert_eq!(out, vec!["a", "b, c", "d \"e\"", "", ""]);
        assert!(split_line(r#"a,"b"#, &mut out).is_err());
    }

    #[test]
    fn missing_column_is_named() {
        let err = for_each_row("t.csv", "a,b\n1,2\n".as_bytes(), &["a", "c"], |_| Ok(())).unwrap_err();
        assert_eq!(err.to_string(), "t.csv line 1, field c: missing column; the header has a, b");
    }
}
