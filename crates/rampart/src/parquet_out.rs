//! `--parquet FILE`: a result's main table as an Apache Parquet file.
//!
//! The table is the one `--csv` writes (a header and rows of text cells); each column's
//! type is decided from its cells, the empty ones left aside (they are nulls, as the
//! empty cells of the CSV are, so every column is OPTIONAL):
//!
//! - BOOLEAN when every cell is `true` or `false`;
//! - INT64 when every cell is an integer written plainly (`-12`, not `+12` nor `012`);
//! - DOUBLE when every cell is a finite number (`392000.0`, `1e-3`);
//! - otherwise UTF8 text (BYTE_ARRAY), as is a column with no cell at all.
//!
//! Rows go out in row groups of [`ROW_GROUP`] rows, column by column, so what the writer
//! holds beyond the table is one row group's column at a time; pages are compressed with
//! Snappy (pure Rust).

use anyhow::{bail, Context, Result};
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

/// Rows in one row group.
pub const ROW_GROUP: usize = 100_000;

/// A column's type, decided from its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Boolean,
    Int64,
    Double,
    Text,
}

fn boolean(s: &str) -> Option<bool> {
    match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn int64(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().filter(|n| n.to_string() == s)
}

fn double(s: &str) -> Option<f64> {
    // A plainly written number: no sign but '-', no leading zero before a digit, no words
    // (`inf`, `NaN`) — so that codes like `+33` or `0042` stay text.
    let digits = s.strip_prefix('-').unwrap_or(s);
    let b = digits.as_bytes();
    if b.first().is_none_or(|c| !c.is_ascii_digit()) || (b[0] == b'0' && b.get(1).is_some_and(u8::is_ascii_digit)) {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The type of column `c`: the narrowest that every non-empty cell fits.
pub fn kind(rows: &[Vec<String>], c: usize) -> Kind {
    let mut cells = rows.iter().filter_map(|r| r.get(c)).filter(|s| !s.is_empty()).peekable();
    if cells.peek().is_none() {
        return Kind::Text;
    }
    let (mut b, mut i, mut d) = (true, true, true);
    for s in cells {
        b = b && boolean(s).is_some();
        i = i && int64(s).is_some();
        d = d && double(s).is_some();
        if !(b || i || d) {
            return Kind::Text;
        }
    }
    if b {
        Kind::Boolean
    } else if i {
        Kind::Int64
    } else {
        Kind::Double
    }
}

fn schema(header: &[&str], kinds: &[Kind]) -> Result<Type> {
    let fields = header
        .iter()
        .zip(kinds)
        .map(|(name, k)| {
            let (physical, logical) = match k {
                Kind::Boolean => (Physical::BOOLEAN, None),
                Kind::Int64 => (Physical::INT64, None),
                Kind::Double => (Physical::DOUBLE, None),
                Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
            };
            // The logical type String also sets the converted type UTF8, for older readers.
            let t = Type::primitive_type_builder(name, physical).with_repetition(Repetition::OPTIONAL).with_logical_type(logical);
            Ok(Arc::new(t.build()?))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Type::group_type_builder("schema").with_fields(fields).build()?)
}

/// Writes the table to `path` as Parquet (types as the module says).
pub fn write(path: &Path, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    if let Some((k, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != header.len()) {
        bail!("row {} has {} cells for {} columns", k + 1, r.len(), header.len());
    }
    let kinds: Vec<Kind> = (0..header.len()).map(|c| kind(rows, c)).collect();
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let file = std::fs::File::create(path).with_context(|| format!("{}: cannot write", path.display()))?;
    let mut w = SerializedFileWriter::new(BufWriter::with_capacity(1 << 20, file), Arc::new(schema(header, &kinds)?), Arc::new(props))?;
    for chunk in rows.chunks(ROW_GROUP) {
        let mut group = w.next_row_group()?;
        let mut c = 0;
        while let Some(mut column) = group.next_column()? {
            let cells = chunk.iter().map(|r| r[c].as_str());
            let def: Vec<i16> = cells.clone().map(|s| i16::from(!s.is_empty())).collect();
            let present = cells.filter(|s| !s.is_empty());
            // Every present cell parses: `kind` chose the type from the same cells.
            match kinds[c] {
                Kind::Boolean => {
                    let v: Vec<bool> = present.filter_map(boolean).collect();
                    column.typed::<BoolType>().write_batch(&v, Some(&def), None)?;
                }
                Kind::Int64 => {
                    let v: Vec<i64> = present.filter_map(int64).collect();
                    column.typed::<Int64Type>().write_batch(&v, Some(&def), None)?;
                }
                Kind::Double => {
                    let v: Vec<f64> = present.filter_map(double).collect();
                    column.typed::<DoubleType>().write_batch(&v, Some(&def), None)?;
                }
                Kind::Text => {
                    let v: Vec<ByteArray> = present.map(ByteArray::from).collect();
                    column.typed::<ByteArrayType>().write_batch(&v, Some(&def), None)?;
                }
            }
            column.close()?;
            c += 1;
        }
        group.close()?;
    }
    let out = w.into_inner().with_context(|| format!("{}: cannot write", path.display()))?;
    out.into_inner().map_err(|e| anyhow::anyhow!("{}: cannot write: {}", path.display(), e.error()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(cells: &[&str]) -> Vec<Vec<String>> {
        cells.iter().map(|s| vec![s.to_string()]).collect()
    }

    #[test]
    fn column_types_follow_the_cells() {
        assert_eq!(kind(&col(&["1", "", "-20"]), 0), Kind::Int64);
        assert_eq!(kind(&col(&["1", "2.5", "1e-3"]), 0), Kind::Double);
        assert_eq!(kind(&col(&["true", "false", ""]), 0), Kind::Boolean);
        assert_eq!(kind(&col(&["", ""]), 0), Kind::Text);
        assert_eq!(kind(&col(&["1", "NaN"]), 0), Kind::Text);
        assert_eq!(kind(&col(&["1", "inf"]), 0), Kind::Text);
        assert_eq!(kind(&col(&["0042"]), 0), Kind::Text);
        assert_eq!(kind(&col(&["+33"]), 0), Kind::Text);
        assert_eq!(kind(&col(&["0.5", "0"]), 0), Kind::Double);
        assert_eq!(kind(&col(&["1", "true"]), 0), Kind::Text);
    }

    #[test]
    fn large_tables_go_out_in_bounded_row_groups_with_nulls() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use parquet::record::{Field, RowAccessor};
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.parquet");
        let n = 2 * ROW_GROUP + 1;
        let rows: Vec<Vec<String>> =
            (0..n).map(|k| vec![k.to_string(), if k % 3 == 0 { String::new() } else { format!("{}.5", k) }, format!("a{k}")]).collect();
        write(&path, &["k", "x", "id"], &rows).expect("write");
        let reader = SerializedFileReader::new(std::fs::File::open(&path).expect("open")).expect("parquet");
        let groups: Vec<i64> = reader.metadata().row_groups().iter().map(|g| g.num_rows()).collect();
        assert_eq!(groups, [ROW_GROUP as i64, ROW_GROUP as i64, 1]);
        let back: Vec<_> = reader.get_row_iter(None).expect("rows").map(|r| r.expect("row")).collect();
        assert_eq!(back.len(), n);
        let last = &back[n - 1];
        assert_eq!((last.get_long(0).expect("k"), last.get_string(2).expect("id").clone()), ((n - 1) as i64, format!("a{}", n - 1)));
        assert_eq!(back[3].get_column_iter().nth(1).map(|(_, f)| f.clone()), Some(Field::Null));
        assert_eq!(back[4].get_double(1).expect("x"), 4.5);
    }
}
