//! `tamga tariff …`: show, search, tree and check.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Value, json};
use tamga_core::format_date;
use tamga_tariff::snapshot::Edition;
use tamga_tariff::{LookupQuery, TariffSnapshot};

use tamga_app::documents::{self as tariff_json, edition_json};

use crate::catalogue;
use crate::cli::{CheckArgs, Format, SearchArgs, ShowArgs, TreeArgs};

fn print_json(value: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub fn show(snapshot: &TariffSnapshot, args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let query = LookupQuery {
        code: args.code,
        date: args.date.or_today(),
        origin: args.origin,
        state: args.state,
        in_quota: args.in_quota,
        claim_preference: true,
    };
    let value = tariff_json::show_json(snapshot, &query)?;
    match args.format {
        Format::Json => print_json(&value)?,
        Format::Text => print!("{}", show_text(&value)),
    }
    Ok(ExitCode::SUCCESS)
}

fn s(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

/// What a broker reads: the code, its path, the duty and every layer considered.
fn show_text(v: &Value) -> String {
    let mut out = String::new();
    line_text(&mut out, v);
    duty_text(&mut out, v);
    let remarks = v["tariff_notes"].as_array().into_iter().flatten();
    for (i, remark) in remarks.enumerate() {
        let head = if i == 0 { "Tariff notes:" } else { "" };
        let _ = writeln!(out, "{head:<13} {}", s(remark));
    }
    if let Some(layers) = v["layers"].as_array() {
        let _ = writeln!(out, "Layers considered:");
        for layer in layers {
            let _ = writeln!(
                out,
                "  {:<15} {:<15} {:<24} {}",
                s(&layer["layer"]),
                s(&layer["status"]),
                layer["rate"].as_str().unwrap_or("-"),
                s(&layer["reason"])
            );
        }
    }
    if let Some(children) = v["children"].as_array() {
        let _ = writeln!(out, "Lines under it:");
        for child in children {
            let _ = writeln!(
                out,
                "  {:<10} {}",
                child["code"].as_str().unwrap_or(""),
                s(&child["text_ru"])
            );
        }
    }
    out
}

/// The line itself: its code and texts, its section, its path from the chapter, its unit.
fn line_text(out: &mut String, v: &Value) {
    let _ = writeln!(
        out,
        "{}  {}  (edition {}, on {})",
        s(&v["code_display"]),
        s(&v["description_ru"]),
        s(&v["edition"]["id"]),
        s(&v["date"])
    );
    if let Some(en) = v["description_en"].as_str() {
        let _ = writeln!(out, "  en: {en}");
    } else {
        let _ = writeln!(out, "  en: ({})", s(&v["description_en_note"]));
    }
    if let Some(section) = v["section"].as_object() {
        let _ = writeln!(
            out,
            "Section {}: {}",
            s(&section["section"]),
            s(&section["title_ru"])
        );
    }
    for (depth, step) in v["path"].as_array().into_iter().flatten().enumerate() {
        let code = step["code"].as_str().unwrap_or("");
        let _ = writeln!(
            out,
            "{:indent$}{code:<10} {}",
            "",
            s(&step["text_ru"]),
            indent = depth * 2
        );
    }
    match v["supplementary_unit"].as_object() {
        Some(unit) => {
            let _ = writeln!(
                out,
                "Supplementary unit: {} ({})",
                s(&unit["symbol_ru"]),
                s(&unit["code"])
            );
        }
        None => {
            let _ = writeln!(out, "Supplementary unit: none");
        }
    }
}

/// The import duty that applies, with its layer, legal basis and period, and the trade
/// remedies on top of it.
fn duty_text(out: &mut String, v: &Value) {
    match v["import_duty"].as_object() {
        Some(duty) => {
            let _ = writeln!(
                out,
                "Import duty (2010): {}   [{}]",
                s(&duty["rate"]),
                s(&duty["rate_ru"])
            );
            let _ = writeln!(out, "  applied layer: {}", s(&duty["layer"]));
            let _ = writeln!(out, "  legal basis:   {}", s(&duty["legal_basis"]));
            let _ = writeln!(
                out,
                "  in force:      {} .. {}",
                s(&duty["valid_from"]),
                duty["valid_to"].as_str().unwrap_or("(open)")
            );
        }
        None => {
            let _ = writeln!(out, "Import duty: {}", s(&v["import_duty_unknown"]));
        }
    }
    for r in v["trade_remedies"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "Additional duty ({}, {}): {}   {}",
            s(&r["payment_code"]),
            s(&r["kind"]),
            s(&r["rate"]),
            s(&r["legal_basis"])
        );
    }
}

/// The edition in force on `date`, or an error that says which periods the bundle covers.
fn edition_in_force(snapshot: &TariffSnapshot, date: tamga_core::Date) -> anyhow::Result<&Edition> {
    snapshot.edition_on(date).with_context(|| {
        format!(
            "no tariff in force on {}: the bundle's editions cover {}",
            format_date(date),
            snapshot.coverage()
        )
    })
}

pub fn search(snapshot: &TariffSnapshot, args: &SearchArgs) -> anyhow::Result<ExitCode> {
    // An empty query finds nothing by definition: that is a mistake to report (the API answers
    // it 400), not an answer.
    anyhow::ensure!(
        !args.text.trim().is_empty(),
        "expected words or a code to search for, got {:?}",
        args.text
    );
    let date = args.date.or_today();
    let edition = edition_in_force(snapshot, date)?;
    let index = catalogue::search_index(snapshot, edition);
    let value = tariff_json::search_json(
        snapshot,
        edition,
        &index,
        &args.text,
        usize::from(args.limit),
        date,
    );
    let results = value["results"].as_array().cloned().unwrap_or_default();
    match args.format {
        Format::Json => print_json(&value)?,
        Format::Text => {
            if results.is_empty() {
                println!(
                    "nothing found for {:?} in edition {}",
                    args.text, edition.id
                );
            }
            println!(
                "edition {} on {}, {} hit(s) for {:?}",
                edition.id,
                format_date(date),
                results.len(),
                args.text
            );
            for r in &results {
                println!("{:<14} {}", s(&r["code_display"]), s(&r["description_ru"]));
                if let Some(en) = r["description_en"].as_str() {
                    println!("{:<14} en: {en}", "");
                }
                match r["import_duty"].as_object() {
                    Some(duty) if duty.contains_key("rate") => {
                        let (rate, ru) = (s(&duty["rate"]), s(&duty["rate_ru"]));
                        println!("{:<14} duty: {rate}   [{ru}]", "");
                    }
                    Some(duty) => println!("{:<14} duty unknown: {}", "", s(&duty["unknown"])),
                    None => {}
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn tree(snapshot: &TariffSnapshot, args: &TreeArgs) -> anyhow::Result<ExitCode> {
    let date = args.date.or_today();
    let edition = edition_in_force(snapshot, date)?;
    let mut nodes = Vec::new();
    match args.prefix {
        None => {
            for section in &edition.sections {
                nodes.push(json!({"kind": "section", "code": section.section, "depth": 0, "text_ru": section.title_ru, "text_en": section.title_en}));
                for chapter in edition
                    .chapters
                    .iter()
                    .filter(|c| c.section == section.section)
                {
                    nodes.push(json!({"kind": "chapter", "code": chapter.chapter, "depth": 1, "text_ru": chapter.title_ru, "text_en": chapter.title_en}));
                }
            }
        }
        Some(prefix) => {
            let lines = subtree(edition, &prefix);
            anyhow::ensure!(
                !lines.is_empty(),
                "no line of edition {} starts with {prefix}",
                edition.id
            );
            if prefix.len() == 2
                && let Some(chapter) = edition.chapter(prefix.as_str())
            {
                nodes.push(json!({"kind": "chapter", "code": chapter.chapter, "depth": 0, "text_ru": chapter.title_ru, "text_en": chapter.title_en}));
            }
            let base = u64::from(prefix.len() == 2);
            for i in lines {
                let line = &edition.lines[i];
                nodes.push(json!({
                    "kind": line.kind.as_str(),
                    "code": line.code.map(|c| c.to_string()),
                    "depth": base + u64::from(line.level),
                    "text_ru": line.text_ru,
                    "text_en": snapshot.english_of(edition, line),
                    "supplementary_unit": line.supplementary_unit.as_ref().map(|u| u.as_str()),
                }));
            }
        }
    }
    match args.format {
        Format::Json => {
            print_json(&json!({"edition": edition.id, "date": format_date(date), "nodes": nodes}))?
        }
        Format::Text => {
            for node in &nodes {
                let depth = node["depth"].as_u64().unwrap_or(0) as usize;
                let code = node["code"].as_str().unwrap_or("");
                println!(
                    "{:indent$}{code:<10} {}",
                    "",
                    s(&node["text_ru"]),
                    indent = depth * 2
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The indices of the lines under a code prefix, in table order, with the uncoded dash lines
/// between them.
fn subtree(edition: &Edition, prefix: &tamga_core::CommodityCode) -> Vec<usize> {
    let mut out = Vec::new();
    let mut inside = false;
    for (i, line) in edition.lines.iter().enumerate() {
        match line.code {
            Some(code) => {
                inside = code.starts_with(prefix);
                if inside {
                    out.push(i);
                }
            }
            None if inside => out.push(i),
            None => {}
        }
    }
    // A dash line belongs to the subtree only if some coded line under it does.
    while out.last().is_some_and(|&i| edition.lines[i].code.is_none()) {
        out.pop();
    }
    out
}

pub fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let source = catalogue::DirectorySource::open(&args.dir)?;
    match tamga_tariff::load(&source) {
        Ok(snapshot) => {
            let lines: usize = snapshot.editions.iter().map(|e| e.lines.len()).sum();
            let summary = json!({
                "ok": true,
                "bundle": snapshot.bundle,
                "editions": snapshot.editions.iter().map(edition_json).collect::<Vec<_>>(),
                "lines": lines,
                "measures": snapshot.measures.len(),
                "quotas": snapshot.quotas.len(),
                "countries": snapshot.countries.len(),
                "currencies": snapshot.currencies.len(),
                "normative_sets": snapshot.normatives.len(),
            });
            match args.format {
                Format::Json => print_json(&summary)?,
                Format::Text => println!(
                    "ok: {} is a valid bundle: {} edition(s), {lines} nomenclature lines, {} measures, {} quotas, {} normative sets",
                    snapshot.bundle,
                    snapshot.editions.len(),
                    snapshot.measures.len(),
                    snapshot.quotas.len(),
                    snapshot.normatives.len()
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            match args.format {
                Format::Json => print_json(&json!({
                    "ok": false,
                    "bundle": errors.bundle,
                    "problems": errors.issues.iter().map(|i| json!({
                        "file": i.file, "line": i.line, "column": i.column, "field": i.field, "message": i.message,
                    })).collect::<Vec<_>>(),
                }))?,
                Format::Text => {}
            }
            eprint!("{errors}");
            Ok(ExitCode::FAILURE)
        }
    }
}
