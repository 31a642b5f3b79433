//! Building the index: analysing every distinct text segment once, then laying out postings.

use crate::analyze::{self, Analyzer, Negation};
use crate::fx::FastMap;
use crate::{DocKind, Field, Posting, SearchDoc, SearchIndex, synonyms};

/// BM25 term-frequency saturation.
const K1: f32 = 0.9;
/// BM25 length normalisation, applied per segment (see `FieldBuilder::add`). Milder than the
/// usual 0.75: segments are short, and Latin names or units (`лимоны (Citrus limon, Citrus
/// limonum)`) lengthen a line without making it less about its word.
const B: f32 = 0.5;
/// An occurrence in the head of the heading text counts as this many extra occurrences. The
/// head is the name of the goods: the text up to the first semicolon, bracket or colon, less
/// what follows a preposition in each comma-separated part (`Автомобили легковые и прочие
/// моторные транспортные средства, предназначенные главным образом для …`; `Изделия из
/// цемента` is about `изделия`). The same word elsewhere is usually a qualifier (`шины … для
/// легковых автомобилей`). Likewise for the English text.
const HEAD_EXTRA_TF: f32 = 2.0;
/// At most this many terms of a segment's head count as head.
const MAX_HEAD_TERMS: usize = 6;
/// A word both in the heading's text and again lower in a line's Russian path adds this share
/// of the weaker occurrence to the stronger (see `path_tf_part`). Not in the English field:
/// there the line's text is the HS subheading's, which restates the heading's as a matter of
/// style (`Tomatoes; prepared or preserved …, whole or in pieces` under `Tomatoes prepared or
/// preserved …`), so a repeat says nothing.
const PATH_REPEAT_SHARE: f32 = 0.3;
/// Relevance bonus for general lines: a heading gets `1 + GENERALITY_BONUS`, a 10-digit
/// code none, lines in between in proportion. Small, so it mostly breaks near-ties.
const GENERALITY_BONUS: f32 = 0.03;

impl SearchIndex {
    /// Indexes `docs`. Hits refer to documents by their position in `docs`.
    pub fn build(mut docs: Vec<SearchDoc>) -> SearchIndex {
        let analyzer = Analyzer::new();
        // Ids are u32; four billion lines do not fit in memory anyway.
        docs.truncate(u32::MAX as usize);
        let texts = TextIndex::build(&docs, &analyzer);
        let boosts = docs
            .iter()
            .map(|doc| generality_boost(doc.level_kind, doc.code.len()))
            .collect();
        let codes: Vec<Box<str>> = docs
            .into_iter()
            .map(|doc| doc.code.into_boxed_str())
            .collect();
        let mut by_code: Vec<u32> = (0..codes.len() as u32).collect();
        by_code.sort_by(|&a, &b| codes[a as usize].cmp(&codes[b as usize]));
        let synonyms = synonyms::load(&analyzer);
        SearchIndex {
            codes,
            boosts,
            by_code,
            terms: texts.terms,
            idf: texts.idf,
            fields: texts.fields,
            synonyms,
            analyzer,
        }
    }
}

/// The index of the documents' texts: the terms, sorted so that prefix expansion is a range
/// scan, their inverse document frequencies, and the postings of both fields.
struct TextIndex {
    terms: Vec<Box<str>>,
    idf: Vec<f32>,
    fields: [Field; 2],
}

impl TextIndex {
    fn build(docs: &[SearchDoc], analyzer: &Analyzer) -> TextIndex {
        let mut analysed = Analysed::of(docs, analyzer);
        let fields = analysed.postings();
        let dictionary = &mut analysed.dictionary;
        let n_terms = dictionary.stems.len();
        let mut order: Vec<u32> = (0..n_terms as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            dictionary.stems[a as usize].cmp(&dictionary.stems[b as usize])
        });
        let terms = order
            .iter()
            .map(|&id| std::mem::take(&mut dictionary.stems[id as usize]).into_boxed_str())
            .collect();
        let n_segments = dictionary.segment_info.len() as f32;
        let idf = order
            .iter()
            .map(|&id| {
                let df = dictionary.segment_df[id as usize] as f32;
                (1.0 + (n_segments - df + 0.5) / (df + 0.5)).ln()
            })
            .collect();
        let [ru, en] = fields;
        TextIndex {
            terms,
            idf,
            fields: [ru.finish(&order, PATH_REPEAT_SHARE), en.finish(&order, 0.0)],
        }
    }
}

