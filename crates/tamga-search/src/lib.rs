//! Word and code search over the nomenclature, in Russian and English.
//!
//! [`SearchIndex::build`] takes one [`SearchDoc`] per coded line of the tariff (heading,
//! subheading or 10-digit code) and keeps an in-memory inverted index. It is derived data:
//! rebuild it whenever the tariff snapshot changes. Building over ~35,000 lines takes tens of
//! milliseconds, so there is nothing to persist.
//!
//! [`SearchIndex::search`] answers two kinds of query:
//!
//! - **Code queries** (only digits, spaces and dots: `2201`, `2201 10 110 0`, `22.01`): every
//!   line whose code starts with those digits, the exact code first, then shorter (more
//!   general) codes, then code order.
//! - **Word queries**, Russian or English: BM25 ranking over two fields (the Russian
//!   description path and the HS English text), with Russian and English Snowball stemming,
//!   stop words, a guard against the Russian stemmer's plural trap (see
//!   [`SearchIndex::search`]) and a small table of everyday synonyms (`synonyms.csv`).
//!
//! Architecture invariant: this crate does no I/O and never panics on a query. Work per query
//! is capped ([`MAX_QUERY_CHARS`], [`MAX_QUERY_WORDS`], a cap on prefix expansions).

mod analyze;
mod synonyms;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use analyze::Analyzer;
use synonyms::Synonym;

pub use synonyms::{SynonymRow, rows as synonym_rows};

/// A query is cut to this many characters before analysis.
pub const MAX_QUERY_CHARS: usize = 256;
/// Words of a query past this many (after stop words) are ignored.
pub const MAX_QUERY_WORDS: usize = 12;

/// BM25 term-frequency saturation.
const K1: f32 = 0.9;
/// BM25 length normalisation. The description of a 10-digit line repeats its heading's text,
/// so length normalisation is also what lets the heading itself outrank its own children when
/// the query words are in the heading text.
const B: f32 = 0.75;
/// A query stem matches longer index terms that start with it (`телефон` → `телефонн`) at
/// this weight, if the stem has at least [`MIN_EXPANSION_CHARS`] characters.
const EXTENSION_WEIGHT: f32 = 0.6;
/// A query stem of [`MIN_EXPANSION_CHARS`] or more matches index terms that are the stem less
/// one or two trailing characters (`автомобил` → `автомоб`, Snowball's stem of the plural
/// `автомобили`) at this weight.
const TRUNCATION_WEIGHT: f32 = 0.85;
const MIN_EXPANSION_CHARS: usize = 4;
/// Truncation keeps at least this many characters. This also bridges Russian adjectives and
/// nouns: `кожан` (кожаная) → `кож` (кожи), `деревян` → `дерев`, `рыбн` → `рыб`.
const MIN_TRUNCATED_CHARS: usize = 3;
/// Weight of a truncation down to fewer than [`MIN_EXPANSION_CHARS`] characters, where an
/// unrelated word is likelier (`лист` → `лис`).
const SHORT_TRUNCATION_WEIGHT: f32 = 0.5;
/// At most this many longer terms per query word, so a short stem cannot fan out to
/// thousands of terms.
const MAX_EXTENSIONS: usize = 48;
/// An occurrence among the first words of the heading text (before any comma, semicolon,
/// colon or bracket: the name of the goods, `Автомобили легковые и прочие моторные
/// транспортные средства`) counts as this many extra occurrences. The same word further on
/// is usually a qualifier (`шины … для легковых автомобилей`). Likewise for the English text.
const HEAD_EXTRA_TF: f32 = 2.0;
/// At most this many terms of a segment's head count as head.
const MAX_HEAD_TERMS: usize = 6;
/// Relevance bonus for general lines: a heading gets `1 + GENERALITY_BONUS`, a 10-digit
/// code none, lines in between in proportion. Small, so it mostly breaks near-ties.
const GENERALITY_BONUS: f32 = 0.03;

/// What kind of line of the nomenclature a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// A 4-digit heading (товарная позиция).
    Heading,
    /// A 6, 8 or 9-digit subheading (субпозиция).
    Subheading,
    /// A 10-digit code (подсубпозиция).
    Code,
}

