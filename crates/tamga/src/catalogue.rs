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

/// A line's Russian description: its ancestors' texts and its own, joined by " / ".
pub fn full_text_ru(edition: &tamga_tariff::snapshot::Edition, index: u32) -> String {
    edition
        .ancestry(index)
        .iter()
        .map(|l| l.text_ru.as_str())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The search documents of an edition: every coded line, with its full Russian path and the
/// English text of its HS heading or subheading.
pub fn search_documents(
    snapshot: &TariffSnapshot,
    edition: &tamga_tariff::snapshot::Edition,
) -> Vec<tamga_search::SearchDoc> {
    use tamga_search::{DocKind, SearchDoc};
    use tamga_tariff::snapshot::LineKind;
    let mut docs = Vec::with_capacity(edition.lines.len());
    // The path text of each line, built once from its parent's: the table is in tree order.
    let mut path_texts: Vec<String> = Vec::with_capacity(edition.lines.len());
    for line in &edition.lines {
        let text = match line.parent.and_then(|p| path_texts.get(p as usize)) {
            Some(parent) => format!("{parent} / {}", line.text_ru),
            None => line.text_ru.clone(),
        };
        if let Some(code) = line.code
            && line.kind != LineKind::Excluded
        {
            let level_kind = match line.kind {
                LineKind::Heading => DocKind::Heading,
                LineKind::Code10 => DocKind::Code,
                _ => DocKind::Subheading,
            };
            let hs = if code.len() == 4 {
                code.truncate(4)
            } else {
                code.truncate(6)
            };
            docs.push(SearchDoc {
                code: code.to_string(),
                level_kind,
                text_ru: text.clone(),
                text_en: hs
                    .and_then(|hs| snapshot.english(hs.as_str()))
                    .map(str::to_owned),
            });
        }
        path_texts.push(text);
    }
    docs
}

/// The search index of an edition.
pub fn search_index(
    snapshot: &TariffSnapshot,
    edition: &tamga_tariff::snapshot::Edition,
) -> tamga_search::SearchIndex {
    tamga_search::SearchIndex::build(search_documents(snapshot, edition))
}

/// Loads a bundle and indexes every edition for search, one thread per edition.
pub fn load_and_index(
    dir: Option<&Path>,
) -> anyhow::Result<(TariffSnapshot, Vec<tamga_search::SearchIndex>)> {
    let snapshot = load_snapshot(dir)?;
    let indexes = std::thread::scope(|scope| {
        let handles: Vec<_> = snapshot
            .editions
            .iter()
            .map(|edition| scope.spawn(|| search_index(&snapshot, edition)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("indexing an edition failed"))
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    Ok((snapshot, indexes))
}
