#[path = "../tests/support/ett2017.rs"]
mod ett2017;
fn main() {
    let docs = ett2017::docs();
    let t = std::time::Instant::now();
    let index = tamga_search::SearchIndex::build(docs.clone());
    eprintln!("{} docs built in {:?}", index.len(), t.elapsed());
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8);
    for query in std::env::args().skip(1) {
        let t = std::time::Instant::now();
        let hits = index.search(&query, n);
        println!("== {query} ({:?})", t.elapsed());
        for hit in hits {
            let doc = &docs[hit.doc as usize];
            let text: String = doc.text_ru.chars().take(150).collect();
            println!(
                "{:>10} {:.3} {} | {}",
                hit.code,
                hit.score,
                text,
                doc.text_en
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect::<String>()
            );
        }
    }
}
