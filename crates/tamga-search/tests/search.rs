//! Search over the real ETT nomenclature, 2017 and 2022 editions: gold queries, code search,
//! junk.
//!
//! Each edition's index is built once (from `data/eaeu/ett2017_table_lines.csv` or
//! `data/eaeu/ett2022/lines.csv`, and `data/hs/hs2022_nomenclature.csv`) and shared by every
//! test.

mod support;

use std::sync::OnceLock;

use tamga_search::{SearchDoc, SearchHit, SearchIndex};

use support::{ett2017, ett2022};

/// The tuned gold queries: tune against these, and add a row for every complaint.
const GOLD: &str = include_str!("gold_queries.csv");
/// Held-out gold queries for the 2022 edition, written before the search was tuned for it.
/// Never tune against them: their rate estimates what a new user gets.
const GOLD_2022_HELDOUT: &str = include_str!("gold_queries_2022_heldout.csv");
/// Top-5 hit rate below which the tuned gold test fails.
const MIN_HIT_RATE: f64 = 0.80;
/// Top-5 hit rate below which the held-out test fails: a few points below the rate measured
/// when the held-out queries were written (docs/benchmarks.md, "Search over the 2022
/// edition"). A regression alarm, not a target.
const MIN_HELDOUT_2022_HIT_RATE: f64 = 0.78;
const TOP: usize = 5;

struct Fixture {
    docs: Vec<SearchDoc>,
    index: SearchIndex,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let docs = ett2017::docs();
        let index = SearchIndex::build(docs.clone());
        Fixture { docs, index }
    })
}

fn fixture_2022() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let docs = ett2022::docs();
        let index = SearchIndex::build(docs.clone());
        Fixture { docs, index }
    })
}

fn codes(hits: &[SearchHit]) -> Vec<&str> {
    hits.iter().map(|hit| hit.code.as_str()).collect()
}

struct GoldQuery {
    query: String,
    expected_heading: String,
    lang: String,
}

fn gold_queries(table: &str) -> Vec<GoldQuery> {
    let mut reader = csv::Reader::from_reader(table.as_bytes());
    assert_eq!(
        reader.headers().expect("a header row"),
        vec!["query", "expected_heading", "lang", "note"]
    );
    reader
        .records()
        .map(|record| {
            let record = record.expect("a well-formed gold row");
            GoldQuery {
                query: record[0].to_owned(),
                expected_heading: record[1].to_owned(),
                lang: record[2].to_owned(),
            }
        })
        .collect()
}

#[test]
fn index_covers_every_coded_line() {
    let Fixture { docs, index } = fixture();
    // 942 headings + 1,830 + 158 + 1,409 subheadings + 12,176 codes of the 2017 ETT.
    assert_eq!(docs.len(), 16_515);
    assert_eq!(index.len(), docs.len());
    let hit = &index.search("0101210000", 1)[0];
    assert_eq!(docs[hit.doc as usize].code, "0101210000");
    assert_eq!(
        docs[hit.doc as usize].text_ru,
        "Лошади, ослы, мулы и лошаки живые / лошади / чистопородные племенные животные"
    );
}

/// Runs the gold queries of `table` against `fixture`, prints the top-5 hit rate and the
/// misses, and returns the rate and the misses.
fn gold_hit_rate(name: &str, table: &str, fixture: &Fixture) -> (f64, Vec<String>) {
    let Fixture { docs, index } = fixture;
    let gold = gold_queries(table);
    let n_russian = gold.iter().filter(|row| row.lang == "ru").count();
    let n_english = gold.iter().filter(|row| row.lang == "en").count();
    assert_eq!(
        n_russian + n_english,
        gold.len(),
        "{name}: lang is ru or en"
    );

    let mut misses = Vec::new();
    for row in &gold {
        assert!(
            docs.iter()
                .any(|doc| doc.code.starts_with(&row.expected_heading)),
            "{name} row {:?}: heading {} is not in the data",
            row.query,
            row.expected_heading
        );
        let hits = index.search(&row.query, TOP);
        if !hits
            .iter()
            .any(|hit| hit.code.starts_with(&row.expected_heading))
        {
            misses.push(format!(
                "  {:?} ({}) expected {}, got {:?}",
                row.query,
                row.lang,
                row.expected_heading,
                codes(&hits)
            ));
        }
    }
    let hit_rate = 1.0 - misses.len() as f64 / gold.len() as f64;
    println!(
        "{name}: {} queries ({n_russian} ru, {n_english} en), top-{TOP} hit rate {:.1} %, {} misses",
        gold.len(),
        hit_rate * 100.0,
        misses.len()
    );
    for miss in &misses {
        println!("{miss}");
    }
    (hit_rate, misses)
}