/// One coded line of the nomenclature, as given to [`SearchIndex::build`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    /// Digits only: 4 (heading), 6, 8 or 9 (subheading) or 10 digits.
    pub code: String,
    pub level_kind: DocKind,
    /// The full Russian description path: heading text / dash lines / own text, joined by
    /// `" / "`.
    pub text_ru: String,
    /// English (HS 2022) text of the line's 6-digit subheading, or of the heading for a
    /// heading, if known.
    pub text_en: Option<String>,
}

/// One result of [`SearchIndex::search`].
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// Index into the `Vec<SearchDoc>` given to [`SearchIndex::build`].
    pub doc: u32,
    pub code: String,
    /// Relevance, higher is better, comparable only within one result list. `f32` because
    /// it is a ranking heuristic, not an amount: nothing is ever computed from it.
    ///
    /// For word queries the integer part is the number of query words (or synonym groups)
    /// the line fully matches and the fraction is the BM25 relevance squashed into `[0, 1)`,
    /// so the score falls monotonically down the list. For code queries it is the share of
    /// the line's code that the query spells out (`1.0` for the exact code).
    pub score: f32,
}

/// An in-memory full-text and code index over the nomenclature.
pub struct SearchIndex {
    codes: Vec<Box<str>>,
    /// Generality bonus per document, from [`DocKind`] and code length.
    boosts: Vec<f32>,
    /// Document ids sorted by code, for prefix search.
    by_code: Vec<u32>,
    /// All index terms (stems), sorted, so that the terms sharing a prefix are contiguous.
    terms: Vec<Box<str>>,
    /// Inverse document frequency per term, counting distinct text segments rather than
    /// documents (see `Dictionary`).
    idf: Vec<f32>,
    /// `[Russian, English]`.
    fields: [Field; 2],
    synonyms: Vec<Synonym>,
    analyzer: Analyzer,
}

/// One text field: postings per term and per-document BM25 length norms.
struct Field {
    /// Indexed like `SearchIndex::terms`; sorted by document.
    postings: Vec<Vec<Posting>>,
    /// `K1 * (1 - B + B * len / avg_len)` per document.
    norms: Vec<f32>,
}

#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    /// Occurrences, the ones in the head of the heading text counting extra.
    tf: f32,
}

impl SearchIndex {
    /// Indexes `docs`. Hits refer to documents by their position in `docs`.
    pub fn build(docs: Vec<SearchDoc>) -> SearchIndex {
        let analyzer = Analyzer::new();
        // Ids are u32; four billion lines do not fit in memory anyway.
        let docs = &docs[..docs.len().min(u32::MAX as usize)];
        let mut dictionary = Dictionary::default();
        let mut fields = [FieldBuilder::default(), FieldBuilder::default()];
        let mut scratch = Vec::new();
        for (doc_idx, doc) in docs.iter().enumerate() {
            let doc_id = doc_idx as u32;
            fields[0].add(
                doc_id,
                &doc.text_ru,
                &analyzer,
                &mut dictionary,
                &mut scratch,
            );
            let text_en = doc.text_en.as_deref().unwrap_or_default();
            fields[1].add(doc_id, text_en, &analyzer, &mut dictionary, &mut scratch);
        }

        // Sort the dictionary so that prefix expansion is a range scan.
        let n_terms = dictionary.stems.len();
        let mut order: Vec<u32> = (0..n_terms as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            dictionary.stems[a as usize].cmp(&dictionary.stems[b as usize])
        });
        let terms = order
            .iter()
            .map(|&id| std::mem::take(&mut dictionary.stems[id as usize]).into_boxed_str())
            .collect();
        let n_segments = dictionary.n_segments as f32;
        let idf = order
            .iter()
            .map(|&id| {
                let df = dictionary.segment_df[id as usize] as f32;
                (1.0 + (n_segments - df + 0.5) / (df + 0.5)).ln()
            })
            .collect();
        let [ru, en] = fields;
        let fields = [ru.finish(&order), en.finish(&order)];

