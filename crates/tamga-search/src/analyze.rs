//! Text analysis shared by indexing and querying: normalise, tokenize, drop stop words, stem.
//!
//! The same chain runs over documents and queries, so a query word and a document word meet
//! on the same term exactly when their stems agree. Where Snowball disagrees with itself
//! (`автомобиль → автомобил` but `автомобили → автомоб`), the query side widens the match
//! (see `SearchIndex::variants`), not this module.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

use crate::fx::FastSet;

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

impl Analyzer {
    /// Every index term of `text` in order, negated ones prefixed with [`NEGATED`]. For
    /// queries and the synonym table; indexing goes through its own caches.
    pub(crate) fn terms(&self, text: &str, mut sink: impl FnMut(String)) {
        let mut negation = Negation::default();
        tokens(text, |token, after_break| {
            let Some(negated) = negation.feed(role(token), after_break) else {
                return;
            };
            if let Some(term) = self.term(token) {
                sink(if negated {
                    format!("{NEGATED}{term}")
                } else {
                    term
                });
            }
        });
    }
}

impl Analyzer {
    /// The index terms of a query, like [`Analyzer::terms`] (at most `max_words`), and which
    /// of them, if any, is the head noun: the word naming the goods, which the other words
    /// qualify (`детские игрушки`, `шины для легковых автомобилей`, `car tyres`).
    ///
    /// The head is looked for in the query's head phrase, the words before the first
    /// preposition or phrase break (see [`HEAD_ENDERS`]), skipping negated words. In Russian it
    /// is the first word that does not look like an adjective (`кожаная обувь`, `мука
    /// пшеничная`, `счетчик электроэнергии`); in English, the last word (`electric kettle`,
    /// `dog food`). A phrase of adjectives only has no head.
    pub(crate) fn query_terms(&self, text: &str, max_words: usize) -> (Vec<String>, Option<usize>) {
        let mut terms = Vec::new();
        let mut negation = Negation::default();
        let mut phrase_over = false;
        let (mut russian_head, mut english_head) = (None, None);
        tokens(text, |token, after_break| {
            if terms.len() >= max_words {
                return;
            }
            let role = role(token);
            // A preposition or a comma ends the head phrase, unless nothing came before it.
            phrase_over |= (after_break || role.ends_head) && !terms.is_empty();
            let Some(negated) = negation.feed(role, after_break) else {
                return;
            };
            let Some(term) = self.term(token) else {
                return;
            };
            // Units and the like (`см3`, `80`) name no goods.
            if !phrase_over && !negated && token.chars().all(char::is_alphabetic) {
                if token.chars().any(is_cyrillic) {
                    if russian_head.is_none() && !looks_like_an_adjective(token) {
                        russian_head = Some(terms.len());
                    }
                } else {
                    english_head = Some(terms.len());
                }
            }
            terms.push(if negated {
                format!("{NEGATED}{term}")
            } else {
                term
            });
        });
        (terms, russian_head.or(english_head))
    }
}

/// Whether a normalised Russian word has the ending of an adjective or participle, in the
/// nominative (`детские`, `легковой`, `кожаная`, `сливочное`, `свежий`) or the common oblique
/// cases (`легковых`, `кожаную`, `мясного`), less the nouns that share an ending: `-ние`,
/// `-тие`, … (`покрытие`, `изделие`) and `-ий` after other letters (`алюминий`, `калий`).
fn looks_like_an_adjective(word: &str) -> bool {
    const SOFT_STEM_ENDS: [char; 8] = ['к', 'г', 'х', 'ж', 'ш', 'щ', 'ч', 'н'];
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    if n < 4 {
        return false;
    }
    let before = chars[n - 3];
    match (chars[n - 2], chars[n - 1]) {
        ('ы', 'й')
        | ('о', 'й')
        | ('а', 'я')
        | ('я', 'я')
        | ('о', 'е')
        | ('е', 'е')
        | ('ы', 'е') => true,
        ('ы', 'х') | ('у', 'ю') | ('ю', 'ю') => true,
        ('г', 'о') => matches!(before, 'о' | 'е'),
        ('и', 'х') => SOFT_STEM_ENDS.contains(&before),
        // `детские`, `свежие`, `летние`, but not `удобрение`, `покрытие`, `изделие`.
        ('и', 'е') => {
            SOFT_STEM_ENDS.contains(&before) && !word.ends_with("ение") && !word.ends_with("ание")
        }
        // `детский`, `свежий`, `зимний`, but not `алюминий`, `калий`.
        ('и', 'й') => {
            SOFT_STEM_ENDS.contains(&before) && (before != 'н' || !is_vowel(chars[n - 4]))
        }
        _ => false,
    }
}