#[test]
fn gold_queries_top5_hit_rate() {
    let gold = gold_queries(GOLD);
    assert!(
        gold.len() >= 70,
        "at least 70 gold queries, got {}",
        gold.len()
    );
    let (hit_rate, misses) = gold_hit_rate("gold on ett2017", GOLD, fixture());
    assert!(
        hit_rate >= MIN_HIT_RATE,
        "top-{TOP} hit rate {:.1} % is below {:.0} %:\n{}",
        hit_rate * 100.0,
        MIN_HIT_RATE * 100.0,
        misses.join("\n")
    );
}

#[test]
fn gold_queries_top5_hit_rate_on_ett2022() {
    let (hit_rate, misses) = gold_hit_rate("gold on ett2022", GOLD, fixture_2022());
    assert!(
        hit_rate >= MIN_HIT_RATE,
        "top-{TOP} hit rate {:.1} % is below {:.0} %:\n{}",
        hit_rate * 100.0,
        MIN_HIT_RATE * 100.0,
        misses.join("\n")
    );
}

#[test]
fn gold_heldout_2022_top5_hit_rate_does_not_regress() {
    let gold = gold_queries(GOLD_2022_HELDOUT);
    assert!(gold.len() >= 100, "{} held-out queries", gold.len());
    let tuned: Vec<String> = gold_queries(GOLD)
        .into_iter()
        .map(|row| row.query.to_lowercase())
        .collect();
    for row in &gold {
        assert!(
            !tuned.contains(&row.query.to_lowercase()),
            "{:?} is a tuned gold query too",
            row.query
        );
    }
    let (hit_rate, misses) = gold_hit_rate(
        "held-out 2022 on ett2022",
        GOLD_2022_HELDOUT,
        fixture_2022(),
    );
    assert!(
        hit_rate >= MIN_HELDOUT_2022_HIT_RATE,
        "held-out top-{TOP} hit rate {:.1} % is below {:.0} %:\n{}",
        hit_rate * 100.0,
        MIN_HELDOUT_2022_HIT_RATE * 100.0,
        misses.join("\n")
    );
}

#[test]
fn code_search_exact_and_prefix() {
    let Fixture { index, .. } = fixture();
    // A heading: itself first, then its subheadings (shorter codes first), then codes.
    let hits = index.search("2201", 100);
    assert_eq!(hits[0].code, "2201");
    assert!(hits.iter().all(|hit| hit.code.starts_with("2201")));
    let lens: Vec<usize> = hits.iter().map(|hit| hit.code.len()).collect();
    assert!(lens.is_sorted(), "shorter codes first: {lens:?}");
    assert!(hits.iter().any(|hit| hit.code == "2201101100"));

    // A 10-digit code, as printed and as digits.
    for query in ["2201 10 110 0", "2201101100", " 2201.10.110.0 "] {
        let hits = index.search(query, 10);
        assert_eq!(codes(&hits), ["2201101100"], "{query:?}");
        assert_eq!(hits[0].score, 1.0);
    }

    // An 8-digit prefix: the subheading first, then its codes in code order.
    let hits = index.search("22011011", 10);
    assert_eq!(codes(&hits), ["2201101100"]);
    let hits = index.search("8703 21", 10);
    assert_eq!(hits[0].code, "870321");
    assert_eq!(hits[1].code, "87032110");

    // Limits, and codes that do not exist.
    assert_eq!(index.search("01", 3).len(), 3);
    assert!(index.search("9999", 10).is_empty());
    assert!(index.search("22011011000", 10).is_empty());
}

