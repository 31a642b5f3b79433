//! Vocabulary of the customs union: the small value types every other crate speaks.
//!
//! Nothing here does I/O. Every type parses from text with a precise error and
//! displays back to the same text. Nothing here is serializable either: the shell writes these
//! types as their text, so that no core type becomes a wire format by accident.

use std::fmt;
use std::str::FromStr;

pub use rust_decimal::Decimal;
pub use time::Date;

/// A TN VED commodity code: 2 (chapter), 4 (heading), 6 (HS subheading), 8, 9 or 10 digits.
///
/// Stored without the printed spaces (`2201 10 110 0` is `2201101100`), so that
/// leading zeros survive (`0101210000`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommodityCode {
    digits: [u8; 10],
    len: u8,
}

/// What a text was expected to be, when it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    CommodityCode,
    /// 1 to 10 digits: a code or the beginning of one.
    CodePrefix,
    CountryCode,
    CurrencyCode,
    UnitCode,
    Date,
}

impl Expected {
    /// How messages name it: "a date YYYY-MM-DD".
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::CommodityCode => "a commodity code of 2, 4, 6, 8, 9 or 10 digits",
            Expected::CodePrefix => "1 to 10 digits of a commodity code",
            Expected::CountryCode => "an ISO 3166-1 alpha-2 country code such as DE",
            Expected::CurrencyCode => "an ISO 4217 currency code such as EUR",
            Expected::UnitCode => "a unit code such as kg, l, pcs or cm3_engine",
            Expected::Date => "a date YYYY-MM-DD",
        }
    }
}

/// A text that is not the commodity code, country, currency, unit or date it should be.
///
/// It says what was expected and what was given, so that a bad date is never reported as a
/// bad code: `expected a date YYYY-MM-DD, got "2021-13-01" (no such day)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    expected: Expected,
    text: String,
}

impl ParseError {
    pub fn new(expected: Expected, text: &str) -> Self {
        ParseError {
            expected,
            text: text.to_owned(),
        }
    }

    pub fn expected(&self) -> Expected {
        self.expected
    }

    /// The text as given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What was given, as a message goes on after naming what it expected (`expected a member
    /// state: got "ru" (codes are written in capitals: RU)`).
    pub fn given(&self) -> String {
        let text = &self.text;
        let hint = match self.expected {
            Expected::CountryCode | Expected::CurrencyCode
                if text.bytes().any(|b| b.is_ascii_lowercase())
                    && text.bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                format!(
                    " (codes are written in capitals: {})",
                    text.to_ascii_uppercase()
                )
            }
            Expected::Date if looks_like_iso_date(text) => " (no such day)".to_owned(),
            _ => String::new(),
        };
        format!("got {text:?}{hint}")
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, {}", self.expected.as_str(), self.given())
    }
}

impl std::error::Error for ParseError {}

/// `DDDD-DD-DD`: written as a date, so a refusal means the calendar has no such day.
fn looks_like_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

impl CommodityCode {
    /// The lengths at which the nomenclature prints a code.
    pub const LENGTHS: [usize; 6] = [2, 4, 6, 8, 9, 10];

    /// Parses a code, ignoring spaces and dots as printed in the tariff.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::parse_digits(text, Expected::CommodityCode).and_then(|code| {
            if Self::LENGTHS.contains(&code.len()) {
                Ok(code)
            } else {
                Err(ParseError::new(Expected::CommodityCode, text))
            }
        })
    }

    /// Parses 1 to 10 digits (spaces and dots ignored): a code or a prefix of one.
    pub fn parse_prefix(text: &str) -> Result<Self, ParseError> {
        Self::parse_digits(text, Expected::CodePrefix)
    }

    fn parse_digits(text: &str, expected: Expected) -> Result<Self, ParseError> {
        let malformed = || ParseError::new(expected, text);
        let mut digits = [0u8; 10];
        let mut len = 0usize;
        for ch in text.chars() {
            match ch {
                '0'..='9' => {
                    if len == 10 {
                        return Err(malformed());
                    }
                    digits[len] = ch as u8;
                    len += 1;
                }
                ' ' | '.' | '\u{a0}' => {}
                _ => return Err(malformed()),
            }
        }
        if len == 0 {
            return Err(malformed());
        }
        Ok(CommodityCode {
            digits,
            len: len as u8,
        })
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.digits[..self.len as usize]).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A full, declarable 10-digit code.
    pub fn is_full(&self) -> bool {
        self.len == 10
    }

    /// The first `len` digits, if the code has that many.
    pub fn truncate(&self, len: usize) -> Option<CommodityCode> {
        if len == 0 || len > self.len() {
            return None;
        }
        let mut digits = [0u8; 10];
        digits[..len].copy_from_slice(&self.digits[..len]);
        Some(CommodityCode {
            digits,
            len: len as u8,
        })
    }

    pub fn starts_with(&self, prefix: &CommodityCode) -> bool {
        self.as_str().starts_with(prefix.as_str())
    }

    pub fn chapter(&self) -> Option<CommodityCode> {
        self.truncate(2)
    }

    /// The code as the tariff prints it: `2201 10 110 0`.
    pub fn grouped(&self) -> String {
        let s = self.as_str();
        let mut out = String::with_capacity(13);
        for (i, ch) in s.chars().enumerate() {
            if i == 4 || i == 6 || i == 9 {
                out.push(' ');
            }
            out.push(ch);
        }
        out
    }

    /// The code as a number with its length: a dense key for maps.
    pub fn key(&self) -> u64 {
        let mut n = 0u64;
        for d in &self.digits[..self.len()] {
            n = n * 10 + u64::from(d - b'0');
        }
        n * 100 + u64::from(self.len)
    }
}

