//! The goods declaration (ДТ) as tools send it: JSON, read strictly, with every problem reported
//! at its JSON path (`items[1].quantities.l`). The format is specified in `docs/declaration.md`.

use serde_json::{Map, Value};
use tamga_core::{CommodityCode, CountryCode, CurrencyCode, Date, Decimal, UnitCode, parse_date};
use tamga_tariff::TariffSnapshot;

/// A problem with a declaration: where it is and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The JSON path: `items[0].customs_value`, or `$` for the document.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem of a declaration that cannot be assessed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "the declaration has {} problem(s):", self.0.len())?;
        for error in &self.0 {
            writeln!(f, "  {error}")?;
        }
        Ok(())
    }
}

/// The person who lodges the declaration (box 14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declarant {
    pub name: String,
    /// Taxpayer identification number.
    pub tin: String,
}

/// A document presented for an item (box 44): certificate of origin, licence, invoice…
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub code: String,
    pub number: String,
    pub date: Option<Date>,
}

/// A tariff preference claimed for an item (box 36, duty part).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreferenceClaim {
    /// No preference: the full rate.
    None,
    /// The preference of the origin's group (developing, least developed), proved by a
    /// certificate of origin.
    Origin,
}

/// Which VAT rate an item bears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VatRateKind {
    Standard,
    Reduced,
    /// Exempt from import VAT (the legal ground goes in the item's documents).
    Exempt,
}

impl VatRateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VatRateKind::Standard => "standard",
            VatRateKind::Reduced => "reduced",
            VatRateKind::Exempt => "exempt",
        }
    }
}

/// One goods item (boxes 31–47).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodsItem {
    /// Its position in the declaration's `items`, from 0: the place its problems are reported at.
    pub index: usize,
    /// Box 33.
    pub code: CommodityCode,
    /// Box 31.
    pub description: String,
    /// Box 34.
    pub origin: CountryCode,
    /// Box 45, in the declaration's currency.
    pub customs_value: Decimal,
    /// Box 38.
    pub net_mass_kg: Option<Decimal>,
    /// Box 35.
    pub gross_mass_kg: Option<Decimal>,
    /// Box 41 and any other quantity a rate needs, by unit code.
    pub quantities: Vec<(UnitCode, Decimal)>,
    pub preference: PreferenceClaim,
    /// The importer holds an allocation of a tariff quota for this item.
    pub in_quota: bool,
    pub vat_rate: VatRateKind,
    pub documents: Vec<Document>,
}

impl GoodsItem {
    /// The quantity declared in `unit`; net mass serves as `kg` when `kg` is not given.
    pub fn quantity(&self, unit: &UnitCode) -> Option<Decimal> {
        self.quantities
            .iter()
            .find(|(u, _)| u == unit)
            .map(|(_, q)| *q)
            .or_else(|| {
                (unit.as_str() == "kg")
                    .then_some(self.net_mass_kg)
                    .flatten()
            })
    }
}

/// A goods declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// The member state where it is lodged.
    pub state: CountryCode,
    /// Box 1 and 37: direction and procedure, e.g. `IM40`.
    pub procedure: String,
    pub customs_office: String,
    /// The day whose tariff, VAT, fees and exchange rates apply.
    pub registration_date: Date,
    /// The currency of the items' customs values.
    pub currency: CurrencyCode,
    /// Box 23: national currency per 1 unit of each currency.
    pub exchange_rates: Vec<(CurrencyCode, Decimal)>,
    pub declarant: Declarant,
    pub items: Vec<GoodsItem>,
}

/// Limits on what one declaration may hold.
pub const MAX_ITEMS: usize = 999;

/// Reads a declaration from JSON text; malformed JSON is reported with its line and column.
pub fn parse_declaration(text: &str) -> Result<Declaration, ValidationErrors> {
    complete(read_partial(text, None))
}

/// A declaration read without any problem, or every problem.
fn complete(
    read: (Option<Declaration>, Vec<ValidationError>),
) -> Result<Declaration, ValidationErrors> {
    match read {
        (Some(declaration), errors) if errors.is_empty() => Ok(declaration),
        (_, errors) => Err(ValidationErrors(errors)),
    }
}

/// Reads what can be read: the declaration with the items that have no problem (each keeps
/// its position in `index`), or `None` when its own fields are unreadable; and every problem.
pub(crate) fn read_partial(
    text: &str,
    known: Option<&TariffSnapshot>,
) -> (Option<Declaration>, Vec<ValidationError>) {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) => {
            return (
                None,
                vec![ValidationError {
                    path: "$".into(),
                    message: format!(
                        "malformed JSON at line {} column {}: {err}",
                        err.line(),
                        err.column()
                    ),
                }],
            );
        }
    };
    read_value(&value, known)
}