        let codes: Vec<Box<str>> = docs.iter().map(|doc| doc.code.as_str().into()).collect();
        let boosts = docs
            .iter()
            .map(|doc| generality_boost(doc.level_kind, doc.code.len()))
            .collect();
        let mut by_code: Vec<u32> = (0..codes.len() as u32).collect();
        by_code.sort_by(|&a, &b| codes[a as usize].cmp(&codes[b as usize]));
        let synonyms = synonyms::load(&analyzer);
        SearchIndex {
            codes,
            boosts,
            by_code,
            terms,
            idf,
            fields,
            synonyms,
            analyzer,
        }
    }

    /// The number of documents indexed.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The best `limit` documents for `query`, best first.
    ///
    /// A query of only digits, spaces and dots is a code query (see the crate docs). Anything
    /// else is a word query:
    ///
    /// - Each query word is normalised and stemmed like the documents. It matches its own
    ///   stem, and (at lower weight) longer terms starting with it and terms that are the
    ///   stem less one or two letters. The last rule is for Snowball's plural trap:
    ///   `автомобиль → автомобил`, but the heading's `Автомобили → автомоб`.
    /// - Everyday terms from the synonym table also match their nomenclature wording
    ///   (`ноутбук` → `вычислительные машины портативные`); the better of the two counts.
    /// - Lines matching more of the query words rank first; then BM25 relevance with a small
    ///   bonus for general lines (headings); then shorter codes; then code order.
    ///
    /// Never panics: junk yields an empty or arbitrary list.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        if limit == 0 || self.codes.is_empty() {
            return Vec::new();
        }
        let query = truncate_chars(query, MAX_QUERY_CHARS);
        match code_query(query) {
            Some(digits) => self.search_code(&digits, limit),
            None => self.search_words(query, limit),
        }
    }

    fn search_code(&self, digits: &str, limit: usize) -> Vec<SearchHit> {
        // A "code" longer than any code matches nothing, but it is still a code query.
        if digits.len() > 10 {
            return Vec::new();
        }
        let start = self
            .by_code
            .partition_point(|&doc| &*self.codes[doc as usize] < digits);
        let mut found: Vec<u32> = self.by_code[start..]
            .iter()
            .copied()
            .take_while(|&doc| self.codes[doc as usize].starts_with(digits))
            .collect();
        // The exact code is the shortest, so "shorter first" puts it first.
        found.sort_by(|&a, &b| {
            let (code_a, code_b) = (&self.codes[a as usize], &self.codes[b as usize]);
            code_a
                .len()
                .cmp(&code_b.len())
                .then_with(|| code_a.cmp(code_b))
                .then(a.cmp(&b))
        });
        found
            .into_iter()
            .take(limit)
            .map(|doc| {
                let code = &self.codes[doc as usize];
                SearchHit {
                    doc,
                    code: code.to_string(),
                    score: digits.len() as f32 / code.len() as f32,
                }
            })
            .collect()
    }

    fn search_words(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let mut words = Vec::new();
        analyze::tokens(query, |token| {
            if words.len() < MAX_QUERY_WORDS {
                words.extend(self.analyzer.term(token));
            }
        });
        if words.is_empty() {
            return Vec::new();
        }
        let clauses = self.clauses(&words);
        let mut scratch = Scratch::new(self.codes.len());
        for clause in &clauses {
            self.score_clause(clause, &mut scratch);
        }

        let Scratch {
            total,
            full_clauses,
            touched_total,
            ..
        } = scratch;
        let adjusted = |doc: u32| total[doc as usize] * self.boosts[doc as usize];
        let rank = |&a: &u32, &b: &u32| -> Ordering {
            let (code_a, code_b) = (&self.codes[a as usize], &self.codes[b as usize]);
            full_clauses[b as usize]
                .cmp(&full_clauses[a as usize])
                .then_with(|| adjusted(b).total_cmp(&adjusted(a)))
                .then_with(|| code_a.len().cmp(&code_b.len()))
                .then_with(|| code_a.cmp(code_b))
                .then(a.cmp(&b))
        };
        let mut candidates = touched_total;
        if candidates.len() > limit {
            candidates.select_nth_unstable_by(limit - 1, rank);
            candidates.truncate(limit);
        }
        candidates.sort_unstable_by(rank);
        candidates
            .into_iter()
            .map(|doc| {
                let relevance = adjusted(doc);
                SearchHit {
                    doc,
                    code: self.codes[doc as usize].to_string(),
                    score: f32::from(full_clauses[doc as usize]) + relevance / (1.0 + relevance),
                }
            })
            .collect()
    }

    /// Groups query words into clauses: a run of words that spells a synonym-table term
    /// becomes one clause whose alternatives are the words themselves and each expansion;
    /// every other word is a clause of its own.
    fn clauses<'q>(&'q self, words: &'q [String]) -> Vec<Vec<&'q [String]>> {
        let mut res = Vec::new();
        let mut pos = 0;
        while pos < words.len() {
            let rest = &words[pos..];
            let mut best_len = 0;
            let mut expansions: Vec<&[String]> = Vec::new();
            for synonym in &self.synonyms {
                let len = synonym.term.len();
                let matches = len <= rest.len()
                    && synonym.term.iter().zip(rest).all(|(a, b)| same_word(a, b));
                if !matches || len < best_len {
                    continue;
                }
                if len > best_len {
                    best_len = len;
                    expansions.clear();
                }
                expansions.push(&synonym.expansion);
            }
            let len = best_len.max(1);
            let mut alternatives = vec![&rest[..len]];
            alternatives.extend(expansions);
            res.push(alternatives);
            pos += len;
        }
        res
    }

    /// Adds one clause's score into `scratch.total`: per document the best alternative,
    /// where an alternative scores the mean of its words' scores times the share of its
    /// words found, and counts as fully matched only if all of them are found.
    fn score_clause(&self, alternatives: &[&[String]], scratch: &mut Scratch) {
        for alternative in alternatives {
            let n_words = alternative.len() as f32;
            for word in alternative.iter() {
                self.score_word(word, scratch);
                for &doc in &scratch.touched_word {
                    let slot = doc as usize;
                    if scratch.alt_count[slot] == 0 {
                        scratch.touched_alt.push(doc);
                    }
                    scratch.alt_sum[slot] += scratch.word[slot];
                    scratch.alt_count[slot] = scratch.alt_count[slot].saturating_add(1);
                    scratch.word[slot] = 0.0;
                }
                scratch.touched_word.clear();
            }
            for &doc in &scratch.touched_alt {
                let slot = doc as usize;
                let found = f32::from(scratch.alt_count[slot]);
                let score = scratch.alt_sum[slot] / n_words * (found / n_words);
                if !scratch.clause_seen[slot] {
                    scratch.clause_seen[slot] = true;
                    scratch.touched_clause.push(doc);
                }
                scratch.clause_best[slot] = scratch.clause_best[slot].max(score);
                scratch.clause_full[slot] |= found >= n_words;
                scratch.alt_sum[slot] = 0.0;
                scratch.alt_count[slot] = 0;
            }
            scratch.touched_alt.clear();
        }
        for &doc in &scratch.touched_clause {
            let slot = doc as usize;
            if scratch.total[slot] == 0.0 && scratch.full_clauses[slot] == 0 {
                scratch.touched_total.push(doc);
            }
            scratch.total[slot] += scratch.clause_best[slot];
            scratch.full_clauses[slot] += u8::from(scratch.clause_full[slot]);
            scratch.clause_best[slot] = 0.0;
            scratch.clause_full[slot] = false;
            scratch.clause_seen[slot] = false;
        }
        scratch.touched_clause.clear();
    }

    /// Scores one query word into `scratch.word`: per document, the best BM25 score over its
    /// term variants and both fields.
    fn score_word(&self, stem: &str, scratch: &mut Scratch) {
        for (term, weight) in self.variants(stem) {
            for field in &self.fields {
                let postings = &field.postings[term];
                if postings.is_empty() {
                    continue;
                }
                let weight = weight * self.idf[term] * (K1 + 1.0);
                for posting in postings {
                    let slot = posting.doc as usize;
                    let tf = posting.tf;
                    let score = weight * tf / (tf + field.norms[slot]);
                    let best = &mut scratch.word[slot];
                    if *best == 0.0 {
                        scratch.touched_word.push(posting.doc);
                    }
                    if score > *best {
                        *best = score;
                    }
                }
            }
        }
    }

    /// The index terms a query stem matches, with their weights (see [`SearchIndex::search`]).
    fn variants(&self, stem: &str) -> Vec<(usize, f32)> {
        let mut res = Vec::new();
        let n_chars = stem.chars().count();
        let start = self.terms.partition_point(|term| &**term < stem);
        let mut n_extensions = 0;
        for (offset, term) in self.terms[start..].iter().enumerate() {
            if !term.starts_with(stem) {
                break;
            }
            if term.len() == stem.len() {
                res.push((start + offset, 1.0));
            } else if n_chars >= MIN_EXPANSION_CHARS && n_extensions < MAX_EXTENSIONS {
                res.push((start + offset, EXTENSION_WEIGHT));
                n_extensions += 1;
            } else {
                break;
            }
        }
        let mut truncated = stem;
        for removed in 1..=2 {
            let Some((cut, _)) = truncated.char_indices().next_back() else {
                break;
            };
            truncated = &truncated[..cut];
            let kept = n_chars - removed;
            if kept < MIN_TRUNCATED_CHARS || n_chars < MIN_EXPANSION_CHARS {
                break;
            }
            if let Ok(idx) = self.terms.binary_search_by(|term| (**term).cmp(truncated)) {
                let weight = if kept >= MIN_EXPANSION_CHARS {
                    TRUNCATION_WEIGHT
                } else {
                    SHORT_TRUNCATION_WEIGHT
                };
                res.push((idx, weight));
            }
        }
        res
    }
}