fn is_vowel(ch: char) -> bool {
    matches!(ch, 'а' | 'е' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я')
}

/// Splits `text` into normalised tokens and hands each to `sink`.
///
/// A token is a run of alphanumeric characters. Normalisation lower-cases, folds `ё` to `е`
/// and drops combining marks, except that a combining breve after `и` makes `й` (text pasted
/// from some PDFs carries `й` and `ё` decomposed). A lone letter joined by a hyphen to a word
/// joins it (`T-shirt` → `tshirt`).
///
/// The second argument to `sink` tells whether punctuation that ends a phrase (see
/// [`is_break`]) came between the previous token and this one.
pub(crate) fn tokens(text: &str, mut sink: impl FnMut(&str, bool)) {
    let bytes = text.as_bytes();
    let mut token = String::with_capacity(32);
    let mut after_break = false;
    let mut pos = 0;
    while let Some(&byte) = bytes.get(pos) {
        // Decoding by hand: ASCII and two-byte sequences (Cyrillic) are nearly all the text.
        let ch = if byte < 0x80 {
            pos += 1;
            char::from(byte)
        } else if byte & 0xe0 == 0xc0 && pos + 1 < bytes.len() {
            let code = u32::from(byte & 0x1f) << 6 | u32::from(bytes[pos + 1] & 0x3f);
            pos += 2;
            char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
        } else {
            let Some(ch) = text.get(pos..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            pos += ch.len_utf8();
            ch
        };
        if let Some(lower) = fast_lower(ch) {
            token.push(lower);
        } else if ch.is_alphanumeric() {
            for lower in ch.to_lowercase() {
                token.push(if lower == 'ё' { 'е' } else { lower });
            }
        } else if is_combining_mark(ch) {
            if ch == '\u{306}' && token.ends_with('и') {
                token.pop();
                token.push('й');
            }
        } else if ch == '-'
            && is_one_char(&token)
            && text
                .get(pos..)
                .and_then(|rest| rest.chars().next())
                .is_some_and(char::is_alphanumeric)
        {
            // `T-shirts`, `X-ray`: one word, not a dropped lone letter and another word.
        } else {
            if !token.is_empty() {
                emit(&mut token, after_break, &mut sink);
                after_break = false;
            }
            after_break |= is_break(ch);
        }
    }
    if !token.is_empty() {
        emit(&mut token, after_break, &mut sink);
    }
}

/// The normalised form of an ASCII alphanumeric or a basic Russian letter, without the
/// Unicode tables (most of the text is one or the other); `None` for anything else.
fn fast_lower(ch: char) -> Option<char> {
    match ch {
        'a'..='z' | '0'..='9' | 'а'..='я' => Some(ch),
        'A'..='Z' => Some(ch.to_ascii_lowercase()),
        // А..Я and а..я are 32 code points apart.
        'А'..='Я' => char::from_u32(ch as u32 + 32),
        'ё' | 'Ё' => Some('е'),
        _ => None,
    }
}

/// Punctuation that ends a phrase, and with it the scope of a negation.
fn is_break(ch: char) -> bool {
    matches!(
        ch,
        ',' | ';' | ':' | '(' | ')' | '[' | ']' | '.' | '!' | '?' | '/' | '\n'
    )
}

/// Prefix of a negated term: `без кофеина` is indexed as `~кофеин`, so that `кофе без
/// кофеина` finds decaffeinated coffee and `roasted coffee` does not find `not roasted`.
/// No stem contains it, since tokens are alphanumeric.
pub(crate) const NEGATED: char = '~';

/// Tracks negation over a token stream: a negator (`не`, `без`, `кроме`, `not`, `without`,
/// `other than`, …) negates the words after it up to the next phrase break; `non` negates
/// only the next word. `whether or not` negates nothing. The words after `кроме`/`except`
/// name other goods; negating them keeps `Автомобили … (кроме … товарной позиции 8702)` from
/// matching the excluded goods.
#[derive(Debug, Default)]
pub(crate) struct Negation {
    negated: bool,
    /// The negation ends after the next word (`non-alcoholic beverages`).
    one_word: bool,
    /// How much of `whether or` came just before.
    whether_or: u8,
}

impl Negation {
    /// Feeds one token (as from [`tokens`], with its [`role`]). `None` for a negator, which
    /// is consumed; otherwise whether the token is negated.
    pub(crate) fn feed(&mut self, role: Role, after_break: bool) -> Option<bool> {
        if after_break {
            self.negated = false;
            self.whether_or = 0;
        }
        let whether_or = self.whether_or;
        self.whether_or = match role.negation {
            NegationRole::Whether => 1,
            NegationRole::Or if whether_or == 1 => 2,
            _ => 0,
        };
        match role.negation {
            NegationRole::Not if whether_or == 2 => return None,
            NegationRole::Not | NegationRole::Negator => {
                self.negated = true;
                self.one_word = false;
                return None;
            }
            NegationRole::NegatorOfOneWord => {
                self.negated = true;
                self.one_word = true;
                return None;
            }
            NegationRole::Plain | NegationRole::Whether | NegationRole::Or => {}
        }
        let negated = self.negated;
        if self.one_word {
            self.negated = false;
            self.one_word = false;
        }
        Some(negated)
    }
}

/// See [`Negation`]. All are stop words as well.
static NEGATORS: WordList =
    WordList::new("без исключением кроме не нет except excluding not than without");

/// What a token does to the structure of a phrase, besides naming something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Role {
    /// It ends the head of a phrase (see [`HEAD_ENDERS`]).
    pub(crate) ends_head: bool,
    negation: NegationRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NegationRole {
    Plain,
    Whether,
    Or,
    Not,
    Negator,
    /// `non`.
    NegatorOfOneWord,
}

/// The [`Role`] of a normalised token. Indexing computes it once per distinct token.
pub(crate) fn role(token: &str) -> Role {
    let negation = match token {
        "whether" => NegationRole::Whether,
        "or" => NegationRole::Or,
        "not" => NegationRole::Not,
        "non" => NegationRole::NegatorOfOneWord,
        _ if NEGATORS.contains(token) => NegationRole::Negator,
        _ => NegationRole::Plain,
    };
    Role {
        ends_head: HEAD_ENDERS.contains(token),
        negation,
    }
}

fn is_one_char(token: &str) -> bool {
    let mut chars = token.chars();
    chars.next().is_some() && chars.next().is_none()
}

fn emit(token: &mut String, after_break: bool, sink: &mut impl FnMut(&str, bool)) {
    if token.len() > MAX_TOKEN_BYTES {
        let mut cut = MAX_TOKEN_BYTES;
        while !token.is_char_boundary(cut) {
            cut -= 1;
        }
        token.truncate(cut);
    }
    sink(token, after_break);
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
static STOP_WORDS: WordList = WordList::new(
    "
    а без бы в во все всех да для до его ее если же за и из или им их исключением к как ко
    кроме ли либо на над не нет ни них но о об от по под при с со так также то том у чем что
    это этих этого
    a an and are as at be by except excluding for from in into is it its non nor not of on or
    than that the their this to whether with without
    ",
);

/// Words after which a phrase of the nomenclature goes on to qualify the goods rather than
/// name them: prepositions, and the words introducing inclusions and exclusions. Tested on
/// normalised tokens.
static HEAD_ENDERS: WordList = WordList::new(
    "
    без в во для до за из исключением к ко кроме включая на над о об от по под при с со через
    by containing except excluding for from in including into not of on other than to whether
    with without
    ",
);

/// A fixed list of words, written as one whitespace-separated string for readability and
/// hashed on first use (it is consulted for every token analysed).
struct WordList {
    words: &'static str,
    set: OnceLock<FastSet<&'static str>>,
}

impl WordList {
    const fn new(words: &'static str) -> WordList {
        WordList {
            words,
            set: OnceLock::new(),
        }
    }

    fn contains(&self, token: &str) -> bool {
        self.set
            .get_or_init(|| self.words.split_whitespace().collect())
            .contains(token)
    }
}

fn is_stop_word(token: &str) -> bool {
    STOP_WORDS.contains(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut res = Vec::new();
        Analyzer::new().terms(text, |term| res.push(term));
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
            terms("более 1000 см3; 80 об.%"),
            ["бол", "1000", "см3", "80"]
        );
    }

    #[test]
    fn negation_lasts_to_the_phrase_break() {
        assert_eq!(
            terms("кофе без кофеина, жареный"),
            ["коф", "~кофеин", "жарен"]
        );
        let coffee = terms("Coffee; not roasted or decaffeinated");
        assert_eq!(coffee, ["coffe", "~roast", "~decaffein"]);
        assert_eq!(terms("whether or not roasted"), ["roast"]);
        assert_eq!(terms("Non-alcoholic beverages"), ["~alcohol", "beverag"]);
        assert_eq!(
            terms("other than cotton; sugar"),
            ["other", "~cotton", "sugar"]
        );
    }

    fn head(query: &str) -> Option<String> {
        let (terms, head) = Analyzer::new().query_terms(query, 12);
        head.map(|idx| terms[idx].clone())
    }

    #[test]
    fn query_head_noun() {
        assert_eq!(head("детские игрушки").as_deref(), Some("игрушк"));
        assert_eq!(
            head("шины для легковых автомобилей").as_deref(),
            Some("шин")
        );
        assert_eq!(head("мука пшеничная").as_deref(), Some("мук"));
        assert_eq!(head("свежий алюминий").as_deref(), Some("алюмин"));
        assert_eq!(head("изделие кожаное").as_deref(), Some("издел"));
        assert_eq!(head("зимние шины").as_deref(), Some("шин"));
        assert_eq!(
            head("new pneumatic tyres for buses").as_deref(),
            Some("tyre")
        );
        assert_eq!(head("dog food").as_deref(), Some("food"));
        assert_eq!(head("кофе без кофеина").as_deref(), Some("коф"));
        assert_eq!(
            head("для легковых автомобилей шины").as_deref(),
            Some("автомобил")
        );
        assert_eq!(head("легковой"), None);
        assert_eq!(head("кожаную мясного детских"), None);
        assert_eq!(head(""), None);
        assert_eq!(head("80 см3"), None);
        let (terms, _) = Analyzer::new().query_terms("кофе чай пиво", 2);
        assert_eq!(terms, ["коф", "ча"]);
    }

    #[test]
    fn lone_letter_joins_its_hyphenated_word() {
        assert_eq!(terms("T-shirts, X-ray"), ["tshirt", "xray"]);
        assert_eq!(terms("юбки-брюки"), ["юбк", "брюк"]);
        assert_eq!(terms("a- b"), Vec::<String>::new());
    }

    #[test]
    fn fast_lower_agrees_with_unicode() {
        for ch in ('\0'..='\u{500}').filter(|ch| fast_lower(*ch).is_some()) {
            let lower: String = ch.to_lowercase().collect();
            let expected = if lower == "ё" {
                "е".to_owned()
            } else {
                lower
            };
            assert_eq!(fast_lower(ch).map(String::from), Some(expected), "{ch:?}");
            assert!(ch.is_alphanumeric());
        }
    }

    #[test]
    fn huge_token_is_cut() {
        let huge = "я".repeat(10_000);
        let res = terms(&huge);
        assert_eq!(res.len(), 1);
        assert!(res[0].len() <= MAX_TOKEN_BYTES);
    }
}
