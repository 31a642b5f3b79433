//! The tariff as JSON: what `tamga tariff show|search --format json` print and what
//! `GET /api/v1/tariff/…` answers (one rendering for both, so they cannot drift apart).

use serde_json::{Value, json};
use tamga_core::{Date, Validity, format_date};
use tamga_tariff::lookup::AppliedRate;
use tamga_tariff::snapshot::{Edition, LineKind};
use tamga_tariff::{DutyLookup, LayerOutcome, LookupError, LookupQuery, TariffSnapshot};

use crate::catalogue;

fn validity_json(validity: &Validity) -> (Value, Value) {
    (
        json!(format_date(validity.from)),
        validity.to.map_or(Value::Null, |to| json!(format_date(to))),
    )
}

pub fn edition_json(edition: &Edition) -> Value {
    let (from, to) = validity_json(&edition.validity);
    json!({
        "id": edition.id,
        "title": edition.title,
        "legal_basis": &*edition.legal_basis,
        "valid_from": from,
        "valid_to": to,
        "rates_known": edition.rates_known,
        "note": edition.note,
    })
}

fn applied_json(applied: &AppliedRate<'_>) -> Value {
    let (from, to) = validity_json(&applied.validity);
    json!({
        "rate": applied.rate.to_string(),
        "rate_ru": applied.rate.to_official_ru(),
        "kind": applied.rate.kind().as_str(),
        "layer": applied.layer.as_str(),
        "legal_basis": &*applied.legal_basis,
        "valid_from": from,
        "valid_to": to,
    })
}

fn layer_json(layer: &LayerOutcome<'_>) -> Value {
    let (from, to) = layer
        .validity
        .as_ref()
        .map_or((Value::Null, Value::Null), validity_json);
    json!({
        "layer": layer.layer.as_str(),
        "status": layer.status,
        "rate": layer.rate.as_ref().map(|r| r.to_string()),
        "rate_ru": layer.rate.as_ref().map(|r| r.to_official_ru()),
        "legal_basis": layer.legal_basis.as_deref(),
        "valid_from": from,
        "valid_to": to,
        "attached_at": layer.attached_at.map(|c| c.to_string()),
        "reason": &*layer.reason,
    })
}

/// Everything `tariff show` says about a line, whatever its duty.
pub fn line_json(snapshot: &TariffSnapshot, edition: &Edition, index: u32) -> Value {
    let line = &edition.lines[index as usize];
    let path: Vec<Value> = snapshot
        .description_path(edition, index)
        .iter()
        .map(|step| {
            json!({
                "kind": step.kind,
                "code": step.code.map(|c| c.to_string()),
                "text_ru": step.text_ru,
                "text_en": step.text_en,
            })
        })
        .collect();
    let hs = snapshot.hs_equivalent(edition, line);
    let description_en = snapshot.english_of(edition, line);
    let hs6 = line.code.and_then(|c| c.truncate(6));
    let english_note = match (&hs, description_en) {
        (Some(hs), Some(_)) => format!(
            "HS 2022 {} {hs} (UN Comtrade wording)",
            if hs.len() == 4 {
                "heading"
            } else {
                "subheading"
            }
        ),
        _ => match hs6.and_then(|c| snapshot.english(c.as_str()).map(|t| (c, t))) {
            Some((c, text)) => format!(
                "no English text for this national subdivision; it falls under HS 2022 subheading {c}: {text}"
            ),
            None => "no English text: HS 2022 has no subheading with this scope".to_owned(),
        },
    };
    let unit = line
        .supplementary_unit
        .as_ref()
        .and_then(|u| snapshot.unit(u.as_str()));
    let section = edition.section(&line.section);
    json!({
        "code": line.code.map(|c| c.to_string()),
        "code_display": line.code.map(|c| c.grouped()),
        "kind": line.kind.as_str(),
        "declarable": line.kind == LineKind::Code10,
        "description_ru": line.text_ru,
        "description_en": description_en,
        "description_en_note": english_note,
        "section": section.map(|s| json!({"section": s.section, "title_ru": s.title_ru, "title_en": s.title_en})),
        "path": path,
        "supplementary_unit": unit.map(|u| json!({
            "code": u.code.as_str(), "symbol_ru": u.symbol_ru, "name_en": u.name_en, "okei": u.okei_code,
        })),
        "edition": edition_json(edition),
        "tariff_notes": line
            .code
            .and_then(|c| edition.note_remarks.get(&c))
            .map(|remarks| remarks.iter().map(|r| &**r).collect::<Vec<_>>())
            .unwrap_or_default(),
    })
}