#[test]
fn code_search_heading_with_only_a_code() {
    let Fixture { index, .. } = fixture();
    // Heading 0409 (natural honey) has no subdivision: its only line is 0409 00 000 0.
    assert_eq!(codes(&index.search("0409", 10)), ["0409000000"]);
}

#[test]
fn singular_query_finds_plural_heading() {
    let Fixture { index, .. } = fixture();
    // Snowball: автомобиль → автомобил, but Автомобили → автомоб.
    let hits = index.search("автомобиль", 5);
    assert_eq!(hits[0].code, "8703", "{:?}", codes(&hits));
    let hits = index.search("автомобили", 5);
    assert_eq!(hits[0].code, "8703", "{:?}", codes(&hits));
}

#[test]
fn all_query_words_matter() {
    let Fixture { index, .. } = fixture();
    let hits = index.search("чай зеленый", 5);
    assert!(
        hits[0].code.starts_with("09021") || hits[0].code.starts_with("09022"),
        "{:?}",
        codes(&hits)
    );
    // A doc matching both words outranks any matching one, whatever the relevance.
    assert!(hits[0].score >= 2.0, "{hits:?}");
    assert!(index.search("чай", 50).iter().all(|hit| hit.score < 2.0));
    let hits = index.search("обувь лыжная", 5);
    assert!(
        hits[0].code.starts_with("6402") || hits[0].code.starts_with("6403"),
        "{:?}",
        codes(&hits)
    );
}

#[test]
fn english_queries() {
    let Fixture { index, .. } = fixture();
    let hits = index.search("Motor cars", 5);
    assert_eq!(hits[0].code, "8703", "{:?}", codes(&hits));
    let hits = index.search("green tea", 5);
    assert!(hits[0].code.starts_with("0902"), "{:?}", codes(&hits));
    let hits = index.search("new pneumatic tyres for buses", 5);
    assert!(hits[0].code.starts_with("401120"), "{:?}", codes(&hits));
}

#[test]
fn negation_is_respected() {
    let Fixture { index, .. } = fixture();
    // "Кофе жареный / без кофеина" and "кофе нежареный / без кофеина" first; the lines
    // "с кофеином" and the heading's "с кофеином или без кофеина" after them.
    for query in ["кофе без кофеина", "decaffeinated coffee"] {
        let hits = index.search(query, 2);
        let mut top: Vec<&str> = codes(&hits);
        top.sort_unstable();
        assert_eq!(top, ["090112000", "090122000"], "{query}");
    }
    // HS: "Coffee; not roasted or decaffeinated" must not answer "roasted coffee".
    let hits = index.search("roasted coffee", 5);
    assert!(hits[0].code.starts_with("09012"), "{:?}", codes(&hits));
    let not_roasted = codes(&hits)
        .into_iter()
        .filter(|code| code.starts_with("09011"));
    assert_eq!(not_roasted.count(), 0, "{:?}", codes(&hits));
    // "Non-alcoholic beer" is in 2202, not 2203.
    let hits = index.search("non-alcoholic beer", 1);
    assert!(hits[0].code.starts_with("2202"), "{:?}", codes(&hits));
}

#[test]
fn headings_show_up() {
    let Fixture { index, .. } = fixture();
    for (query, heading) in [("кофе", "0901"), ("холодильники", "8418"), ("tea", "0902")]
    {
        let hits = index.search(query, 5);
        assert!(
            codes(&hits).contains(&heading),
            "{query}: {:?}",
            codes(&hits)
        );
    }
}

#[test]
fn every_synonym_finds_something() {
    let Fixture { index, .. } = fixture();
    let mut n_rows = 0;
    for row in tamga_search::synonym_rows() {
        n_rows += 1;
        assert!(
            !index.search(row.expansion, 1).is_empty(),
            "{row:?}: expansion finds nothing"
        );
        assert!(
            !index.search(row.term, 1).is_empty(),
            "{row:?}: term finds nothing"
        );
    }
    assert!(n_rows >= 40, "{n_rows} synonym rows");
}

