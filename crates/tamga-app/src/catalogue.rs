//! The tariff as the service uses it: a search index per edition.

use tamga_tariff::TariffSnapshot;

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
    let mut docs: Vec<SearchDoc> = Vec::with_capacity(edition.lines.len());
    // The path text of each line, built once from its parent's (the table is in tree order):
    // a coded line's is kept in its document, an uncoded line's here, so none is copied twice.
    enum PathText {
        Doc(usize),
        Own(String),
    }
    let mut paths: Vec<PathText> = Vec::with_capacity(edition.lines.len());
    for line in &edition.lines {
        let parent = line
            .parent
            .and_then(|p| paths.get(p as usize))
            .map(|p| match p {
                PathText::Doc(i) => docs[*i].text_ru.as_str(),
                PathText::Own(text) => text.as_str(),
            });
        let text = match parent {
            Some(parent) => {
                let mut text = String::with_capacity(parent.len() + 3 + line.text_ru.len());
                text.push_str(parent);
                text.push_str(" / ");
                text.push_str(&line.text_ru);
                text
            }
            None => line.text_ru.clone(),
        };
        let Some(code) = line.code.filter(|_| line.kind != LineKind::Excluded) else {
            paths.push(PathText::Own(text));
            continue;
        };
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
        paths.push(PathText::Doc(docs.len()));
        docs.push(SearchDoc {
            code: code.to_string(),
            level_kind,
            text_ru: text,
            text_en: hs
                .and_then(|hs| snapshot.english(hs.as_str()))
                .map(str::to_owned),
        });
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

/// Indexes every edition for search, one thread per edition.
pub fn index_editions(snapshot: &TariffSnapshot) -> Vec<tamga_search::SearchIndex> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = snapshot
            .editions
            .iter()
            .map(|edition| scope.spawn(|| search_index(snapshot, edition)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}