/// Reads a declaration from a parsed JSON value, reporting every problem with its path.
pub fn declaration_from_value(
    value: &Value,
    known: Option<&TariffSnapshot>,
) -> Result<Declaration, ValidationErrors> {
    complete(read_value(value, known))
}

fn read_value(
    value: &Value,
    known: Option<&TariffSnapshot>,
) -> (Option<Declaration>, Vec<ValidationError>) {
    let mut errors = Vec::new();
    let Some(object) = value.as_object() else {
        return (
            None,
            vec![ValidationError {
                path: "$".into(),
                message: "expected a JSON object (the declaration)".into(),
            }],
        );
    };
    let mut r = Reader {
        errors: &mut errors,
        known,
        money_places: 2,
    };
    r.unknown_fields(object, "", DECLARATION_FIELDS);
    let head = r.head(object);
    let exchange_rates = r.exchange_rates(object.get("exchange_rates"));
    let declarant = r.declarant(object.get("declarant"));
    let items = r.items(object.get("items"));
    let declaration = match (head, declarant, items) {
        (Some(head), Some(declarant), Some(items)) => Some(Declaration {
            state: head.state,
            procedure: head.procedure,
            customs_office: head.customs_office,
            registration_date: head.registration_date,
            currency: head.currency,
            exchange_rates,
            declarant,
            items,
        }),
        _ => None,
    };
    (declaration, errors)
}

const DECLARATION_FIELDS: &[&str] = &[
    "state",
    "procedure",
    "customs_office",
    "registration_date",
    "currency",
    "exchange_rates",
    "declarant",
    "items",
];

const ITEM_FIELDS: &[&str] = &[
    "code",
    "description",
    "origin",
    "customs_value",
    "net_mass_kg",
    "gross_mass_kg",
    "quantities",
    "preference",
    "in_quota",
    "vat_rate",
    "documents",
];

/// The declaration's own fields (its general part): where, under which procedure, on which day,
/// in which currency.
struct Head {
    state: CountryCode,
    procedure: String,
    customs_office: String,
    registration_date: Date,
    currency: CurrencyCode,
}

struct Reader<'e> {
    errors: &'e mut Vec<ValidationError>,
    known: Option<&'e TariffSnapshot>,
    /// The decimals an amount in the declaration's currency may have (its ISO 4217 minor unit;
    /// two until the currency is known).
    money_places: u32,
}

fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

