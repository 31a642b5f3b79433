//! A CSV table of the bundle read with the place of every cell, and the issues found in it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::bundle::{BundleIssue, BundleSource};

/// Collects issues while loading, so that every problem is reported, not just the first.
#[derive(Default)]
pub(super) struct Issues {
    pub(super) list: Vec<BundleIssue>,
}

impl Issues {
    pub(super) fn push(&mut self, issue: BundleIssue) {
        // A bundle with thousands of broken rows says enough after the first few thousand.
        if self.list.len() < 10_000 {
            self.list.push(issue);
        }
    }

    pub(super) fn file(&mut self, file: &str, message: impl Into<String>) {
        self.push(BundleIssue {
            file: file.to_owned(),
            line: 1,
            column: 1,
            field: String::new(),
            message: message.into(),
        });
    }
}

/// A CSV table of the bundle: its header and records, each with its line number.
///
/// The cells of all records are kept in one buffer, as bytes: the whole file is checked to be
/// UTF-8 once, so a cell is text when it is read, and the columns a loader never reads (the 2017
/// rates file's descriptions are most of its 8 MB) are never decoded. One buffer instead of a
/// record each saves two allocations and a copy per row.
pub(super) struct Table {
    pub(super) file: Arc<str>,
    columns: HashMap<String, usize>,
    /// Every cell's bytes, record after record.
    text: Vec<u8>,
    /// Where each cell ends in `text` (the next one starts there).
    ends: Vec<usize>,
    /// Each record's line and its first cell in `ends`; every record has `width` cells.
    records: Vec<(u64, usize)>,
    width: usize,
}

/// A column of a table, resolved once from the header.
#[derive(Clone, Copy)]
pub(super) struct Col {
    index: Option<usize>,
    name: &'static str,
}

impl Col {
    /// Whether the table has this column.
    pub(super) fn present(&self) -> bool {
        self.index.is_some()
    }
}

impl Table {
    /// Reads `path` from the source. A missing required file, unreadable bytes or malformed
    /// CSV become issues; `None` means there is nothing to read.
    pub(super) fn read(
        source: &dyn BundleSource,
        path: &str,
        required: bool,
        issues: &mut Issues,
    ) -> Option<Table> {
        let file = source.file_name(path);
        let bytes = match source.read(path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                if required {
                    issues.file(
                        &file,
                        "the bundle has no such file; expected a CSV table here",
                    );
                }
                return None;
            }
            Err(err) => {
                issues.file(&file, format!("cannot read the file: {err}"));
                return None;
            }
        };
        Self::parse(file, &bytes, issues)
    }

    pub(super) fn parse(file: String, bytes: &[u8], issues: &mut Issues) -> Option<Table> {
        let file: Arc<str> = Arc::from(file);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if let Err(err) = std::str::from_utf8(bytes) {
            issues.push(utf8_issue(&file, bytes, err));
            return None;
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(bytes);
        let header = match reader.headers() {
            Ok(header) => header.clone(),
            Err(err) => {
                issues.push(csv_issue(&file, &err));
                return None;
            }
        };
        let columns = header
            .iter()
            .enumerate()
            .map(|(i, name)| (name.trim().to_owned(), i))
            .collect();
        let width = header.len();
        let mut text = Vec::with_capacity(bytes.len());
        let mut ends = Vec::new();
        let mut records = Vec::new();
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    records.push((line, ends.len()));
                    for cell in record.iter() {
                        text.extend_from_slice(cell);
                        ends.push(text.len());
                    }
                }
                Ok(false) => break,
                Err(err) => {
                    issues.push(csv_issue(&file, &err));
                    // A CSV syntax error leaves the rest of the file unreliable.
                    if !matches!(err.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                        break;
                    }
                }
            }
        }
        Some(Table {
            file,
            columns,
            text,
            ends,
            records,
            width,
        })
    }

    /// The number of records.
    pub(super) fn len(&self) -> usize {
        self.records.len()
    }

    /// Resolves a column by name; a missing required column is an issue on line 1.
    pub(super) fn col(&self, name: &'static str, required: bool, issues: &mut Issues) -> Col {
        let index = self.columns.get(name).copied();
        if index.is_none() && required {
            issues.push(BundleIssue {
                file: self.file.to_string(),
                line: 1,
                column: self.columns.len() as u64 + 1,
                field: name.to_owned(),
                message: format!("the header has no column {name:?}"),
            });
        }
        Col { index, name }
    }

    pub(super) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(move |&(line, first)| Row {
            table: self,
            line,
            first,
        })
    }
}

