//! Where a bundle's files come from, and how its CSV tables are read with exact error places.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// A source of bundle files, addressed by their path relative to the bundle root (`editions.csv`).
pub trait BundleSource: Sync {
    /// The file's bytes, `Ok(None)` if the bundle has no such file.
    fn read(&self, path: &str) -> Result<Option<Cow<'static, [u8]>>, std::io::Error>;
    /// How to name the bundle in messages: a directory or "built-in".
    fn describe(&self) -> String;
    /// How to name one of its files in messages (`data/editions.csv`).
    fn file_name(&self, path: &str) -> String;
}

/// A bundle in a directory on disk.
pub struct DirectorySource {
    pub root: PathBuf,
}

impl BundleSource for DirectorySource {
    fn read(&self, path: &str) -> Result<Option<Cow<'static, [u8]>>, std::io::Error> {
        match std::fs::read(self.root.join(path)) {
            Ok(bytes) => Ok(Some(Cow::Owned(bytes))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn file_name(&self, path: &str) -> String {
        self.root.join(path).display().to_string()
    }
}

/// A bundle compiled into the binary: file paths and their bytes.
pub struct EmbeddedSource {
    pub name: &'static str,
    pub files: &'static [(&'static str, &'static [u8])],
}

impl BundleSource for EmbeddedSource {
    fn read(&self, path: &str) -> Result<Option<Cow<'static, [u8]>>, std::io::Error> {
        Ok(self
            .files
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, bytes)| Cow::Borrowed(*bytes)))
    }

    fn describe(&self) -> String {
        self.name.to_owned()
    }

    fn file_name(&self, path: &str) -> String {
        format!("{}:{path}", self.name)
    }
}

/// One problem found in a bundle, at `file:line:column`.
///
/// `line` is the 1-based line of the CSV record (a quoted field may span lines; the record's
/// first line is given). `column` is the 1-based field number; `field` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleIssue {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for BundleIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        } else {
            write!(
                f,
                "{}:{}:{}: {}: {}",
                self.file, self.line, self.column, self.field, self.message
            )
        }
    }
}

/// Every problem of a bundle that failed to load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct BundleErrors {
    pub bundle: String,
    pub issues: Vec<BundleIssue>,
}

impl fmt::Display for BundleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the tariff bundle {} has {} problem(s):",
            self.bundle,
            self.issues.len()
        )?;
        for issue in &self.issues {
            writeln!(f, "  {issue}")?;
        }
        Ok(())
    }
}

/// Collects issues while loading, so that every problem is reported, not just the first.
#[derive(Default)]
pub(crate) struct Issues {
    pub(crate) list: Vec<BundleIssue>,
}

impl Issues {
    pub(crate) fn push(&mut self, issue: BundleIssue) {
        // A bundle with thousands of broken rows says enough after the first few thousand.
        if self.list.len() < 10_000 {
            self.list.push(issue);
        }
    }

    pub(crate) fn file(&mut self, file: &str, message: impl Into<String>) {
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
pub(crate) struct Table {
    pub(crate) file: Arc<str>,
    columns: HashMap<String, usize>,
    pub(crate) records: Vec<(u64, csv::StringRecord)>,
}

/// A column of a table, resolved once from the header.
#[derive(Clone, Copy)]
pub(crate) struct Col {
    index: Option<usize>,
    name: &'static str,
}

impl Table {
    /// Reads `path` from the source. A missing required file, unreadable bytes or malformed
    /// CSV become issues; `None` means there is nothing to read.
    pub(crate) fn read(
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

    pub(crate) fn parse(file: String, bytes: &[u8], issues: &mut Issues) -> Option<Table> {
        let file: Arc<str> = Arc::from(file);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
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
        let mut records = Vec::new();
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    // A clone is allocated at its exact size; reusing `record` keeps its buffers warm.
                    records.push((line, record.clone()));
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
            records,
        })
    }

    /// Resolves a column by name; a missing required column is an issue on line 1.
    pub(crate) fn col(&self, name: &'static str, required: bool, issues: &mut Issues) -> Col {
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

    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(move |(line, record)| Row {
            file: &self.file,
            line: *line,
            record,
        })
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
pub(crate) struct Row<'t> {
    file: &'t Arc<str>,
    pub(crate) line: u64,
    record: &'t csv::StringRecord,
}

impl<'t> Row<'t> {
    /// The trimmed cell, empty when the column is absent.
    pub(crate) fn get(&self, col: Col) -> &'t str {
        col.index
            .and_then(|i| self.record.get(i))
            .map_or("", str::trim)
    }

    /// Where a cell is, cheaply kept for messages that may come later.
    pub(crate) fn place(&self, col: Col) -> Place {
        Place {
            file: self.file.clone(),
            line: self.line,
            column: col.index.map_or(0, |i| i as u64 + 1),
            field: col.name,
        }
    }

    pub(crate) fn issue(&self, col: Col, message: impl Into<String>) -> BundleIssue {
        BundleIssue {
            file: self.file.to_string(),
            line: self.line,
            column: col.index.map_or(0, |i| i as u64 + 1),
            field: col.name.to_owned(),
            message: message.into(),
        }
    }

    /// A required cell: empty is an issue.
    pub(crate) fn required(&self, col: Col, what: &str, issues: &mut Issues) -> Option<&'t str> {
        let value = self.get(col);
        if value.is_empty() {
            issues.push(self.issue(col, format!("expected {what}, the cell is empty")));
            None
        } else {
            Some(value)
        }
    }

    /// Parses a required cell; a failure is an issue naming what was expected.
    pub(crate) fn parse<T, E: fmt::Display>(
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
    pub(crate) fn parse_optional<T, E: fmt::Display>(
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
pub(crate) struct Place {
    file: Arc<str>,
    pub(crate) line: u64,
    column: u64,
    field: &'static str,
}

impl Place {
    pub(crate) fn issue(&self, message: impl Into<String>) -> BundleIssue {
        BundleIssue {
            file: self.file.to_string(),
            line: self.line,
            column: self.column,
            field: self.field.to_owned(),
            message: message.into(),
        }
    }
}
