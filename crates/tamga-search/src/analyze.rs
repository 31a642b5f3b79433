//! Text analysis shared by indexing and querying: normalise, tokenize, drop stop words, stem.
//!
//! The same chain runs over documents and queries, so a query word and a document word meet
//! on the same term exactly when their stems agree. Where Snowball disagrees with itself
//! (`автомобиль → автомобил` but `автомобили → автомоб`), the query side widens the match
//! (see `SearchIndex::variants`), not this module.

use rust_stemmers::{Algorithm, Stemmer};

/// Tokens longer than this many bytes are cut before stemming.
///
/// Rationale: no nomenclature word comes close (the longest are about 25 letters, 50 bytes of
/// Cyrillic); the cap keeps a hostile query from feeding the stemmer one enormous token.
const MAX_TOKEN_BYTES: usize = 96;

pub(crate) struct Analyzer {
    russian: Stemmer,
    english: Stemmer,
}

impl Analyzer {
    pub(crate) fn new() -> Analyzer {
        Analyzer {
            russian: Stemmer::create(Algorithm::Russian),
            english: Stemmer::create(Algorithm::English),
        }
    }

    /// The index term of one normalised token (as produced by [`tokens`]), or `None` for a
    /// stop word or a lone letter.
    pub(crate) fn term(&self, token: &str) -> Option<String> {
        let mut chars = token.chars();
        let first = chars.next()?;
        if chars.next().is_none() && first.is_alphabetic() {
            return None;
        }
        if is_stop_word(token) {
            return None;
        }
        let term = if token.chars().any(is_cyrillic) {
            self.russian.stem(token).into_owned()
        } else if token.chars().any(|ch| ch.is_ascii_alphabetic()) {
            self.english.stem(token).into_owned()
        } else {
            // Digits, Greek letters and the like: kept as they are.
            token.to_owned()
        };
        if term.is_empty() { None } else { Some(term) }
    }
}

/// Splits `text` into normalised tokens and hands each to `sink`.
///
/// A token is a run of alphanumeric characters. Normalisation lower-cases, folds `ё` to `е`
/// and drops combining marks, except that a combining breve after `и` makes `й` (text pasted
/// from some PDFs carries `й` and `ё` decomposed).
pub(crate) fn tokens(text: &str, mut sink: impl FnMut(&str)) {
    let mut token = String::with_capacity(32);
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            for lower in ch.to_lowercase() {
                token.push(if lower == 'ё' { 'е' } else { lower });
            }
        } else if is_combining_mark(ch) {
            if ch == '\u{306}' && token.ends_with('и') {
                token.pop();
                token.push('й');
            }
        } else if !token.is_empty() {
            emit(&mut token, &mut sink);
        }
    }
    if !token.is_empty() {
        emit(&mut token, &mut sink);
    }
}

fn emit(token: &mut String, sink: &mut impl FnMut(&str)) {
    if token.len() > MAX_TOKEN_BYTES {
        let mut cut = MAX_TOKEN_BYTES;
        while !token.is_char_boundary(cut) {
            cut -= 1;
        }
        token.truncate(cut);
    }
    sink(token);
    token.clear();
}

fn is_cyrillic(ch: char) -> bool {
    ('\u{400}'..='\u{4ff}').contains(&ch)
}

fn is_combining_mark(ch: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&ch)
}

/// Function words of Russian and English that carry no meaning for goods.
///
/// Kept small on purpose: a word that names goods, however common (`прочие`, `other`), is left
/// to the inverse document frequency to weigh. `кроме`/`except` are here because they only
/// introduce exclusions, and a broker never types them to mean the excluded goods.
const STOP_WORDS: &[&str] = &[
    // Russian (already ё-folded).
    "а",
    "без",
    "бы",
    "в",
    "во",
    "все",
    "всех",
    "да",
    "для",
    "до",
    "его",
    "ее",
    "если",
    "же",
    "за",
    "и",
    "из",
    "или",
    "им",
    "их",
    "к",
    "как",
    "ко",
    "кроме",
    "ли",
    "либо",
    "на",
    "над",
    "не",
    "ни",
    "но",
    "о",
    "об",
    "от",
    "по",
    "под",
    "при",
    "с",
    "со",
    "так",
    "также",
    "то",
    "том",
    "у",
    "чем",
    "что",
    "это",
    "этих",
    "этого", // English.
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "by",
    "except",
    "excluding",
    "for",
    "from",
    "in",
    "into",
    "is",
    "it",
    "its",
    "nor",
    "not",
    "of",
    "on",
    "or",
    "than",
    "that",
    "the",
    "their",
    "this",
    "to",
    "whether",
    "with",
    "without",
];

fn is_stop_word(token: &str) -> bool {
    // A short list, searched once per distinct token at build time and per query word.
    STOP_WORDS.contains(&token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let analyzer = Analyzer::new();
        let mut res = Vec::new();
        tokens(text, |token| res.extend(analyzer.term(token)));
        res
    }

    #[test]
    fn russian_chain() {
        assert_eq!(terms("Автомобили легковые"), ["автомоб", "легков"]);
        assert_eq!(terms("ЁЛКИ и ёлки"), ["елк", "елк"]);
        assert_eq!(terms("обувь, с верхом из кожи"), ["обув", "верх", "кож"]);
    }

    #[test]
    fn english_chain() {
        assert_eq!(
            terms("Motor cars and other vehicles"),
            ["motor", "car", "other", "vehicl"]
        );
    }

    #[test]
    fn decomposed_letters_are_composed() {
        assert_eq!(terms("чаи\u{306} черныи\u{306}"), terms("чай чёрный"));
        assert_eq!(terms("е\u{308}лки"), ["елк"]);
    }

    #[test]
    fn digits_and_mixed_tokens() {
        assert_eq!(
            terms("не более 1000 см3; 80 об.%"),
            ["бол", "1000", "см3", "80"]
        );
    }

    #[test]
    fn huge_token_is_cut() {
        let huge = "я".repeat(10_000);
        let res = terms(&huge);
        assert_eq!(res.len(), 1);
        assert!(res[0].len() <= MAX_TOKEN_BYTES);
    }
}