impl Reader<'_> {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ValidationError {
            path: path.into(),
            message: message.into(),
        });
    }

    /// The customs office must be one of the declaring state's: the code length and prefix
    /// the bundle gives the state (a KZ declaration cannot draw on a Russian office's numbers).
    fn office_of_state(&mut self, snapshot: &TariffSnapshot, state: CountryCode, office: &str) {
        let Some(member) = snapshot.member_states.iter().find(|m| m.state == state) else {
            return;
        };
        let length = usize::from(member.customs_office_code_length);
        if office.len() != length || !office.starts_with(&member.customs_office_prefix) {
            let prefix = if member.customs_office_prefix.is_empty() {
                String::new()
            } else {
                format!(" beginning with {}", member.customs_office_prefix)
            };
            self.error(
                "customs_office",
                format!(
                    "expected a customs office of {state}: a code of {length} digits{prefix}, \
                     got {office:?}"
                ),
            );
        }
    }

    fn head(&mut self, object: &Map<String, Value>) -> Option<Head> {
        let what = "a member state (ISO 3166-1 alpha-2, e.g. RU)";
        let state = self.required(object, "", "state", what, |s| {
            CountryCode::parse(s).map_err(|e| e.given())
        });
        let what = "a procedure such as IM40";
        let procedure = self.required(object, "", "procedure", what, procedure_code);
        let what = "a customs office code of digits";
        let customs_office = self.required(object, "", "customs_office", what, office_code);
        if let (Some(state), Some(office), Some(snapshot)) =
            (state, customs_office.as_deref(), self.known)
        {
            self.office_of_state(snapshot, state, office);
        }
        let registration_date =
            self.required(object, "", "registration_date", "a date YYYY-MM-DD", |s| {
                parse_date(s).map_err(|e| e.given())
            });
        let currency = self.currency(object);
        Some(Head {
            state: state?,
            procedure: procedure?,
            customs_office: customs_office?,
            registration_date: registration_date?,
            currency: currency?,
        })
    }

    /// The currency of the customs values: a code of the bundle, whose minor unit then bounds
    /// the decimals of every amount.
    fn currency(&mut self, object: &Map<String, Value>) -> Option<CurrencyCode> {
        let known = self.known;
        let what = "an ISO 4217 currency code";
        let currency = self.required(object, "", "currency", what, |s| {
            let code = CurrencyCode::parse(s).map_err(|e| e.given())?;
            match known {
                Some(k) if !k.currencies.contains_key(&code) => {
                    Err(format!("unknown currency {code}"))
                }
                _ => Ok(code),
            }
        });
        if let (Some(code), Some(snapshot)) = (currency, known)
            && let Some(places) = snapshot.currencies.get(&code).and_then(|c| c.minor_unit)
        {
            self.money_places = u32::from(places);
        }
        currency
    }

    fn unknown_fields(&mut self, object: &Map<String, Value>, prefix: &str, known: &[&str]) {
        for key in object.keys() {
            if !known.contains(&key.as_str()) {
                self.error(
                    join(prefix, key),
                    format!("unknown field; expected one of {}", known.join(", ")),
                );
            }
        }
    }

    /// A string field parsed by `parse`; absent, not a string or unparsable is an error.
    fn required<T>(
        &mut self,
        object: &Map<String, Value>,
        prefix: &str,
        field: &str,
        what: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let path = join(prefix, field);
        match object.get(field) {
            None | Some(Value::Null) => {
                self.error(path, format!("missing; expected {what}"));
                None
            }
            Some(value) => self.parse_value(value, path, what, parse),
        }
    }

    fn optional<T>(
        &mut self,
        object: &Map<String, Value>,
        prefix: &str,
        field: &str,
        what: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match object.get(field) {
            None | Some(Value::Null) => Some(None),
            Some(value) => self
                .parse_value(value, join(prefix, field), what, parse)
                .map(Some),
        }
    }

    fn parse_value<T>(
        &mut self,
        value: &Value,
        path: String,
        what: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        // Numbers are read from their exact text (serde_json keeps it), never through a float.
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => {
                self.error(path, format!("expected {what}, got {}", kind_of(other)));
                return None;
            }
        };
        match parse(text.trim()) {
            Ok(v) => Some(v),
            Err(err) => {
                self.error(path, format!("expected {what}: {err}"));
                None
            }
        }
    }

    fn exchange_rates(&mut self, value: Option<&Value>) -> Vec<(CurrencyCode, Decimal)> {
        let mut rates = Vec::new();
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return rates;
        };
        let Some(object) = value.as_object() else {
            self.error(
                "exchange_rates",
                format!(
                    "expected an object such as {{\"USD\": \"74.0000\"}}, got {}",
                    kind_of(value)
                ),
            );
            return rates;
        };
        for (key, rate) in object {
            let path = format!("exchange_rates.{key}");
            let currency = match CurrencyCode::parse(key) {
                Ok(currency) => currency,
                Err(e) => {
                    let message = format!(
                        "expected an ISO 4217 currency code as the key: {}",
                        e.given()
                    );
                    self.error(path, message);
                    continue;
                }
            };
            if self
                .known
                .is_some_and(|k| !k.currencies.contains_key(&currency))
            {
                self.error(path, format!("unknown currency {currency}"));
                continue;
            }
            if let Some(rate) = self.parse_value(
                rate,
                path,
                "a positive rate in national currency per 1 unit, at most 1000000",
                |s| bounded_decimal(s, MAX_PLACES, MAX_EXCHANGE_RATE),
            ) {
                rates.push((currency, rate));
            }
        }
        rates
    }

    fn declarant(&mut self, value: Option<&Value>) -> Option<Declarant> {
        let Some(object) = value.and_then(Value::as_object) else {
            self.error("declarant", "missing; expected an object with name and tin");
            return None;
        };
        self.unknown_fields(object, "declarant", &["name", "tin"]);
        let name = self.required(
            object,
            "declarant",
            "name",
            "the declarant's name",
            non_empty,
        );
        let tin = self.required(
            object,
            "declarant",
            "tin",
            "a taxpayer number of 5 to 20 digits",
            |s| {
                if (5..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(s.to_owned())
                } else {
                    Err(format!("got {s:?}"))
                }
            },
        );
        Some(Declarant {
            name: name?,
            tin: tin?,
        })
    }

    fn items(&mut self, value: Option<&Value>) -> Option<Vec<GoodsItem>> {
        let Some(list) = value.and_then(Value::as_array) else {
            self.error("items", "missing; expected an array of goods items");
            return None;
        };
        if list.is_empty() {
            self.error("items", "expected at least one goods item");
            return None;
        }
        if list.len() > MAX_ITEMS {
            self.error(
                "items",
                format!(
                    "expected at most {MAX_ITEMS} goods items, got {}",
                    list.len()
                ),
            );
            return None;
        }
        // The items that could be read; the others' problems are already reported.
        Some(
            list.iter()
                .enumerate()
                .filter_map(|(i, item)| self.item(i, item))
                .collect(),
        )
    }

    fn item(&mut self, index: usize, value: &Value) -> Option<GoodsItem> {
        let prefix = format!("items[{index}]");
        let Some(object) = value.as_object() else {
            self.error(
                prefix,
                format!("expected a goods item object, got {}", kind_of(value)),
            );
            return None;
        };
        self.unknown_fields(object, &prefix, ITEM_FIELDS);
        let what = "a 10-digit commodity code";
        let code = self.required(object, &prefix, "code", what, declared_code);
        let what = "a description of the goods";
        let description = self.required(object, &prefix, "description", what, non_empty);
        let origin = self.origin(object, &prefix);
        let places = self.money_places;
        let what = format!(
            "a positive amount with at most {places} decimals (the currency's), such as \"9000.00\""
        );
        let customs_value = self.required(object, &prefix, "customs_value", &what, |s| {
            bounded_decimal(s, places, MAX_AMOUNT)
        });
        let what = "a positive decimal mass in kg";
        let net_mass_kg = self.optional(object, &prefix, "net_mass_kg", what, positive_decimal);
        let gross_mass_kg = self.optional(object, &prefix, "gross_mass_kg", what, positive_decimal);
        let quantities = self.quantities(object.get("quantities"), &prefix);
        let what = "\"none\" or \"origin\"";
        let preference = self.optional(object, &prefix, "preference", what, preference_claim);
        let in_quota = self.in_quota(object.get("in_quota"), &prefix);
        let what = "\"standard\", \"reduced\" or \"exempt\"";
        let vat_rate = self.optional(object, &prefix, "vat_rate", what, vat_rate_kind);
        let documents = self.documents(object.get("documents"), &prefix);
        Some(GoodsItem {
            index,
            code: code?,
            description: description?,
            origin: origin?,
            customs_value: customs_value?,
            net_mass_kg: net_mass_kg?,
            gross_mass_kg: gross_mass_kg?,
            quantities: quantities?,
            preference: preference?.unwrap_or(PreferenceClaim::None),
            in_quota: in_quota?,
            vat_rate: vat_rate?.unwrap_or(VatRateKind::Standard),
            documents: documents?,
        })
    }

    /// Box 34: a country of the bundle's code list.
    fn origin(&mut self, object: &Map<String, Value>, prefix: &str) -> Option<CountryCode> {
        let known = self.known;
        let what = "a country of origin (ISO 3166-1 alpha-2)";
        self.required(object, prefix, "origin", what, |s| {
            let code = CountryCode::parse(s).map_err(|e| e.given())?;
            match known {
                Some(k) if !k.countries.contains_key(&code) => {
                    Err(format!("unknown country {code}"))
                }
                _ => Ok(code),
            }
        })
    }

    /// Absent or null is no claim.
    fn in_quota(&mut self, value: Option<&Value>, prefix: &str) -> Option<bool> {
        match value {
            None | Some(Value::Null) => Some(false),
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                self.error(
                    join(prefix, "in_quota"),
                    format!("expected true or false, got {}", kind_of(other)),
                );
                None
            }
        }
    }

    fn quantities(
        &mut self,
        value: Option<&Value>,
        prefix: &str,
    ) -> Option<Vec<(UnitCode, Decimal)>> {
        let path = join(prefix, "quantities");
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return Some(Vec::new());
        };
        let Some(object) = value.as_object() else {
            self.error(
                path,
                format!(
                    "expected an object such as {{\"l\": \"10000\"}}, got {}",
                    kind_of(value)
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (key, quantity) in object {
            let item_path = format!("{path}.{key}");
            let unit = match UnitCode::parse(key) {
                Ok(unit) => unit,
                Err(e) => {
                    let message = format!(
                        "expected a unit code such as kg, l, pcs as the key: {}",
                        e.given()
                    );
                    self.error(item_path, message);
                    ok = false;
                    continue;
                }
            };
            match self.parse_value(
                quantity,
                item_path,
                "a positive decimal quantity",
                positive_decimal,
            ) {
                Some(q) => out.push((unit, q)),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn documents(&mut self, value: Option<&Value>, prefix: &str) -> Option<Vec<Document>> {
        let path = join(prefix, "documents");
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return Some(Vec::new());
        };
        let Some(list) = value.as_array() else {
            self.error(
                path,
                format!("expected an array of documents, got {}", kind_of(value)),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, doc) in list.iter().enumerate() {
            let doc_path = format!("{path}[{i}]");
            let Some(object) = doc.as_object() else {
                self.error(doc_path, "expected a document object with code and number");
                ok = false;
                continue;
            };
            self.unknown_fields(object, &doc_path, &["code", "number", "date"]);
            let code = self.required(object, &doc_path, "code", "a document kind code", non_empty);
            let number = self.required(
                object,
                &doc_path,
                "number",
                "the document's number",
                non_empty,
            );
            let date = self.optional(object, &doc_path, "date", "a date YYYY-MM-DD", |s| {
                parse_date(s).map_err(|e| e.given())
            });
            match (code, number, date) {
                (Some(code), Some(number), Some(date)) => out.push(Document { code, number, date }),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }
}

/// Boxes 1 and 37 together: two capital letters of direction and two digits of procedure.
fn procedure_code(s: &str) -> Result<String, String> {
    // Bytes, not string slices: a multi-byte character must not split the check.
    let bytes = s.as_bytes();
    let ok = bytes.len() == 4
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..].iter().all(u8::is_ascii_digit);
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!("got {s:?}"))
    }
}

fn office_code(s: &str) -> Result<String, String> {
    if !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(format!("got {s:?}"))
    }
}

/// Box 33: a full 10-digit code (a heading or subheading is not declarable).
fn declared_code(s: &str) -> Result<CommodityCode, String> {
    let code = CommodityCode::parse(s).map_err(|e| e.given())?;
    if code.is_full() {
        Ok(code)
    } else {
        Err(format!(
            "{code} has {} digits, a declared code has 10",
            code.len()
        ))
    }
}

fn preference_claim(s: &str) -> Result<PreferenceClaim, String> {
    match s {
        "none" => Ok(PreferenceClaim::None),
        "origin" => Ok(PreferenceClaim::Origin),
        other => Err(format!("got {other:?}")),
    }
}

fn vat_rate_kind(s: &str) -> Result<VatRateKind, String> {
    match s {
        "standard" => Ok(VatRateKind::Standard),
        "reduced" => Ok(VatRateKind::Reduced),
        "exempt" => Ok(VatRateKind::Exempt),
        other => Err(format!("got {other:?}")),
    }
}

fn non_empty(s: &str) -> Result<String, String> {
    if s.is_empty() {
        Err("it is empty".into())
    } else if let Some((at, c)) = s.chars().enumerate().find(|(_, c)| c.is_control()) {
        Err(format!(
            "it holds a control character, U+{:04X} at character {}",
            u32::from(c),
            at + 1
        ))
    } else if s.chars().count() > 1000 {
        Err("longer than 1000 characters".into())
    } else {
        Ok(s.to_owned())
    }
}

/// The largest value or quantity accepted: far above any real consignment, and low enough that
/// no product of the assessment can overflow a decimal.
const MAX_AMOUNT: Decimal = Decimal::from_parts(0xa4c6_8000, 0x38d7e, 0, false, 0); // 10^15

/// The largest exchange rate accepted (national currency per unit).
const MAX_EXCHANGE_RATE: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// The most decimals of a mass, quantity or exchange rate.
const MAX_PLACES: u32 = 6;

/// A plain decimal (digits, a `.` point, at most six decimals) greater than zero and at most
/// 10^15.
fn positive_decimal(s: &str) -> Result<Decimal, String> {
    bounded_decimal(s, MAX_PLACES, MAX_AMOUNT)
}

fn bounded_decimal(s: &str, places: u32, max: Decimal) -> Result<Decimal, String> {
    // A sign is never part of a plain decimal, but a negative number is a number: say what is
    // wrong with it rather than how it is written.
    if let Some(magnitude) = s.strip_prefix('-')
        && tamga_core::plain_decimal(magnitude, places).is_ok()
    {
        return Err(format!("{s} is not greater than zero"));
    }
    let value = tamga_core::plain_decimal(s, places)?;
    if value <= Decimal::ZERO {
        return Err(format!("{s} is not greater than zero"));
    }
    if value > max {
        return Err(format!("{s} is above the limit of {max}"));
    }
    Ok(value)
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
