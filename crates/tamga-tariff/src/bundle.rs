//! Where a bundle's files come from, and the problems found in them.

use std::borrow::Cow;
use std::fmt;

/// A source of bundle files, addressed by their path relative to the bundle root (`editions.csv`).
///
/// The crate reads no files itself: it has the bundle compiled into the binary
/// ([`EmbeddedSource`]), and the shell implements this trait for a directory on disk.
pub trait BundleSource: Sync {
    /// The file's bytes, `Ok(None)` if the bundle has no such file.
    fn read(&self, path: &str) -> Result<Option<Cow<'static, [u8]>>, std::io::Error>;
    /// How to name the bundle in messages: a directory or "built-in bundle".
    fn describe(&self) -> String;
    /// How to name one of its files in messages (`data/editions.csv`).
    fn file_name(&self, path: &str) -> String;
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
