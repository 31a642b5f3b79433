//! Try queries against the real 2017 ETT: `cargo run --release -p tamga-search --example
//! query -- "мужская обувь" laptop 8703`. `TOP=20` shows more hits.

use std::time::Instant;

use tamga_search::SearchIndex;

#[path = "../tests/support/ett2017.rs"]
mod ett2017;

fn main() {
    let docs = ett2017::docs();
    let started = Instant::now();
    let index = SearchIndex::build(docs.clone());
    println!("{} lines indexed in {:.1?}", index.len(), started.elapsed());
    let top = std::env::var("TOP")
        .ok()
        .and_then(|top| top.parse().ok())
        .unwrap_or(10);
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
            println!("{:>10}  {:.3}  {text_ru}", hit.code, hit.score);
        }
    }
}