fn lookup_json(snapshot: &TariffSnapshot, found: &DutyLookup<'_>, query: &LookupQuery) -> Value {
    let mut value = line_json(snapshot, found.edition, found.line_index);
    let remedies: Vec<Value> = found
        .trade_remedies
        .iter()
        .map(|m| {
            let (from, to) = validity_json(&m.validity);
            json!({
                "kind": m.kind.as_str(),
                "payment_code": m.kind.payment_code(),
                "measure": &*m.id,
                "origin": m.origin.map(|o| o.to_string()),
                "rate": m.rate.to_string(),
                "legal_basis": &*m.legal_basis,
                "valid_from": from,
                "valid_to": to,
            })
        })
        .collect();
    let quota = found.quota.map(|q| {
        let (from, to) = validity_json(&q.validity);
        json!({
            "quota": &*q.id,
            "code": q.code.to_string(),
            "in_quota_rate": q.in_quota_rate.to_string(),
            "volume": q.volume.to_string(),
            "unit": q.unit.as_str(),
            "claimed": query.in_quota,
            "legal_basis": &*q.legal_basis,
            "valid_from": from,
            "valid_to": to,
        })
    });
    if let Value::Object(map) = &mut value {
        map.insert("date".into(), json!(format_date(found.date)));
        map.insert("origin".into(), json!(query.origin.map(|o| o.to_string())));
        map.insert("state".into(), json!(query.state.map(|s| s.to_string())));
        map.insert("import_duty".into(), applied_json(&found.import_duty));
        map.insert("trade_remedies".into(), Value::Array(remedies));
        map.insert("tariff_quota".into(), quota.unwrap_or(Value::Null));
        map.insert(
            "layers".into(),
            Value::Array(found.layers.iter().map(layer_json).collect()),
        );
    }
    value
}

/// A code on a date: its descriptions, the duty that applies and every layer. A line without a
/// duty of its own (a heading, or an edition whose rates are unknown) is described, with the
/// reason and its children.
pub fn show_json(snapshot: &TariffSnapshot, query: &LookupQuery) -> Result<Value, LookupError> {
    let date = query.date;
    Ok(match snapshot.lookup(query) {
        Ok(found) => lookup_json(snapshot, &found, query),
        // The line exists but carries no duty of its own: describe it and say why.
        Err(
            err @ (LookupError::RatesUnknown { .. }
            | LookupError::NotDeclarable { .. }
            | LookupError::RateNotRead { .. }
            | LookupError::NoRate { .. }),
        ) => {
            let (edition, index) = snapshot.line_on(query.code, date)?;
            let mut value = line_json(snapshot, edition, index);
            if let Value::Object(map) = &mut value {
                map.insert("date".into(), json!(format_date(date)));
                map.insert("import_duty".into(), Value::Null);
                map.insert("import_duty_unknown".into(), json!(err.to_string()));
                let children: Vec<Value> = edition
                    .lines
                    .iter()
                    .filter(|l| l.parent == Some(index))
                    .map(|l| json!({"code": l.code.map(|c| c.to_string()), "kind": l.kind.as_str(), "text_ru": l.text_ru}))
                    .collect();
                map.insert("children".into(), Value::Array(children));
            }
            value
        }
        Err(err) => return Err(err),
    })
}

/// Search results of an edition, best first.
pub fn search_json(
    snapshot: &TariffSnapshot,
    edition: &Edition,
    index: &tamga_search::SearchIndex,
    text: &str,
    limit: usize,
    date: Date,
) -> Value {
    let hits = index.search(text, limit);
    let results: Vec<Value> = hits
        .iter()
        .filter_map(|hit| {
            let line_index =
                edition.line_index(&tamga_core::CommodityCode::parse(&hit.code).ok()?)?;
            let line = &edition.lines[line_index as usize];
            Some(json!({
                "code": hit.code,
                "code_display": line.code.map(|c| c.grouped()),
                "kind": line.kind.as_str(),
                "description_ru": catalogue::full_text_ru(edition, line_index),
                "description_en": snapshot.english_of(edition, line),
                "import_duty": hit_duty(snapshot, line, date),
                "score": format!("{:.3}", hit.score),
            }))
        })
        .collect();
    json!({
        "query": text,
        "date": format_date(date),
        "edition": edition.id,
        "results": results,
    })
}

/// The import duty of a declarable hit on the day (for the whole union, any origin), or null
/// for a line that carries none of its own; a duty unknown that day says why.
fn hit_duty(
    snapshot: &TariffSnapshot,
    line: &tamga_tariff::snapshot::NomenclatureLine,
    date: Date,
) -> Value {
    let Some(code) = line.code.filter(|_| line.kind == LineKind::Code10) else {
        return Value::Null;
    };
    let query = LookupQuery {
        code,
        date,
        origin: None,
        state: None,
        in_quota: false,
        claim_preference: false,
    };
    match snapshot.lookup_duty(&query) {
        Ok(found) => json!({
            "rate": found.import_duty.rate.to_string(),
            "rate_ru": found.import_duty.rate.to_official_ru(),
            "layer": found.import_duty.layer.as_str(),
            "legal_basis": found.import_duty.legal_basis,
        }),
        Err(err) => json!({"unknown": err.to_string()}),
    }
}