/// Where a file stops being UTF-8: the line and column (in bytes) of the first bad byte.
fn utf8_issue(file: &str, bytes: &[u8], err: std::str::Utf8Error) -> BundleIssue {
    let before = &bytes[..err.valid_up_to()];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    BundleIssue {
        file: file.to_owned(),
        line,
        column: (before.len() - line_start) as u64 + 1,
        field: String::new(),
        message: format!("expected UTF-8 text: {err}"),
    }
}

fn csv_issue(file: &str, err: &csv::Error) -> BundleIssue {
    let (line, message) = match err.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => (
            pos.as_ref().map_or(0, |p| p.line()),
            format!("expected {expected_len} fields like the header, found {len}"),
        ),
        csv::ErrorKind::Utf8 { pos, err } => (
            pos.as_ref().map_or(0, |p| p.line()),
            format!("expected UTF-8 text: {err}"),
        ),
        _ => (
            err.position().map_or(0, |p| p.line()),
            format!("malformed CSV: {err}"),
        ),
    };
    BundleIssue {
        file: file.to_owned(),
        line,
        column: 1,
        field: String::new(),
        message,
    }
}

/// One record of a table.
#[derive(Clone, Copy)]
pub(super) struct Row<'t> {
    table: &'t Table,
    pub(super) line: u64,
    /// Its first cell in the table's `ends`.
    first: usize,
}

impl<'t> Row<'t> {
    /// The trimmed cell, empty when the column is absent.
    pub(super) fn get(&self, col: Col) -> &'t str {
        let Some(i) = col.index.filter(|&i| i < self.table.width) else {
            return "";
        };
        let k = self.first + i;
        let start = if k == 0 { 0 } else { self.table.ends[k - 1] };
        let cell = &self.table.text[start..self.table.ends[k]];
        // The file was checked to be UTF-8 and CSV splits only at ASCII bytes, so every cell
        // is UTF-8 and the fallback is never taken.
        std::str::from_utf8(cell).map_or("", str::trim)
    }

    /// Where a cell is, cheaply kept for messages that may come later.
    pub(super) fn place(&self, col: Col) -> Place {
        Place {
            file: self.table.file.clone(),
            line: self.line,
            column: col.index.map_or(0, |i| i as u64 + 1),
            field: col.name,
        }
    }

    pub(super) fn issue(&self, col: Col, message: impl Into<String>) -> BundleIssue {
        BundleIssue {
            file: self.table.file.to_string(),
            line: self.line,
            column: col.index.map_or(0, |i| i as u64 + 1),
            field: col.name.to_owned(),
            message: message.into(),
        }
    }

    /// A required cell: empty is an issue.
    pub(super) fn required(&self, col: Col, what: &str, issues: &mut Issues) -> Option<&'t str> {
        let value = self.get(col);
        if value.is_empty() {
            issues.push(self.issue(col, format!("expected {what}, the cell is empty")));
            None
        } else {
            Some(value)
        }
    }

    /// Parses a required cell; a failure is an issue naming what was expected.
    pub(super) fn parse<T, E: fmt::Display>(
        &self,
        col: Col,
        what: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
        issues: &mut Issues,
    ) -> Option<T> {
        let value = self.required(col, what, issues)?;
        match parse(value) {
            Ok(v) => Some(v),
            Err(err) => {
                issues.push(self.issue(col, format!("expected {what}: {err}")));
                None
            }
        }
    }

    /// Parses an optional cell: empty is `Some(None)`, a bad value is an issue and `None`.
    pub(super) fn parse_optional<T, E: fmt::Display>(
        &self,
        col: Col,
        what: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
        issues: &mut Issues,
    ) -> Option<Option<T>> {
        let value = self.get(col);
        if value.is_empty() {
            return Some(None);
        }
        match parse(value) {
            Ok(v) => Some(Some(v)),
            Err(err) => {
                issues.push(self.issue(col, format!("expected {what}: {err}")));
                None
            }
        }
    }
}

/// The place of a cell: `file:line:column` and the column's name.
#[derive(Clone, Debug)]
pub(super) struct Place {
    file: Arc<str>,
    pub(super) line: u64,
    column: u64,
    field: &'static str,
}

impl Place {
    pub(super) fn issue(&self, message: impl Into<String>) -> BundleIssue {
        BundleIssue {
            file: self.file.to_string(),
            line: self.line,
            column: self.column,
            field: self.field.to_owned(),
            message: message.into(),
        }
    }
}