/// Every synonym row aims at codes of the 2022 edition (its `headings` column): they must
/// exist, and the everyday term must find one of them in the top five. Catches wording the
/// 2022 edition changed (`фотоэлектрические` → `фотогальванические` элементы) and headings
/// that moved.
#[test]
fn every_synonym_target_exists_in_ett2022_and_is_found() {
    let Fixture { docs, index } = fixture_2022();
    let mut problems = Vec::new();
    for row in tamga_search::synonym_rows() {
        let targets: Vec<&str> = row.headings.split_whitespace().collect();
        assert!(!targets.is_empty(), "{row:?}: no headings");
        for target in &targets {
            if !docs.iter().any(|doc| doc.code.starts_with(target)) {
                problems.push(format!("{row:?}: {target} is not in the 2022 edition"));
            }
        }
        for query in [row.term, row.expansion] {
            let hits = index.search(query, TOP);
            let found = hits
                .iter()
                .any(|hit| targets.iter().any(|target| hit.code.starts_with(target)));
            if !found {
                problems.push(format!(
                    "{row:?}: {query:?} finds none of {targets:?} in the top {TOP}: {:?}",
                    codes(&hits)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Queries a new user ran into on the 2022 edition (issue 11 §4): the right line must be in the
/// top three.
#[test]
fn new_user_queries_on_ett2022() {
    let Fixture { index, .. } = fixture_2022();
    for (query, expected) in [
        // Not children's clothing (6111, 6209): the toys, though 9503 never says "детские".
        ("детские игрушки", "9503"),
        // Not the quad bike "… с шинами для бездорожья" under "Автомобили легковые".
        ("шины для легковых автомобилей", "401110"),
        // The smartphones, not only the heading and "8517 69 … прочие".
        ("телефон", "851713"),
        ("smartphone", "851713"),
        ("смартфон", "851713"),
    ] {
        let hits = index.search(query, 3);
        assert!(
            hits.iter().any(|hit| hit.code.starts_with(expected)),
            "{query:?}: {expected} not in the top 3: {:?}",
            codes(&hits)
        );
    }
    // Baby clothing is not what "детские игрушки" is about.
    let hits = index.search("детские игрушки", 1);
    assert!(hits[0].code.starts_with("9503"), "{:?}", codes(&hits));
    let hits = index.search("шины для легковых автомобилей", 1);
    assert!(hits[0].code.starts_with("40"), "{:?}", codes(&hits));
}

#[test]
fn junk_queries_do_not_panic() {
    let Fixture { index, .. } = fixture();
    let long_word = "автомобиль".repeat(1_000);
    let many_words = "кофе чай пиво вино ".repeat(500);
    let digits = "1".repeat(10_000);
    let mixed = "8703 автомобиль";
    let junk = [
        "",
        " ",
        "\t\n",
        ".",
        "...",
        "0",
        "00000000000000000000",
        "и или для",
        "the of and",
        "!@#$%^&*()",
        "\u{0}\u{1}\u{7f}",
        "😀🚗☕",
        "\u{306}\u{308}\u{301}",
        "ё",
        "Ё",
        "a",
        "ꙮ",
        "\u{202e}кофе",
        "кофе\u{200b}чай",
        "ｋｏｆｅ",
        "İstanbul ß ǅ",
        "%",
        "\\",
        "\"кофе\"",
        long_word.as_str(),
        many_words.as_str(),
        digits.as_str(),
        mixed,
    ];
    for query in junk {
        for limit in [0, 1, 5, 1_000_000] {
            let hits = index.search(query, limit);
            assert!(hits.len() <= limit);
            for hit in &hits {
                assert!(hit.score.is_finite());
                assert!((hit.doc as usize) < index.len());
            }
        }
    }
}

#[test]
fn two_word_query_is_fast() {
    let Fixture { index, .. } = fixture();
    // A generous bound for a debug build on a shared machine; the bench measures release.
    let started = std::time::Instant::now();
    for _ in 0..10 {
        index.search("мужская обувь", 10);
    }
    let per_query = started.elapsed() / 10;
    assert!(per_query.as_millis() < 200, "{per_query:?} per query");
}
