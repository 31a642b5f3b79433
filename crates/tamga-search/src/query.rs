//! Answering word queries: clauses, term variants, BM25 scoring and ranking.

use std::cmp::Ordering;
use std::ops::Range;

use crate::fx::FastMap;
use crate::{MAX_QUERY_WORDS, SearchHit, SearchIndex};

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
/// The relevance of the query's head noun (see `Analyzer::query_terms`) counts this many
/// times that of another word: among lines matching as many of the query's words, those about
/// the goods asked for (`детские игрушки`: toys) rank before those that only share a
/// qualifier (children's clothing), and a line naming the goods in its heading (`Шины … / для
/// легковых автомобилей`) before one mentioning them in passing (a quad bike `… с шинами для
/// бездорожья` under `Автомобили легковые`).
const HEAD_CLAUSE_WEIGHT: f32 = 2.0;
/// Where a line has both a clause's own words and a synonym expansion of them, the weaker of
/// the two adds this share to the stronger: the shopper's word found verbatim is evidence on
/// top of the table's wording (`смартфон`: `… / смартфоны` before `прочие аппараты телефонные
/// для сотовых сетей связи`, both matching the expansion).
const LITERAL_SHARE: f32 = 0.5;
/// Each further line of the same heading in a result list keeps this share of its relevance
/// (see `search_words`).
const DIVERSITY_DECAY: f32 = 0.85;
/// Diversity reorders the best `limit * DIVERSITY_POOL_PER_HIT` candidates (at least
/// `DIVERSITY_MIN_POOL`); beyond those, plain relevance order stands.
const DIVERSITY_POOL_PER_HIT: usize = 20;
const DIVERSITY_MIN_POOL: usize = 200;

/// A clause of a query (see `SearchIndex::clauses`): the positions of its words in the query,
/// and its alternatives, the words themselves first.
type Clause<'q> = (Range<usize>, Vec<&'q [String]>);

impl SearchIndex {
    /// A word query (see [`SearchIndex::search`]).
    pub(crate) fn search_words(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let (words, head) = self.analyzer.query_terms(query, MAX_QUERY_WORDS);
        if words.is_empty() {
            return Vec::new();
        }
        let clauses = self.clauses(&words);
        let mut scratch = Scratch::new(self.codes.len());
        for (range, alternatives) in &clauses {
            let is_head = head.is_some_and(|head| range.contains(&head));
            let weight = if is_head && clauses.len() > 1 {
                HEAD_CLAUSE_WEIGHT
            } else {
                1.0
            };
            self.score_clause(alternatives, weight, &mut scratch);
        }

        let Scratch {
            total,
            full_clauses,
            touched_total,
            ..
        } = scratch;
        let relevance = |doc: u32| total[doc as usize] * self.boosts[doc as usize];
        // Best first: more clauses matched, then relevance, then shorter codes, code order.
        let rank = |a: &(u32, f32), b: &(u32, f32)| -> Ordering {
            let (code_a, code_b) = (&self.codes[a.0 as usize], &self.codes[b.0 as usize]);
            full_clauses[b.0 as usize]
                .cmp(&full_clauses[a.0 as usize])
                .then_with(|| b.1.total_cmp(&a.1))
                .then_with(|| code_a.len().cmp(&code_b.len()))
                .then_with(|| code_a.cmp(code_b))
                .then(a.0.cmp(&b.0))
        };
        let mut ranked: Vec<(u32, f32)> = touched_total
            .into_iter()
            .map(|doc| (doc, relevance(doc)))
            .collect();
        let pool = limit
            .saturating_mul(DIVERSITY_POOL_PER_HIT)
            .max(DIVERSITY_MIN_POOL);
        if ranked.len() > pool {
            ranked.select_nth_unstable_by(pool - 1, rank);
            ranked.truncate(pool);
        }
        ranked.sort_unstable_by(rank);

        // Diversity: the n-th line of a heading (counting from 0, best first) keeps
        // `DIVERSITY_DECAY^n` of its relevance, so that one big heading whose lines all
        // repeat the heading's words does not fill the list alone.
        let mut per_heading: FastMap<&str, i32> = FastMap::default();
        for (doc, relevance) in &mut ranked {
            let code = &self.codes[*doc as usize];
            let seen = per_heading
                .entry(code.get(..4).unwrap_or(code))
                .or_default();
            *relevance *= DIVERSITY_DECAY.powi(*seen);
            *seen += 1;
        }
        ranked.sort_unstable_by(rank);
        ranked.truncate(limit);
        ranked
            .into_iter()
            .map(|(doc, relevance)| SearchHit {
                doc,
                code: self.codes[doc as usize].to_string(),
                score: f32::from(full_clauses[doc as usize]) + relevance / (1.0 + relevance),
            })
            .collect()
    }

