//! The tariff as the shell uses it: the loaded bundle plus a search index per edition.

use std::path::Path;

use anyhow::Context;
use tamga_tariff::{BundleSource, DirectorySource, EmbeddedSource, TariffSnapshot};

/// The built-in bundle: the project's `data/` directory compiled into the binary.
pub fn builtin_source() -> EmbeddedSource {
    EmbeddedSource {
        name: "built-in bundle",
        files: tamga_data::FILES,
    }
}

/// Loads the bundle at `dir`, or the built-in one.
pub fn load_snapshot(dir: Option<&Path>) -> anyhow::Result<TariffSnapshot> {
    let source: Box<dyn BundleSource> = match dir {
        Some(dir) => {
            anyhow::ensure!(
                dir.is_dir(),
                "the tariff bundle {} is not a directory",
                dir.display()
            );
            Box::new(DirectorySource {
                root: dir.to_path_buf(),
            })
        }
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