/// Pass 1 of the build: every distinct segment analysed once and measured for BM25, and each
/// document's segments noted.
struct Analysed<'a> {
    dictionary: Dictionary<'a>,
    segment_lens: [SegmentLens; 2],
    doc_segments: Vec<u32>,
    /// Per document: where its Russian and English segments start in `doc_segments`.
    doc_bounds: Vec<(usize, usize)>,
}

impl<'a> Analysed<'a> {
    fn of(docs: &'a [SearchDoc], analyzer: &Analyzer) -> Analysed<'a> {
        // The English texts of the headings, to put in front of each line's own.
        let heading_en: FastMap<&str, &str> = docs
            .iter()
            .filter(|doc| doc.level_kind == DocKind::Heading)
            .filter_map(|doc| Some((doc.code.as_str(), doc.text_en.as_deref()?)))
            .collect();
        let mut dictionary = Dictionary::default();
        // About two distinct segments per document (its own line, its English text): sized
        // once, the map is not rehashed as it grows.
        dictionary.segments.reserve(docs.len() * 2);
        dictionary.segment_info.reserve(docs.len() * 2);
        let mut segment_lens = [SegmentLens::default(), SegmentLens::default()];
        let mut doc_segments: Vec<u32> = Vec::with_capacity(docs.len() * 8);
        let mut doc_bounds: Vec<(usize, usize)> = Vec::with_capacity(docs.len());
        let mut paths = PathSplitter::default();
        for doc in docs {
            let ru_start = doc_segments.len();
            let segments = paths.split(&doc.text_ru, |segment| {
                dictionary.segment(segment, analyzer, &mut segment_lens[0])
            });
            for &id in segments {
                segment_lens[0].referenced += dictionary.n_terms(id);
                doc_segments.push(id);
            }
            let en_start = doc_segments.len();
            for segment in en_segments(doc, &heading_en) {
                let id = dictionary.segment(segment, analyzer, &mut segment_lens[1]);
                segment_lens[1].referenced += dictionary.n_terms(id);
                doc_segments.push(id);
            }
            doc_bounds.push((ru_start, en_start));
        }
        Analysed {
            dictionary,
            segment_lens,
            doc_segments,
            doc_bounds,
        }
    }

    /// Pass 2: the postings of both fields, now that the mean segment lengths are known.
    fn postings(&mut self) -> [FieldBuilder; 2] {
        let n_terms = self.dictionary.stems.len();
        let lens = std::mem::take(&mut self.segment_lens);
        let mut fields = lens.map(|lens| FieldBuilder::new(lens, n_terms, &self.dictionary));
        for (doc_idx, &(ru_start, en_start)) in self.doc_bounds.iter().enumerate() {
            let doc_id = doc_idx as u32;
            let en_end = self
                .doc_bounds
                .get(doc_idx + 1)
                .map_or(self.doc_segments.len(), |next| next.0);
            let ru = &self.doc_segments[ru_start..en_start];
            fields[0].add(doc_id, ru, &self.dictionary);
            let en = &self.doc_segments[en_start..en_end];
            fields[1].add(doc_id, en, &self.dictionary);
        }
        fields
    }
}

/// Splits description paths into segment ids, reusing the previous path's segments for the
/// part a path shares with it: in tariff order a line shares most of its path with the line
/// before, and comparing the common prefix once is cheaper than splitting and hashing it.
#[derive(Default)]
struct PathSplitter<'a> {
    previous_text: &'a str,
    /// The previous path's segments: end offset in `previous_text`, id.
    previous: Vec<(usize, u32)>,
    ids: Vec<u32>,
}

