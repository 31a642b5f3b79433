//! The speed targets of the tariff, each next to a baseline measured in the same run:
//! - load and index the whole built-in bundle (target ≤ 300 ms), against parsing its largest CSV;
//! - `lookup(code, date, origin, state)` (target ≤ 1 µs), against the bare hash-map get of the line;
//! - a two-word search (target ≤ 2 ms), against a code-prefix search.
//!
//! It also prints the resident memory that the loaded snapshot and its indexes take.
//!
//! Run: `cargo bench -p tamga --bench tariff`; `scripts/bench-medians.sh` prints the medians.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tamga_core::{CommodityCode, CountryCode, parse_date};
use tamga_tariff::LookupQuery;
use tamga_tariff::snapshot::LineKind;

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn load_and_index() -> (tamga_tariff::TariffSnapshot, Vec<tamga_search::SearchIndex>) {
    tamga::catalogue::load_and_index(None).expect("the built-in bundle loads")
}

fn bench_load(c: &mut Criterion) {
    let before = resident_kib();
    let loaded = load_and_index();
    let after = resident_kib();
    if let (Some(before), Some(after)) = (before, after) {
        println!(
            "snapshot + search indexes resident memory: {} KiB ({:.1} MiB)",
            after.saturating_sub(before),
            after.saturating_sub(before) as f64 / 1024.0
        );
    }
    drop(loaded);

    let rates = tamga_data::FILES
        .iter()
        .find(|(name, _)| *name == "eaeu/ett2017_import_duty_rates.csv")
        .map(|(_, bytes)| *bytes)
        .expect("the rates file is embedded");
    let mut group = c.benchmark_group("load");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("baseline_parse_rates_csv", |b| {
        b.iter(|| {
            let mut reader = csv::Reader::from_reader(black_box(rates));
            reader.records().count()
        })
    });
    group.bench_function("load_and_index_builtin_bundle", |b| b.iter(load_and_index));
    // The two halves, to see where the time goes.
    group.bench_function("part_load_builtin_bundle", |b| {
        b.iter(|| tamga::catalogue::load_snapshot(None).expect("the built-in bundle loads"))
    });
    let snapshot = tamga::catalogue::load_snapshot(None).expect("the built-in bundle loads");
    group.bench_function("part_index_editions", |b| {
        b.iter(|| tamga_app::catalogue::index_editions(black_box(&snapshot)))
    });
    group.finish();
}

fn bench_lookup_and_search(c: &mut Criterion) {
    let (snapshot, indexes) = load_and_index();
    let date = parse_date("2018-06-01").expect("date");
    let edition = snapshot.edition_on(date).expect("2017 edition");
    let codes: Vec<CommodityCode> = edition
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Code10)
        .filter_map(|l| l.code)
        .step_by(12)
        .collect();
    let origin = CountryCode::parse("CN").ok();
    let state = CountryCode::parse("RU").ok();

    let mut group = c.benchmark_group("lookup");
    let mut i = 0usize;
    group.bench_function("baseline_line_by_code", |b| {
        b.iter(|| {
            i = (i + 1) % codes.len();
            black_box(edition.line(&codes[i]))
        })
    });
    let mut j = 0usize;
    group.bench_function("lookup_code_date_origin_state", |b| {
        b.iter(|| {
            j = (j + 1) % codes.len();
            let query = LookupQuery {
                code: codes[j],
                date,
                origin,
                state,
                in_quota: false,
                claim_preference: true,
            };
            black_box(snapshot.lookup(&query).map(|found| found.layers.len()))
        })
    });
    group.finish();

    let index = snapshot
        .editions
        .iter()
        .position(|e| e.id == edition.id)
        .and_then(|p| indexes.get(p))
        .expect("index of the 2017 edition");
    let queries = [
        "минеральная вода",
        "безалкогольное пиво",
        "mobile phone",
        "кожаная обувь",
        "frozen fish",
        "легковые автомобили",
        "coffee roasted",
        "детские игрушки",
    ];
    let mut group = c.benchmark_group("search");
    let mut k = 0usize;
    group.bench_function("baseline_code_prefix", |b| {
        b.iter(|| {
            k = (k + 1) % codes.len();
            black_box(index.search(&codes[k].as_str()[..6], 10).len())
        })
    });
    let mut q = 0usize;
    group.bench_function("two_words", |b| {
        b.iter(|| {
            q = (q + 1) % queries.len();
            black_box(index.search(queries[q], 10).len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_load, bench_lookup_and_search);
criterion_main!(benches);