/// Whether two stems are the same word for synonym matching, allowing for the stemmer's
/// plural trap (one a prefix of the other, at most two letters longer).
fn same_word(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short == long {
        return true;
    }
    let (n_short, n_long) = (short.chars().count(), long.chars().count());
    long.starts_with(short) && n_short >= MIN_EXPANSION_CHARS && n_long - n_short <= 2
}

fn generality_boost(kind: DocKind, code_len: usize) -> f32 {
    let generality = match kind {
        DocKind::Heading => 1.0,
        DocKind::Subheading | DocKind::Code => (10usize.saturating_sub(code_len)) as f32 / 6.0,
    };
    1.0 + GENERALITY_BONUS * generality.clamp(0.0, 1.0)
}

/// The digits of a code query, if `query` is one: only digits, spaces and dots, at least one
/// digit.
fn code_query(query: &str) -> Option<String> {
    let mut digits = String::new();
    for ch in query.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            '.' | '\u{a0}' => {}
            _ if ch.is_whitespace() => {}
            _ => return None,
        }
    }
    if digits.is_empty() {
        None
    } else {
        Some(digits)
    }
}

fn truncate_chars(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

/// Per-query working arrays, one slot per document. Allocated zeroed per query (about
/// 20 bytes a document); every slot a step touches is reset by that step.
struct Scratch {
    word: Vec<f32>,
    touched_word: Vec<u32>,
    alt_sum: Vec<f32>,
    alt_count: Vec<u8>,
    touched_alt: Vec<u32>,
    clause_best: Vec<f32>,
    clause_full: Vec<bool>,
    clause_seen: Vec<bool>,
    touched_clause: Vec<u32>,
    total: Vec<f32>,
    full_clauses: Vec<u8>,
    touched_total: Vec<u32>,
}

impl Scratch {
    fn new(n_docs: usize) -> Scratch {
        Scratch {
            word: vec![0.0; n_docs],
            touched_word: Vec::new(),
            alt_sum: vec![0.0; n_docs],
            alt_count: vec![0; n_docs],
            touched_alt: Vec::new(),
            clause_best: vec![0.0; n_docs],
            clause_full: vec![false; n_docs],
            clause_seen: vec![false; n_docs],
            touched_clause: Vec::new(),
            total: vec![0.0; n_docs],
            full_clauses: vec![0; n_docs],
            touched_total: Vec::new(),
        }
    }
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
    by_token: FastMap<String, Option<u32>>,
    segments: FastMap<&'a str, (u32, u32)>,
    /// Terms of analysed segments, back to back.
    arena: Vec<Occurrence>,
    /// Per term, the number of distinct segments containing it.
    segment_df: Vec<u32>,
    n_segments: u32,
    /// Scratch for counting distinct terms.
    distinct: Vec<u32>,
}

impl<'a> Dictionary<'a> {
    /// The terms of `segment`, as a range of `self.arena`.
    fn segment(&mut self, segment: &'a str, analyzer: &Analyzer) -> (usize, usize) {
        if let Some(&(start, end)) = self.segments.get(segment) {
            return (start as usize, end as usize);
        }
        let start = self.arena.len();
        let head_end = segment.find([',', ';', '(', ':']).unwrap_or(segment.len());
        let (head, tail) = segment.split_at(head_end);
        self.add_text(head, true, analyzer);
        self.add_text(tail, false, analyzer);
        let end = self.arena.len();
        self.segments.insert(segment, (start as u32, end as u32));
        self.n_segments += 1;
        self.distinct.clear();
        self.distinct.extend(
            self.arena[start..end]
                .iter()
                .map(|occurrence| occurrence.term),
        );
        self.distinct.sort_unstable();
        self.distinct.dedup();
        for &term in &self.distinct {
            self.segment_df[term as usize] += 1;
        }
        (start, end)
    }

    fn add_text(&mut self, text: &str, head: bool, analyzer: &Analyzer) {
        let mut n_head = 0;
        analyze::tokens(text, |token| {
            let term = match self.by_token.get(token) {
                Some(&term) => term,
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
                    self.by_token.insert(token.to_owned(), term);
                    term
                }
            };
            if let Some(term) = term {
                let in_head = head && n_head < MAX_HEAD_TERMS;
                n_head += usize::from(in_head);
                self.arena.push(Occurrence { term, in_head });
            }
        });
    }
}

