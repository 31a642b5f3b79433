//! The tariff as the shell uses it: the loaded bundle plus a search index per edition. This is
//! the one place that reads a bundle's files from disk; the tariff crate itself reads none.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tamga_tariff::{BundleSource, EmbeddedSource, TariffSnapshot};

/// The built-in bundle: the project's `data/` directory compiled into the binary.
pub fn builtin_source() -> EmbeddedSource {
    EmbeddedSource {
        name: "built-in bundle",
        files: tamga_data::FILES,
    }
}

/// A bundle in a directory on disk (`--tariff DIR`, `TAMGA_TARIFF`, `tamga tariff check DIR`).
pub struct DirectorySource {
    root: PathBuf,
}

impl DirectorySource {
    /// The bundle at `dir`, which must be a directory.
    pub fn open(dir: &Path) -> anyhow::Result<DirectorySource> {
        anyhow::ensure!(
            dir.is_dir(),
            "the tariff bundle {} is not a directory",
            dir.display()
        );
        Ok(DirectorySource {
            root: dir.to_path_buf(),
        })
    }
}

impl BundleSource for DirectorySource {
    fn read(&self, path: &str) -> Result<Option<Cow<'static, [u8]>>, std::io::Error> {
        match std::fs::read(self.root.join(path)) {
            Ok(bytes) => Ok(Some(Cow::Owned(bytes))),
            // A file the bundle does not have is the loader's to judge (optional or required).
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

/// Loads the bundle at `dir`, or the built-in one.
pub fn load_snapshot(dir: Option<&Path>) -> anyhow::Result<TariffSnapshot> {
    let source: Box<dyn BundleSource> = match dir {
        Some(dir) => Box::new(DirectorySource::open(dir)?),
        None => Box::new(builtin_source()),
    };
    let snapshot = tamga_tariff::load(source.as_ref())
        .with_context(|| format!("cannot load the tariff bundle {}", source.describe()))?;
    Ok(snapshot)
}

pub use tamga_app::catalogue::{full_text_ru, search_documents, search_index};

/// Loads a bundle and indexes every edition for search, one thread per edition.
pub fn load_and_index(
    dir: Option<&Path>,
) -> anyhow::Result<(TariffSnapshot, Vec<tamga_search::SearchIndex>)> {
    let snapshot = load_snapshot(dir)?;
    let indexes = tamga_app::catalogue::index_editions(&snapshot);
    Ok((snapshot, indexes))
}