impl<'a> PathSplitter<'a> {
    /// The segment ids of `text`, split as by `text.split(" / ")`. `segment_id` gives the id
    /// of each segment not shared with the previous path.
    fn split(&mut self, text: &'a str, mut segment_id: impl FnMut(&'a str) -> u32) -> &[u32] {
        let common = common_prefix_len(text.as_bytes(), self.previous_text.as_bytes());
        let shared = self
            .previous
            .iter()
            .take_while(|&&(end, _)| {
                end <= common && (text.len() == end || text.as_bytes()[end..].starts_with(b" / "))
            })
            .count();
        self.previous.truncate(shared);
        let rest = match self.previous.last() {
            None => Some(text),
            Some(&(end, _)) if end == text.len() => None,
            Some(&(end, _)) => text.get(end + " / ".len()..),
        };
        for segment in rest.into_iter().flat_map(PathSegments::new) {
            // The segment is a subslice of `text`: its end offset in it.
            let end = segment.as_ptr() as usize - text.as_ptr() as usize + segment.len();
            self.previous.push((end, segment_id(segment)));
        }
        self.previous_text = text;
        self.ids.clear();
        self.ids.extend(self.previous.iter().map(|&(_, id)| id));
        &self.ids
    }
}

/// The length of the longest common prefix of `a` and `b`.
fn common_prefix_len(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut len = 0;
    // Eight bytes at a time while they agree.
    while let (Some(a8), Some(b8)) = (a.get(len..len + 8), b.get(len..len + 8)) {
        if a8 != b8 {
            break;
        }
        len += 8;
    }
    while len < n && a[len] == b[len] {
        len += 1;
    }
    len
}

/// Splits a description path on `" / "`, like `str::split(" / ")` but faster: it looks for
/// the `/` byte and then checks the spaces.
struct PathSegments<'a> {
    rest: Option<&'a str>,
}

impl<'a> PathSegments<'a> {
    fn new(text: &'a str) -> PathSegments<'a> {
        PathSegments { rest: Some(text) }
    }
}

impl<'a> Iterator for PathSegments<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let bytes = rest.as_bytes();
        let mut from = 0;
        while let Some(offset) = rest[from..].find('/') {
            let slash = from + offset;
            if slash > 0 && bytes[slash - 1] == b' ' && bytes.get(slash + 1) == Some(&b' ') {
                self.rest = Some(&rest[slash + 2..]);
                return Some(&rest[..slash - 1]);
            }
            from = slash + 1;
        }
        self.rest = None;
        Some(rest)
    }
}

/// The English field's segments: the heading's English text, then the line's own.
///
/// The HS text of a subheading often leads with its own category ("Motorcycles (including
/// mopeds); parts and accessories" is under "Parts and accessories of vehicles"). Putting the
/// heading's text first makes the English field a path like the Russian one, so the heading's
/// name is what counts as the head.
fn en_segments<'a>(
    doc: &'a SearchDoc,
    heading_en: &FastMap<&str, &'a str>,
) -> impl Iterator<Item = &'a str> {
    let heading = match doc.level_kind {
        DocKind::Heading => None,
        DocKind::Subheading | DocKind::Code => doc.code.get(..4),
    };
    let heading_text = heading.and_then(|heading| heading_en.get(heading).copied());
    heading_text.into_iter().chain(doc.text_en.as_deref())
}

/// A document's BM25 term-frequency part for a term, from that in its first segment (the
/// heading's text) and the best in a later one (a dash line or the line's own text): the
/// better of the two, plus `repeat_share` of the other.
///
/// Every line of a heading inherits the heading's words, so on those alone they all tie and
/// the shortest codes win (`телефон` would give `8517 69 … прочие` before the smartphones).
/// A word the path repeats below the heading (`Аппараты телефонные … / телефонные аппараты …
/// / смартфоны`) tells which of the heading's lines are about it.
fn path_tf_part([first, later]: [f32; 2], repeat_share: f32) -> f32 {
    first.max(later) + repeat_share * first.min(later)
}

fn generality_boost(kind: DocKind, code_len: usize) -> f32 {
    let generality = match kind {
        DocKind::Heading => 1.0,
        DocKind::Subheading | DocKind::Code => (10usize.saturating_sub(code_len)) as f32 / 6.0,
    };
    1.0 + GENERALITY_BONUS * generality.clamp(0.0, 1.0)
}

