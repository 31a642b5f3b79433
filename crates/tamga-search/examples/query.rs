//! Try queries against the real ETT: `cargo run --release -p tamga-search --example query --
//! "мужская обувь" laptop 8703`. `TOP=20` shows more hits; `EDITION=ett2017` searches the
//! 2017 edition instead of the 2022 one. `GOLD=tests/gold_queries.csv` runs a gold file instead
//! and prints its top-5 hit rate and misses.

use std::time::Instant;

use tamga_search::SearchIndex;

#[path = "../tests/support/ett2017.rs"]
mod ett2017;

const ETT2022: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/eaeu/ett2022/lines.csv"
);

fn main() {
    let docs = match std::env::var("EDITION").as_deref() {
        Ok("ett2017") => ett2017::docs(),
        _ => ett2017::docs_from(ETT2022),
    };
    let started = Instant::now();
    let index = SearchIndex::build(docs.clone());
    println!("{} lines indexed in {:.1?}", index.len(), started.elapsed());
    let top = std::env::var("TOP")
        .ok()
        .and_then(|top| top.parse().ok())
        .unwrap_or(10);
    if let Ok(gold) = std::env::var("GOLD") {
        run_gold(&index, &gold);
        return;
    }
    for query in std::env::args().skip(1) {
        let started = Instant::now();
        let hits = index.search(&query, top);
        println!(
            "\n{query:?}: {} hits in {:.1?}",
            hits.len(),
            started.elapsed()
        );
        for hit in hits {
            let doc = &docs[hit.doc as usize];
            let text_ru: String = doc.text_ru.chars().take(140).collect();
            let own = doc.text_ru.rsplit(" / ").next().unwrap_or("");
            let own: String = own.chars().take(80).collect();
            println!(
                "{:>10}  {:.3}  {text_ru}\n{:>18}[own] {own}",
                hit.code, hit.score, ""
            );
        }
    }
}

fn run_gold(index: &SearchIndex, path: &str) {
    let mut reader = csv::Reader::from_path(path).expect("a gold CSV file");
    let (mut total, mut hits, mut firsts, mut reciprocal) = (0, 0, 0, 0.0);
    for record in reader.records() {
        let record = record.expect("a well-formed gold row");
        let (query, heading) = (&record[0], &record[1]);
        total += 1;
        let found = index.search(query, 5);
        if let Some(rank) = found.iter().position(|hit| hit.code.starts_with(heading)) {
            reciprocal += 1.0 / (rank + 1) as f64;
            firsts += usize::from(rank == 0);
        }
        if found.iter().any(|hit| hit.code.starts_with(heading)) {
            hits += 1;
        } else {
            let codes: Vec<&str> = found.iter().map(|hit| hit.code.as_str()).collect();
            println!("  miss: {query:?} expected {heading}, got {codes:?}");
        }
    }
    println!(
        "{path}: top-5 hit rate {:.1} % ({hits}/{total}), top-1 {firsts}, MRR@5 {:.3}",
        hits as f64 * 100.0 / total.max(1) as f64,
        reciprocal / total.max(1) as f64
    );
}