impl fmt::Display for CommodityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CommodityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CommodityCode({})", self.as_str())
    }
}

impl FromStr for CommodityCode {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

macro_rules! ascii_upper_code {
    ($(#[$doc:meta])* $name:ident, $n:literal, $expected:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; $n]);

        impl $name {
            /// Parses exactly the letters of the code, upper case.
            pub fn parse(text: &str) -> Result<Self, ParseError> {
                let bytes = text.as_bytes();
                if bytes.len() != $n || !bytes.iter().all(|b| b.is_ascii_uppercase()) {
                    return Err(ParseError::new($expected, text));
                }
                let mut code = [0u8; $n];
                code.copy_from_slice(bytes);
                Ok($name(code))
            }

            pub fn as_str(&self) -> &str {
                std::str::from_utf8(&self.0).unwrap_or_default()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

    };
}

ascii_upper_code!(
    /// An ISO 3166-1 alpha-2 country code (`DE`). Member states are countries too.
    CountryCode,
    2,
    Expected::CountryCode
);
ascii_upper_code!(
    /// An ISO 4217 alphabetic currency code (`EUR`).
    CurrencyCode,
    3,
    Expected::CurrencyCode
);

/// A unit of measure by its bundle code (`kg`, `l`, `pcs`, `pair`, `m2`, `cm3_engine`, …).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct UnitCode(String);

impl UnitCode {
    /// Unit codes are lower-case ASCII letters, digits and `_`, starting with a letter or digit.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let ok = !text.is_empty()
            && text.len() <= 32
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(UnitCode(text.to_owned()))
        } else {
            Err(ParseError::new(Expected::UnitCode, text))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The period during which a fact is in force, both ends inclusive; `to = None` is open-ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct Validity {
    pub from: Date,
    pub to: Option<Date>,
}

impl Validity {
    pub fn new(from: Date, to: Option<Date>) -> Self {
        Validity { from, to }
    }

    pub fn contains(&self, date: Date) -> bool {
        date >= self.from && self.to.is_none_or(|to| date <= to)
    }

    pub fn overlaps(&self, other: &Validity) -> bool {
        let self_ends_before = self.to.is_some_and(|to| to < other.from);
        let other_ends_before = other.to.is_some_and(|to| to < self.from);
        !self_ends_before && !other_ends_before
    }

    /// The part of `self` that lies within `outer`, if any.
    pub fn clamp_to(&self, outer: &Validity) -> Option<Validity> {
        let from = self.from.max(outer.from);
        let to = match (self.to, outer.to) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (Some(a), None) => Some(a),
            (None, b) => b,
        };
        if to.is_some_and(|to| to < from) {
            None
        } else {
            Some(Validity { from, to })
        }
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to {
            Some(to) => write!(f, "{} .. {}", format_date(self.from), format_date(to)),
            None => write!(f, "{} .. (open)", format_date(self.from)),
        }
    }
}

const ISO_DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Parses an ISO `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Result<Date, ParseError> {
    Date::parse(text, ISO_DATE).map_err(|_| ParseError::new(Expected::Date, text))
}

/// Formats a date as ISO `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    date.format(ISO_DATE).unwrap_or_default()
}

/// A plain decimal as people write amounts: digits, optionally a `.` and at least one more
/// digit, with at most `max_places` of them. No sign, no exponent, no `1.` or `.5`, no
/// spaces: a money field that reads anything else is refused, not guessed.
pub fn plain_decimal(text: &str, max_places: u32) -> Result<Decimal, String> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        if let Some(magnitude) = text.strip_prefix('-')
            && plain_decimal(magnitude, max_places).is_ok()
        {
            return Err(format!("{text} is not greater than zero"));
        }
        return Err(format!(
            "{text:?} is not a decimal number as amounts are written (digits, optionally a . \
             and decimals: no sign, exponent or spaces)"
        ));
    }
    let places = fraction.map_or(0, str::len);
    if places > max_places as usize {
        return Err(format!(
            "{text} has {places} decimals; at most {max_places} are allowed"
        ));
    }
    Decimal::from_str(text).map_err(|_| format!("{text} is too large a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_are_digits_with_few_enough_places() {
        assert_eq!(plain_decimal("9000.00", 2), Ok(Decimal::new(900000, 2)));
        assert_eq!(plain_decimal("9000", 2), Ok(Decimal::from(9000)));
        for bad in [
            "+9000", "-1", "1.", ".5", "1e-28", "1 000", "", "0x10", "9000.001",
        ] {
            assert!(plain_decimal(bad, 2).is_err(), "{bad}");
        }
        assert!(plain_decimal("99999999999999999999999999999999", 2).is_err());
    }

    #[test]
    fn code_parses_printed_form_and_keeps_leading_zeros() {
        let code = CommodityCode::parse("0101 21 000 0").unwrap();
        assert_eq!(code.as_str(), "0101210000");
        assert_eq!(code.grouped(), "0101 21 000 0");
        assert!(code.is_full());
        assert_eq!(code.truncate(4).unwrap().as_str(), "0101");
    }

    #[test]
    fn code_rejects_letters_and_odd_lengths() {
        assert!(CommodityCode::parse("22O1").is_err());
        assert!(CommodityCode::parse("220").is_err());
        assert!(CommodityCode::parse("22011011000").is_err());
        assert!(CommodityCode::parse("").is_err());
        assert!(CommodityCode::parse_prefix("220").is_ok());
    }

    #[test]
    fn codes_sort_like_their_digit_strings_so_a_prefix_comes_first() {
        let texts = [
            "2202910000",
            "22",
            "2202",
            "220291",
            "0101210000",
            "2201",
            "22029",
            "2203000100",
        ];
        let mut codes: Vec<CommodityCode> = texts
            .iter()
            .map(|t| CommodityCode::parse_prefix(t).unwrap())
            .collect();
        codes.sort();
        let mut sorted_texts = texts.to_vec();
        sorted_texts.sort();
        let back: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
        assert_eq!(back, sorted_texts);
    }

    #[test]
    fn validity_edges_are_inclusive() {
        let v = Validity::new(
            parse_date("2017-01-22").unwrap(),
            Some(parse_date("2021-12-31").unwrap()),
        );
        assert!(v.contains(parse_date("2017-01-22").unwrap()));
        assert!(v.contains(parse_date("2021-12-31").unwrap()));
        assert!(!v.contains(parse_date("2017-01-21").unwrap()));
        assert!(!v.contains(parse_date("2022-01-01").unwrap()));
        let w = Validity::new(parse_date("2021-12-31").unwrap(), None);
        assert!(v.overlaps(&w));
        let x = Validity::new(parse_date("2022-01-01").unwrap(), None);
        assert!(!v.overlaps(&x));
    }

    #[test]
    fn each_refusal_names_what_was_expected_and_what_came() {
        for (error, message) in [
            (
                parse_date("2021-13-01").unwrap_err(),
                r#"expected a date YYYY-MM-DD, got "2021-13-01" (no such day)"#,
            ),
            (
                parse_date("01.02.2021").unwrap_err(),
                r#"expected a date YYYY-MM-DD, got "01.02.2021""#,
            ),
            (
                CountryCode::parse("de").unwrap_err(),
                r#"expected an ISO 3166-1 alpha-2 country code such as DE, got "de" (codes are written in capitals: DE)"#,
            ),
            (
                CurrencyCode::parse("EURO").unwrap_err(),
                r#"expected an ISO 4217 currency code such as EUR, got "EURO""#,
            ),
            (
                UnitCode::parse("Kg").unwrap_err(),
                r#"expected a unit code such as kg, l, pcs or cm3_engine, got "Kg""#,
            ),
            (
                CommodityCode::parse("220").unwrap_err(),
                r#"expected a commodity code of 2, 4, 6, 8, 9 or 10 digits, got "220""#,
            ),
            (
                CommodityCode::parse_prefix("22x").unwrap_err(),
                r#"expected 1 to 10 digits of a commodity code, got "22x""#,
            ),
        ] {
            assert_eq!(error.to_string(), message);
        }
        let error = CountryCode::parse("ru").unwrap_err();
        assert_eq!(error.expected(), Expected::CountryCode);
        assert_eq!(
            error.given(),
            r#"got "ru" (codes are written in capitals: RU)"#
        );
    }

    #[test]
    fn country_and_currency_codes_are_strict() {
        assert!(CountryCode::parse("DE").is_ok());
        assert!(CountryCode::parse("de").is_err());
        assert!(CountryCode::parse("DEU").is_err());
        assert!(CurrencyCode::parse("EUR").is_ok());
        assert!(CurrencyCode::parse("EU").is_err());
    }
}