/// The term dictionary while building, with two caches that make building fast: normalised
/// token → term, and text segment → terms. Segments are the `" / "`-separated parts of a
/// description path; a heading's text recurs in every line under it, so most segments are
/// analysed once.
///
/// Document frequency is counted over distinct segments, not documents. A heading's words
/// are in the path of every line under it, so counting documents would make the words of big
/// headings look common (`автомобили` is in 150 paths, all of heading 8703) and sink exactly
/// the headings a broker looks for. Distinct segments count each tariff line's wording once.
#[derive(Default)]
struct Dictionary<'a> {
    stems: Vec<String>,
    by_stem: FastMap<String, u32>,
    /// Normalised token → its term (none for a stop word) and role.
    by_token: FastMap<String, (Option<u32>, analyze::Role)>,
    /// Positive term id → negated term id.
    negated_ids: FastMap<u32, u32>,
    /// Segment text → segment id, an index into `segment_info`.
    segments: FastMap<&'a str, u32>,
    segment_info: Vec<SegmentInfo>,
    /// The distinct terms of each analysed segment, sorted by term, back to back.
    arena: Vec<SegmentTerm>,
    /// Per term, the number of distinct segments containing it.
    segment_df: Vec<u32>,
    /// Scratch: the term occurrences of the segment being analysed.
    occurrences: Vec<Occurrence>,
}

/// An analysed segment.
#[derive(Debug, Clone, Copy)]
struct SegmentInfo {
    /// Its distinct terms: `arena[start..end]`.
    start: u32,
    end: u32,
    /// Term occurrences, and those in the head.
    len: u32,
    head_len: u32,
}

/// One distinct term of an analysed segment.
#[derive(Debug, Clone, Copy)]
struct SegmentTerm {
    term: u32,
    count: u32,
    /// Whether an occurrence is in the head (see `Dictionary::segment`).
    in_head: bool,
}

impl<'a> Dictionary<'a> {
    /// The id of `segment`. A segment seen for the first time is analysed and counted in
    /// `lens`.
    fn segment(&mut self, segment: &'a str, analyzer: &Analyzer, lens: &mut SegmentLens) -> u32 {
        if let Some(&id) = self.segments.get(segment) {
            return id;
        }
        self.occurrences.clear();
        // The head: up to the first semicolon, bracket or colon; in each comma-separated
        // part, the words before any preposition (see `analyze::ends_head`).
        let head_end = segment.find([';', '(', ':']).unwrap_or(segment.len());
        let (head, tail) = segment.split_at(head_end);
        let mut n_head = 0;
        for part in head.split(',') {
            self.add_text(part, Some(&mut n_head), analyzer);
        }
        self.add_text(tail, None, analyzer);

        let len = self.occurrences.len() as u32;
        let head_len = self
            .occurrences
            .iter()
            .filter(|occurrence| occurrence.in_head)
            .count() as u32;
        self.occurrences
            .sort_unstable_by_key(|occurrence| occurrence.term);
        let start = self.arena.len() as u32;
        for run in self.occurrences.chunk_by(|a, b| a.term == b.term) {
            let term = run[0].term;
            let in_head = run.iter().any(|occurrence| occurrence.in_head);
            self.arena.push(SegmentTerm {
                term,
                count: run.len() as u32,
                in_head,
            });
            self.segment_df[term as usize] += 1;
        }
        let end = self.arena.len() as u32;
        let id = self.segment_info.len() as u32;
        self.segment_info.push(SegmentInfo {
            start,
            end,
            len,
            head_len,
        });
        self.segments.insert(segment, id);
        lens.total += u64::from(len);
        lens.count += 1;
        id
    }

    /// The number of distinct terms of segment `id`.
    fn n_terms(&self, id: u32) -> u64 {
        let info = self.segment_info[id as usize];
        u64::from(info.end - info.start)
    }

    /// The id of the negated form of term `positive`.
    fn negated(&mut self, positive: u32) -> u32 {
        if let Some(&id) = self.negated_ids.get(&positive) {
            return id;
        }
        let id = self.stems.len() as u32;
        let stem = format!("{}{}", analyze::NEGATED, self.stems[positive as usize]);
        self.stems.push(stem);
        self.segment_df.push(0);
        self.negated_ids.insert(positive, id);
        id
    }

