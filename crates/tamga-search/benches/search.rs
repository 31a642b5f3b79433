//! Index build and query times over the real nomenclature.
//!
//! The documents are the 2017 and the 2022 ETT together (34,425 lines), as many as a snapshot
//! holding both editions.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tamga_search::SearchIndex;

#[path = "../tests/support/ett2017.rs"]
mod ett2017;

const ETT2022: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/eaeu/ett2022/lines.csv"
);

fn docs() -> Vec<tamga_search::SearchDoc> {
    let mut docs = ett2017::docs();
    docs.extend(ett2017::docs_from(ETT2022));
    docs
}

fn build(c: &mut Criterion) {
    let docs = docs();
    let name = format!("build/{}_docs", docs.len());
    c.bench_function(&name, |b| {
        b.iter_batched(|| docs.clone(), SearchIndex::build, BatchSize::LargeInput)
    });
}

fn query(c: &mut Criterion) {
    let index = SearchIndex::build(docs());
    for (name, query) in [
        ("two_words_ru", "мужская обувь"),
        ("two_words_en", "leather shoes"),
        ("synonym_ru", "мобильный телефон"),
        ("common_word", "прочие"),
        (
            "long_query",
            "новые пневматические резиновые шины для легковых автомобилей",
        ),
        ("code_prefix", "8703 21"),
    ] {
        c.bench_function(&format!("query/{name}"), |b| {
            b.iter(|| index.search(black_box(query), 10))
        });
    }
}

criterion_group!(benches, build, query);
criterion_main!(benches);