/// One term occurrence in an analysed segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Occurrence {
    term: u32,
    /// Among the first words of the segment, before any comma, semicolon, colon or bracket.
    in_head: bool,
}

#[derive(Default)]
struct FieldBuilder {
    /// By build-time term id.
    postings: Vec<Vec<Posting>>,
    lens: Vec<u32>,
}

impl FieldBuilder {
    fn add<'a>(
        &mut self,
        doc: u32,
        text: &'a str,
        analyzer: &Analyzer,
        dictionary: &mut Dictionary<'a>,
        scratch: &mut Vec<Occurrence>,
    ) {
        scratch.clear();
        for (segment_idx, segment) in text.split(" / ").enumerate() {
            let (start, end) = dictionary.segment(segment, analyzer);
            let occurrences = &dictionary.arena[start..end];
            if segment_idx == 0 {
                scratch.extend_from_slice(occurrences);
            } else {
                // Only the first segment (the heading's text) names the goods in its head.
                scratch.extend(occurrences.iter().map(|&occurrence| Occurrence {
                    in_head: false,
                    ..occurrence
                }));
            }
        }
        self.lens.push(scratch.len() as u32);
        scratch.sort_unstable();
        for run in scratch.chunk_by(|a, b| a.term == b.term) {
            let term = run[0].term as usize;
            if term >= self.postings.len() {
                self.postings.resize_with(term + 1, Vec::new);
            }
            let in_head = run.iter().any(|occurrence| occurrence.in_head);
            let tf = run.len() as f32 + if in_head { HEAD_EXTRA_TF } else { 0.0 };
            self.postings[term].push(Posting { doc, tf });
        }
    }

    /// Reorders postings to the sorted dictionary (`order[new] = old`) and computes norms.
    fn finish(mut self, order: &[u32]) -> Field {
        let postings = order
            .iter()
            .map(|&old| {
                self.postings
                    .get_mut(old as usize)
                    .map(std::mem::take)
                    .unwrap_or_default()
            })
            .collect();
        let n_docs = self.lens.iter().filter(|&&len| len > 0).count();
        let total_len: u64 = self.lens.iter().map(|&len| u64::from(len)).sum();
        let avg_len = if n_docs == 0 {
            1.0
        } else {
            total_len as f32 / n_docs as f32
        };
        let norms = self
            .lens
            .iter()
            .map(|&len| K1 * (1.0 - B + B * len as f32 / avg_len))
            .collect();
        Field { postings, norms }
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The Fx hash (from rustc): a multiply-rotate hash, much faster than SipHash on the short
/// keys of the build caches. Not DoS-resistant, which is fine for keys from the tariff text.
#[derive(Default)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail) ^ rest.len() as u64);
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(code: &str, text_ru: &str, text_en: Option<&str>) -> SearchDoc {
        let level_kind = match code.len() {
            4 => DocKind::Heading,
            10 => DocKind::Code,
            _ => DocKind::Subheading,
        };
        SearchDoc {
            code: code.into(),
            level_kind,
            text_ru: text_ru.into(),
            text_en: text_en.map(Into::into),
        }
    }

    fn sample() -> SearchIndex {
        SearchIndex::build(vec![
            doc(
                "8703",
                "Автомобили легковые",
                Some("Motor cars and other motor vehicles"),
            ),
            doc(
                "870321",
                "Автомобили легковые / с рабочим объемом не более 1000 см3",
                Some("Vehicles; cylinder capacity not over 1000cc"),
            ),
            doc(
                "8703211099",
                "Автомобили легковые / с рабочим объемом не более 1000 см3 / прочие",
                None,
            ),
            doc(
                "8708",
                "Части и принадлежности моторных транспортных средств",
                Some("Parts and accessories of motor vehicles"),
            ),
            doc("8716", "Прицепы и полуприцепы; части автомобилей", None),
            doc(
                "0901",
                "Кофе жареный или нежареный",
                Some("Coffee, roasted or not"),
            ),
        ])
    }

    fn codes(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|hit| hit.code.as_str()).collect()
    }

    #[test]
    fn index_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SearchIndex>();
    }

    #[test]
    fn code_prefix_order() {
        let index = sample();
        assert_eq!(
            codes(&index.search("8703", 10)),
            ["8703", "870321", "8703211099"]
        );
        assert_eq!(codes(&index.search("8703 21 109 9", 10)), ["8703211099"]);
        assert_eq!(
            codes(&index.search("87.03", 10)),
            ["8703", "870321", "8703211099"]
        );
        assert_eq!(codes(&index.search("87", 2)), ["8703", "8708"]);
        assert!(index.search("87032110990", 10).is_empty());
    }

    #[test]
    fn singular_finds_the_plural_heading() {
        let index = sample();
        let hits = index.search("автомобиль", 10);
        assert_eq!(hits[0].code, "8703");
    }

    #[test]
    fn variants_cover_the_plural_trap() {
        let index = sample();
        let terms: Vec<&str> = index
            .variants("автомобил")
            .iter()
            .map(|&(idx, _)| &*index.terms[idx])
            .collect();
        assert!(terms.contains(&"автомобил"));
        assert!(terms.contains(&"автомоб"));
    }

    #[test]
    fn all_words_beat_one() {
        let index = sample();
        let hits = index.search("автомобили прочие", 10);
        assert_eq!(hits[0].code, "8703211099");
        assert!(hits[0].score > hits[1].score);
    }

    #[test]
    fn english_words() {
        let index = sample();
        assert_eq!(index.search("roasted coffee", 1)[0].code, "0901");
    }

    #[test]
    fn empty_and_junk_queries() {
        let index = sample();
        for query in [
            "",
            "   ",
            "и или для",
            "!!!",
            "\u{0}",
            "\u{306}\u{308}",
            "😀",
        ] {
            assert!(index.search(query, 10).is_empty(), "{query:?}");
        }
        assert!(index.search("кофе", 0).is_empty());
        assert!(SearchIndex::build(Vec::new()).search("кофе", 10).is_empty());
    }

    #[test]
    fn same_word_allows_the_trap_only() {
        assert!(same_word("автомобил", "автомоб"));
        assert!(same_word("телефон", "телефон"));
        assert!(!same_word("ча", "чай"));
        assert!(!same_word("телефон", "телефонн ый"));
    }
}