    /// Analyses `text` into `self.arena`. With `n_head` (the head terms so far), the words
    /// before the first preposition count as head.
    fn add_text(&mut self, text: &str, mut n_head: Option<&mut usize>, analyzer: &Analyzer) {
        let mut negation = Negation::default();
        analyze::tokens(text, |token, after_break| {
            let (term, role) = match self.by_token.get(token) {
                Some(&known) => known,
                None => {
                    let term = analyzer
                        .term(token)
                        .map(|stem| match self.by_stem.get(&stem) {
                            Some(&id) => id,
                            None => {
                                let id = self.stems.len() as u32;
                                self.stems.push(stem.clone());
                                self.segment_df.push(0);
                                self.by_stem.insert(stem, id);
                                id
                            }
                        });
                    let role = analyze::role(token);
                    self.by_token.insert(token.to_owned(), (term, role));
                    (term, role)
                }
            };
            if role.ends_head {
                n_head = None;
            }
            let Some(negated) = negation.feed(role, after_break) else {
                return;
            };
            let term = match term {
                Some(term) if negated => Some(self.negated(term)),
                term => term,
            };
            if let Some(term) = term {
                let in_head = match n_head.as_deref_mut() {
                    Some(n_head) if *n_head < MAX_HEAD_TERMS => {
                        *n_head += 1;
                        true
                    }
                    _ => false,
                };
                self.occurrences.push(Occurrence { term, in_head });
            }
        });
    }
}

/// One term occurrence in an analysed segment.
#[derive(Debug, Clone, Copy)]
struct Occurrence {
    term: u32,
    /// In the segment's head, the name of the goods (see `Dictionary::segment`).
    in_head: bool,
}

/// The number and total length (in terms) of a field's distinct segments.
#[derive(Debug, Default, Clone, Copy)]
struct SegmentLens {
    total: u64,
    count: u64,
    /// Distinct terms of the segments of all documents, counting a segment once per
    /// document that has it: an upper bound on the field's postings.
    referenced: u64,
}

impl SegmentLens {
    fn mean(self) -> f32 {
        (self.total as f32 / self.count.max(1) as f32).max(1.0)
    }
}

/// Collects one field's postings, document by document, then lays them out by term.
struct FieldBuilder {
    /// Per entry of the dictionary's arena, the BM25 term-frequency part
    /// `tf * (K1 + 1) / (tf + norm)` of its term in its segment: `[as the document's first
    /// segment, as a later one]`.
    tf_parts: Vec<[f32; 2]>,
    /// Every `(term, doc, [tf_part in the first segment, best tf_part in a later one])`, in
    /// document order (see `path_tf_part`).
    entries: Vec<(u32, u32, [f32; 2])>,
    /// Per build-time term id, its number of postings.
    counts: Vec<u32>,
    /// Per build-time term id: the document that last added it (plus one; 0 for none), and
    /// where in `entries`. Lets `add` merge a document's segments without sorting.
    last_doc: Vec<u32>,
    last_entry: Vec<u32>,
}

impl FieldBuilder {
    /// The BM25 term-frequency part is computed per segment, against the segment's length,
    /// and a document keeps its best segment's. A path is long because the line is deep, not
    /// because it is verbose: `бензин` in the short dash line `бензин автомобильный` is as
    /// telling ten levels down as at the top, so normalising by the whole path would be wrong.
    fn new(lens: SegmentLens, n_terms: usize, dictionary: &Dictionary<'_>) -> FieldBuilder {
        let avg_len = lens.mean();
        let tf_part = |tf: f32, len: u32| {
            let norm = K1 * (1.0 - B + B * len as f32 / avg_len);
            tf * (K1 + 1.0) / (tf + norm)
        };
        let mut tf_parts = vec![[0.0; 2]; dictionary.arena.len()];
        for info in &dictionary.segment_info {
            let (start, end) = (info.start as usize, info.end as usize);
            for (entry, parts) in dictionary.arena[start..end]
                .iter()
                .zip(&mut tf_parts[start..end])
            {
                let tf = entry.count as f32;
                let later = tf_part(tf, info.len);
                // Only the first segment (the heading's text) names the goods in its head. A
                // word of the head is measured against the head: the name of the goods is
                // short even when the heading goes on to list inclusions and exclusions.
                let first = if entry.in_head {
                    tf_part(tf + HEAD_EXTRA_TF, info.head_len)
                } else {
                    later
                };
                *parts = [first, later];
            }
        }
        FieldBuilder {
            tf_parts,
            entries: Vec::with_capacity(lens.referenced as usize),
            counts: vec![0; n_terms],
            last_doc: vec![0; n_terms],
            last_entry: vec![0; n_terms],
        }
    }