    /// Groups query words into clauses: a run of words that spells a synonym-table term
    /// becomes one clause whose alternatives are the words themselves and each expansion;
    /// every other word is a clause of its own. Each clause comes with the positions of its
    /// words in `words`.
    fn clauses<'q>(&'q self, words: &'q [String]) -> Vec<Clause<'q>> {
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
            res.push((pos..pos + len, alternatives));
            pos += len;
        }
        res
    }

    /// Adds one clause's score into `scratch.total`: per document the best alternative,
    /// where an alternative scores the sum of its words' scores times the square of the share
    /// of its words found, and counts as fully matched only if all of them are found.
    ///
    /// Summing (not averaging) lets a fully matched synonym expansion, several common words
    /// (`vehicles for the transport of goods`), outweigh a stray literal match of the
    /// everyday word (`truck` in `works trucks`): the table is curated, so trust it.
    ///
    /// The first alternative is the query's own words: where a line has both them and an
    /// expansion, the better of the two counts plus [`LITERAL_SHARE`] of the other. The
    /// clause's score is multiplied by `weight` (see [`HEAD_CLAUSE_WEIGHT`]).
    fn score_clause(&self, alternatives: &[&[String]], weight: f32, scratch: &mut Scratch) {
        for (alt_idx, alternative) in alternatives.iter().enumerate() {
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
                let score = scratch.alt_sum[slot] * (found / n_words).powi(2);
                if !scratch.clause_seen[slot] {
                    scratch.clause_seen[slot] = true;
                    scratch.touched_clause.push(doc);
                }
                if alt_idx == 0 {
                    scratch.clause_literal[slot] = score;
                } else {
                    scratch.clause_best[slot] = scratch.clause_best[slot].max(score);
                }
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
            let (literal, expansion) = (scratch.clause_literal[slot], scratch.clause_best[slot]);
            let score = literal.max(expansion) + LITERAL_SHARE * literal.min(expansion);
            scratch.total[slot] += weight * score;
            scratch.full_clauses[slot] += u8::from(scratch.clause_full[slot]);
            scratch.clause_best[slot] = 0.0;
            scratch.clause_literal[slot] = 0.0;
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
                let postings = field.postings(term);
                if postings.is_empty() {
                    continue;
                }
                let weight = weight * self.idf[term];
                for posting in postings {
                    let slot = posting.doc as usize;
                    let score = weight * posting.tf_part;
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
    pub(crate) fn variants(&self, stem: &str) -> Vec<(usize, f32)> {
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
/// plural trap only: Snowball reads the plural `-или`, `-ыли`, `-ены`, `-ли`, `-ны` as a
/// verb ending and strips it whole (`автомобили → автомоб`), while the singular keeps all but
/// the last letter (`автомобиль → автомобил`). Any other difference is another word
/// (`лимон` is not `лимонад`).
pub(crate) fn same_word(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.strip_prefix(short) {
        Some("") => true,
        Some(rest) => {
            short.chars().count() >= MIN_EXPANSION_CHARS
                && matches!(rest, "ил" | "ыл" | "ен" | "л" | "н")
        }
        None => false,
    }
}

/// Per-query working arrays, one slot per document. Allocated zeroed per query (about
/// 24 bytes a document); every slot a step touches is reset by that step.
struct Scratch {
    word: Vec<f32>,
    touched_word: Vec<u32>,
    alt_sum: Vec<f32>,
    alt_count: Vec<u8>,
    touched_alt: Vec<u32>,
    /// Per document, the clause's best expansion and its literal words (see `score_clause`).
    clause_best: Vec<f32>,
    clause_literal: Vec<f32>,
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
            clause_literal: vec![0.0; n_docs],
            clause_full: vec![false; n_docs],
            clause_seen: vec![false; n_docs],
            touched_clause: Vec::new(),
            total: vec![0.0; n_docs],
            full_clauses: vec![0; n_docs],
            touched_total: Vec::new(),
        }
    }
}
