//! The assessment engine alone, on a warm snapshot: goods items per second on one core, next to
//! the bare tariff lookups of the same items (the baseline of the same run).
//!
//! Run: `cargo bench -p tamga-assess --bench assess`; `scripts/bench-medians.sh` prints medians.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tamga_assess::{assess, compute, parse_declaration};

// The same allocator as the `tamga` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use tamga_tariff::snapshot::LineKind;
use tamga_tariff::{EmbeddedSource, LookupQuery};

const ITEMS: usize = 100;

fn declaration_json(snapshot: &tamga_tariff::TariffSnapshot) -> String {
    let date = tamga_core::parse_date("2019-06-03").expect("date");
    let edition = snapshot.edition_on(date).expect("2017 edition");
    // Every 97th declarable code: ad valorem, specific and combined rates in their real mix.
    let items: Vec<String> = edition
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Code10)
        .filter_map(|l| l.code)
        .step_by(97)
        .take(ITEMS)
        .map(|code| {
            format!(
                r#"{{"code": "{code}", "description": "goods", "origin": "CN", "customs_value": "12345.67", "net_mass_kg": "1000",
                    "quantities": {{"kg": "1000", "l": "800", "pcs": "50", "pair": "40", "m2": "30", "cm3_engine": "1998", "t_gross_vehicle_weight": "3", "m3_body_volume": "12"}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"state": "RU", "procedure": "IM40", "customs_office": "10702070", "registration_date": "2019-06-03",
            "currency": "USD", "exchange_rates": {{"USD": "64.5000", "EUR": "72.0000"}},
            "declarant": {{"name": "OOO Vostok", "tin": "7701234567"}}, "items": [{}]}}"#,
        items.join(",")
    )
}

fn bench_engine(c: &mut Criterion) {
    let snapshot = tamga_tariff::load(&EmbeddedSource {
        name: "built-in bundle",
        files: tamga_data::FILES,
    })
    .expect("the built-in bundle loads");
    let text = declaration_json(&snapshot);
    let declaration = parse_declaration(&text).expect("the generated declaration is valid");
    assert!(assess(&snapshot, &declaration).is_ok());
    let mut group = c.benchmark_group("assess");
    group.throughput(Throughput::Elements(ITEMS as u64));
    group.bench_function("baseline_lookup_items", |b| {
        b.iter(|| {
            declaration
                .items
                .iter()
                .filter(|item| {
                    let query = LookupQuery {
                        code: item.code,
                        date: declaration.registration_date,
                        origin: Some(item.origin),
                        state: Some(declaration.state),
                        in_quota: false,
                        claim_preference: false,
                    };
                    black_box(snapshot.lookup(&query)).is_ok()
                })
                .count()
        })
    });
    group.bench_function("engine_compute_items", |b| {
        b.iter(|| black_box(compute(&snapshot, &declaration)).map(|a| a.items.len()))
    });
    group.bench_function("engine_with_explanations_items", |b| {
        b.iter(|| black_box(assess(&snapshot, &declaration)).map(|a| a.items.len()))
    });
    group.bench_function("parse_declaration_items", |b| {
        b.iter(|| black_box(parse_declaration(&text)).map(|d| d.items.len()))
    });
    group.finish();
}

criterion_group!(benches, bench_engine);
criterion_main!(benches);