    /// Indexes one document's text, given as its path segments (ids of `dictionary`'s
    /// segments), heading first.
    fn add(&mut self, doc: u32, segments: &[u32], dictionary: &Dictionary<'_>) {
        let stamp = doc + 1;
        // A heading inherits nothing: its text, head and all, is its own as well (see
        // `path_tf_part`), so that a line repeating the heading's word does not outrank the
        // heading itself.
        let own_heading = segments.len() == 1;
        for (segment_idx, &segment) in segments.iter().enumerate() {
            let info = dictionary.segment_info[segment as usize];
            let (start, end) = (info.start as usize, info.end as usize);
            let which = usize::from(segment_idx != 0);
            for (entry, pair) in dictionary.arena[start..end]
                .iter()
                .zip(&self.tf_parts[start..end])
            {
                let tf_part = pair[which];
                let term = entry.term as usize;
                if self.last_doc[term] == stamp {
                    let best = &mut self.entries[self.last_entry[term] as usize].2[which];
                    *best = best.max(tf_part);
                } else {
                    self.last_doc[term] = stamp;
                    self.last_entry[term] = self.entries.len() as u32;
                    self.counts[term] += 1;
                    let mut parts = [0.0; 2];
                    parts[which] = tf_part;
                    if own_heading {
                        parts[1] = tf_part;
                    }
                    self.entries.push((entry.term, doc, parts));
                }
            }
        }
    }

    /// Lays the postings out by term, for the sorted dictionary (`order[new] = old`).
    /// `repeat_share` is the field's [`PATH_REPEAT_SHARE`] (see `path_tf_part`).
    fn finish(self, order: &[u32], repeat_share: f32) -> Field {
        // Group starts by build-time term id; filling in document order keeps each group
        // sorted by document.
        let mut next = Vec::with_capacity(self.counts.len());
        let mut total = 0u32;
        for &count in &self.counts {
            next.push(total);
            total += count;
        }
        let ranges = order
            .iter()
            .map(|&old| {
                let start = next[old as usize];
                (start, start + self.counts[old as usize])
            })
            .collect();
        let mut postings = vec![
            Posting {
                doc: 0,
                tf_part: 0.0
            };
            total as usize
        ];
        for (term, doc, parts) in self.entries {
            let slot = &mut next[term as usize];
            let tf_part = path_tf_part(parts, repeat_share);
            postings[*slot as usize] = Posting { doc, tf_part };
            *slot += 1;
        }
        Field { postings, ranges }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_split_like_str_split() {
        for text in [
            "",
            "a",
            "a / b",
            "a / b / ",
            " / ",
            "a/b / c",
            "a /b / c/ d",
            "a  /  b",
            "/",
            "ж / ё",
        ] {
            let ours: Vec<&str> = PathSegments::new(text).collect();
            let std: Vec<&str> = text.split(" / ").collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn path_splitter_reuses_only_what_is_shared() {
        let texts = [
            "a / b",
            "a / b",
            "a / bc",
            "a / b / c",
            "a",
            "a / b",
            "ab / c",
            "a /  b",
            "",
            "a / b / c / d",
            "a / b / c",
            "a / b / ",
            "a / b /",
            "ж / ё / е",
            "ж / ё",
            "",
        ];
        let mut splitter = PathSplitter::default();
        let mut names: Vec<&str> = Vec::new();
        for text in texts {
            let ids = splitter.split(text, |segment| {
                names.push(segment);
                names.len() as u32 - 1
            });
            let ours: Vec<&str> = ids.iter().map(|&id| names[id as usize]).collect();
            let std: Vec<&str> = text.split(" / ").collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }
}
