//! The `tamga` command line as a user runs it: the real binary on the built-in bundle.

mod service;

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn tamga(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tamga"))
        .args(args)
        .env_remove("TAMGA_TARIFF")
        .output()
        .expect("the tamga binary runs")
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "tamga failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

#[test]
fn show_json_has_the_contract_fields_and_the_canonical_rate() {
    let v = json_of(&tamga(&[
        "tariff",
        "show",
        "2202910000",
        "--date",
        "2018-06-01",
        "--format",
        "json",
    ]));
    assert_eq!(v["code"], "2202910000");
    assert_eq!(v["description_ru"], "безалкогольное пиво");
    assert_eq!(
        v["description_en"],
        "Non-alcoholic beverages; non-alcoholic beer"
    );
    assert_eq!(v["supplementary_unit"]["code"], "l");
    let duty = &v["import_duty"];
    assert_eq!(duty["rate"], "0.1 EUR/l");
    assert_eq!(duty["rate_ru"], "0,1 евро за 1 л");
    assert_eq!(duty["kind"], "specific");
    assert_eq!(duty["valid_from"], "2017-01-22");
    assert_eq!(duty["valid_to"], "2021-12-31");
    assert!(duty["legal_basis"].as_str().unwrap().contains("№ 54"));
    // The path runs from the chapter down, through the uncoded dash line "прочие".
    let path: Vec<&str> = v["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text_ru"].as_str().unwrap())
        .collect();
    assert_eq!(path.len(), 4, "{path:?}");
    assert_eq!(path[2], "прочие");
    assert_eq!(v["path"][0]["kind"], "chapter");
    assert_eq!(v["path"][1]["code"], "2202");
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers[0]["layer"], "base");
    assert_eq!(layers[0]["status"], "applied");
    assert!(layers.len() >= 6);
}

#[test]
fn show_accepts_the_printed_code_with_spaces() {
    let v = json_of(&tamga(&[
        "tariff",
        "show",
        "2201 10 110 0",
        "--date",
        "2018-06-01",
        "--format",
        "json",
    ]));
    assert_eq!(v["import_duty"]["rate"], "15% min 0.07 EUR/l");
    assert_eq!(v["import_duty"]["kind"], "combined_min");
}

#[test]
fn a_date_no_edition_covers_is_an_error_not_a_guess() {
    let out = tamga(&[
        "tariff",
        "show",
        "2202910000",
        "--date",
        "2005-01-01",
        "--format",
        "json",
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no tariff in force for 2202910000 on 2005-01-01"),
        "{stderr}"
    );
}

#[test]
fn today_the_2022_edition_answers_a_rate_and_names_its_text() {
    // No --date: today's tariff.
    let v = json_of(&tamga(&[
        "tariff",
        "show",
        "0901210001",
        "--format",
        "json",
    ]));
    assert_eq!(v["edition"]["id"], "ett2022");
    assert_eq!(v["import_duty"]["rate"], "8% min 0.16 EUR/kg");
    let basis = v["import_duty"]["legal_basis"].as_str().unwrap();
    assert!(
        basis.contains("chapter 09, text of 25.04.2022")
            && basis.contains("amendments after this text are not in the data"),
        "{basis}"
    );
    // Roasted coffee hangs under roasted coffee, not under unroasted decaffeinated.
    let path: Vec<&str> = v["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["text_ru"].as_str().unwrap())
        .collect();
    assert!(path.contains(&"кофе жареный"), "{path:?}");
    assert!(!path.contains(&"кофе нежареный"), "{path:?}");
    let text = String::from_utf8(tamga(&["tariff", "show", "0901210001"]).stdout).unwrap();
    assert!(text.contains("8% min 0.16 EUR/kg"), "{text}");
    // A rate printed as an alternative is an unknown duty that quotes the text.
    let v = json_of(&tamga(&[
        "tariff",
        "show",
        "8703231100",
        "--format",
        "json",
    ]));
    assert!(v["import_duty"].is_null());
    let unknown = v["import_duty_unknown"].as_str().unwrap();
    assert!(unknown.contains("15, либо 12,5"), "{unknown}");
    // A search hit's duty names its text too.
    let v = json_of(&tamga(&[
        "tariff",
        "search",
        "кофе арабика жареный",
        "--format",
        "json",
    ]));
    assert_eq!(v["edition"], "ett2022");
    let hit = &v["results"][0];
    assert_eq!(hit["code"], "0901210001");
    let basis = hit["import_duty"]["legal_basis"].as_str().unwrap();
    assert!(basis.contains("chapter 09, text of 25.04.2022"), "{basis}");
}

#[test]
fn a_deeper_line_without_english_says_so() {
    let v = json_of(&tamga(&[
        "tariff",
        "show",
        "0101291000",
        "--date",
        "2018-06-01",
        "--format",
        "json",
    ]));
    assert!(v["description_en"].is_null());
    let note = v["description_en_note"].as_str().unwrap();
    assert!(
        note.contains("no English text") && note.contains("010129"),
        "{note}"
    );
}

#[test]
fn search_json_finds_mineral_water() {
    let v = json_of(&tamga(&[
        "tariff",
        "search",
        "минеральная вода",
        "--date",
        "2018-06-01",
        "--limit",
        "5",
        "--format",
        "json",
    ]));
    let results = v["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.len() <= 5);
    assert!(results[0]["code"].as_str().unwrap().starts_with("2201"));
    for r in results {
        for field in ["code", "description_ru", "description_en", "score"] {
            assert!(r.get(field).is_some(), "missing {field} in {r}");
        }
    }
}

#[test]
fn tree_shows_the_lines_under_a_heading_with_dash_lines() {
    let out = tamga(&["tariff", "tree", "2202", "--date", "2018-06-01"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2202910000"));
    assert!(text.contains("прочие"));
    let v = json_of(&tamga(&[
        "tariff",
        "tree",
        "--date",
        "2018-06-01",
        "--format",
        "json",
    ]));
    let nodes = v["nodes"].as_array().unwrap();
    assert_eq!(nodes.iter().filter(|n| n["kind"] == "section").count(), 21);
    assert!(nodes.iter().filter(|n| n["kind"] == "chapter").count() >= 96);
}

#[test]
fn check_accepts_the_shipped_data_directory() {
    let dir = data_dir();
    let out = tamga(&["tariff", "check", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok:"));
}

#[test]
fn check_reports_a_broken_bundle_with_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("tamga-cli-broken-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&data_dir(), &dir);
    let normatives = dir.join("union/normatives.csv");
    let text = std::fs::read_to_string(&normatives).unwrap();
    std::fs::write(&normatives, text.replacen("85.065", "85.064", 1)).unwrap();
    let out = tamga(&["tariff", "check", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("union/normatives.csv:"), "{stderr}");
    assert!(
        stderr.contains("sum to 99.999, expected exactly 100"),
        "{stderr}"
    );
}

#[test]
fn tariff_option_loads_another_bundle() {
    let dir = data_dir();
    let out = Command::new(env!("CARGO_BIN_EXE_tamga"))
        .args([
            "tariff",
            "show",
            "0409000000",
            "--date",
            "2020-01-01",
            "--format",
            "json",
        ])
        .env("TAMGA_TARIFF", &dir)
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["import_duty"]["rate"], "15%");
    let missing = tamga(&[
        "--tariff",
        "/nonexistent/bundle",
        "tariff",
        "show",
        "0409000000",
    ]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not a directory"));
}

#[test]
fn bad_arguments_are_rejected_with_a_message() {
    let out = tamga(&["tariff", "show", "22O2910000"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a commodity code"));
    let out = tamga(&["tariff", "show", "2202910000", "--date", "2018-13-01"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
}

/// A bad date or country is reported as what it is (it used to be wrapped in the commodity
/// code's message: `expected a commodity code …, got "expected a date YYYY-MM-DD …"`).
#[test]
fn a_bad_date_or_country_is_not_called_a_bad_code() {
    let out = tamga(&["tariff", "show", "0101210000", "--date", "2021-13-01"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"expected a date YYYY-MM-DD, got "2021-13-01""#),
        "{stderr}"
    );
    assert!(!stderr.contains("commodity code"), "{stderr}");
    let out = tamga(&["serve", "--today", "2021-13-01"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"expected a date YYYY-MM-DD, got "2021-13-01""#),
        "{stderr}"
    );
    assert!(!stderr.contains("commodity code"), "{stderr}");
    let out = tamga(&["tariff", "show", "0101210000", "--origin", "germany"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ISO 3166-1 alpha-2 country code"),
        "{stderr}"
    );
    assert!(!stderr.contains("commodity code"), "{stderr}");
}

#[test]
fn an_empty_search_is_refused_not_answered() {
    for query in ["", "   "] {
        let out = tamga(&["tariff", "search", query, "--date", "2018-06-01"]);
        assert!(!out.status.success(), "{query:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("expected words or a code to search for"),
            "{stderr}"
        );
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The top-5 hit rate, in whole per cent, of the gold queries in `file` (a CSV of
/// `tamga-search/tests`: query, expected heading, ...) on the documents the CLI itself builds
/// from the built-in bundle for `edition`. Prints the rate and the misses.
fn gold_hit_rate(edition: &str, file: &str) -> (usize, usize, Vec<String>) {
    let snapshot = tamga::catalogue::load_snapshot(None).unwrap();
    let edition_data = snapshot.edition(edition).unwrap();
    let index = tamga::catalogue::search_index(&snapshot, edition_data);
    let gold = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tamga-search/tests")
        .join(file);
    let mut reader = csv::Reader::from_path(gold).unwrap();
    let (mut total, mut hits) = (0usize, 0usize);
    let mut misses = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        let (query, heading) = (&record[0], &record[1]);
        total += 1;
        let found = index.search(query, 5);
        if found.iter().any(|h| h.code.starts_with(heading)) {
            hits += 1;
        } else {
            let codes: Vec<&str> = found.iter().map(|h| h.code.as_str()).collect();
            misses.push(format!("{query} -> {heading}, got {codes:?}"));
        }
    }
    assert!(total > 0, "no gold queries in {file}");
    let rate = hits * 100 / total;
    println!(
        "{file} on {edition}: top-5 hit rate {:.1}% ({hits}/{total}), {} misses:",
        hits as f64 * 100.0 / total as f64,
        misses.len()
    );
    for miss in &misses {
        println!("  {miss}");
    }
    (rate, total, misses)
}

/// The gold queries of `tamga-search` (tuned), run on the documents the CLI itself builds
/// from the built-in bundle for the edition in force today: a broker's query must find its
/// heading in the top 5.
#[test]
fn gold_queries_find_their_heading_in_the_top_five() {
    let (rate, total, misses) = gold_hit_rate("ett2022", "gold_queries.csv");
    assert!(total >= 60, "only {total} gold queries");
    assert!(
        rate >= 80,
        "top-5 hit rate {rate}% below 80%; misses: {misses:?}"
    );
}

/// The same tuned gold queries on the 2017 edition, whose codes they also hold (the headings
/// they expect did not move between the editions).
#[test]
fn gold_queries_find_their_heading_in_the_top_five_on_ett2017() {
    let (rate, _, misses) = gold_hit_rate("ett2017", "gold_queries.csv");
    assert!(
        rate >= 80,
        "top-5 hit rate {rate}% below 80%; misses: {misses:?}"
    );
}

/// The held-out gold queries of the 2022 edition: written before the search was tuned for it
/// and never tuned against, so their rate estimates what a new user gets. The floor is a few
/// points below the rate measured when they were written (see docs/benchmarks.md, "Search over
/// the 2022 edition"): it catches a regression, it is not a target.
#[test]
fn gold_heldout_2022_queries_do_not_regress() {
    let (rate, total, misses) = gold_hit_rate("ett2022", "gold_queries_2022_heldout.csv");
    assert!(total >= 100, "only {total} held-out queries");
    assert!(
        rate >= HELDOUT_2022_FLOOR,
        "held-out top-5 hit rate {rate}% below {HELDOUT_2022_FLOOR}%; misses: {misses:?}"
    );
}

/// See `gold_heldout_2022_queries_do_not_regress`: 81.7 % (197/241) when measured, before and
/// after the search was tuned for the 2022 edition.
const HELDOUT_2022_FLOOR: usize = 78;

const BEER_2019: &str = r#"{"state": "RU", "procedure": "IM40", "customs_office": "10702070",
 "registration_date": "2019-06-03", "currency": "EUR", "exchange_rates": {"EUR": "72.0000", "USD": "64.5000"},
 "declarant": {"name": "OOO Vostok", "tin": "7701234567"},
 "items": [{"code": "2202910000", "description": "non-alcoholic beer", "origin": "DE",
            "customs_value": "4000.00", "net_mass_kg": "5200", "quantities": {"l": "5000"}}]}"#;

fn temp_file(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("tamga-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn assess_prints_the_contract_totals_to_the_kopeck() {
    let file = temp_file("beer.json", BEER_2019);
    let v = json_of(&tamga(&[
        "assess",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]));
    std::fs::remove_file(&file).unwrap();
    // CV 4000 EUR × 72 = 288000.00; duty 5000 l × 0.1 EUR × 72 = 36000.00;
    // VAT (288000 + 36000) × 20 % = 64800.00; fee: 288000 in (200000, 450000] → 1000.00.
    let totals = &v["totals"];
    assert_eq!(totals["customs_value"], "288000.00");
    assert_eq!(totals["import_duty"], "36000.00");
    assert_eq!(totals["vat"], "64800.00");
    assert_eq!(totals["customs_fee"], "1000.00");
    assert_eq!(totals["total"], "101800.00");
    assert_eq!(v["currency"], "RUB");
    assert_eq!(v["items"][0]["payments"][0]["code"], "2010");
    assert_eq!(v["items"][0]["payments"][0]["rate"], "0.1 EUR/l");
    assert_eq!(v["declaration_payments"][0]["code"], "1010");
    assert_eq!(v["rounding"]["rule"], "half_up");
    assert_eq!(v["exchange_rates"][0]["currency"], "EUR");
}

#[test]
fn assess_table_shows_box_47_and_reads_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tamga"))
        .args(["assess", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(BEER_2019.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2010") && text.contains("36000.00"), "{text}");
    assert!(
        text.contains("total payable") && text.contains("101800.00"),
        "{text}"
    );
}

#[test]
fn assess_reports_every_error_with_its_path_and_fails() {
    let bad = BEER_2019
        .replace("\"4000.00\"", "\"-4000.00\"")
        .replace("\"DE\"", "\"XX\"");
    let file = temp_file("bad.json", &bad);
    let out = tamga(&["assess", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("items[0].customs_value"), "{stderr}");
    assert!(
        stderr.contains("2 problem(s)") || stderr.contains("items[0].origin"),
        "{stderr}"
    );
}

#[test]
fn batch_writes_one_result_per_line_in_order_and_a_summary() {
    let mut lines = Vec::new();
    for i in 0..600 {
        match i % 3 {
            0 => lines.push(BEER_2019.replace('\n', " ")),
            1 => lines.push("{not json".to_owned()),
            _ => lines.push(BEER_2019.replace('\n', " ").replace("2202910000", "2202")),
        }
    }
    let file = temp_file("batch.jsonl", &(lines.join("\n") + "\n"));
    let out = tamga(&["assess", "--batch", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(out.status.code(), Some(2), "some lines failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 601);
    for (i, record) in records[..600].iter().enumerate() {
        assert_eq!(
            record["line"],
            i as u64 + 1,
            "results come back in input order"
        );
        match i % 3 {
            0 => assert_eq!(record["assessment"]["totals"]["total"], "101800.00"),
            1 => assert!(
                record["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("malformed JSON")
            ),
            _ => assert_eq!(record["errors"][0]["path"], "items[0].code"),
        }
    }
    let summary = &records[600]["summary"];
    assert_eq!(summary["declarations"], 600);
    assert_eq!(summary["assessed"], 200);
    assert_eq!(summary["failed"], 400);
}

/// Blank lines are not declarations, but they are lines: a result names the line its
/// declaration is on (they used to be numbered as if the blank lines were not there).
#[test]
fn batch_line_numbers_count_blank_lines() {
    let beer = BEER_2019.replace('\n', " ");
    let text = format!("\n{beer}\n\n   \n{{not json\n\n{beer}\n");
    let file = temp_file("blank-lines.jsonl", &text);
    let out = tamga(&["assess", "--batch", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(out.status.code(), Some(2), "one line failed");
    let records: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 4, "{records:#?}");
    assert_eq!(records[0]["line"], 2);
    assert_eq!(records[0]["assessment"]["totals"]["total"], "101800.00");
    assert_eq!(records[1]["line"], 5);
    assert!(records[1]["errors"].is_array());
    assert_eq!(records[2]["line"], 7);
    assert_eq!(records[3]["summary"]["lines"], 7);
    assert_eq!(records[3]["summary"]["declarations"], 3);
}

#[test]
fn treasury_split_is_the_contract_json_and_sums_to_the_amount() {
    the_split_is_the_contract_json();
    a_stray_negative_amount_is_refused();
    a_refund_day_is_mirrored();
    split_errors_name_the_option();
}

/// `treasury split --format json` carries the contract fields and the five states' shares.
fn the_split_is_the_contract_json() {
    let v = json_of(&tamga(&[
        "treasury",
        "split",
        "--amount",
        "112000.00",
        "--currency",
        "RUB",
        "--date",
        "2020-05-01",
        "--format",
        "json",
    ]));
    assert_eq!(v["date"], "2020-05-01");
    assert_eq!(v["amount"], "112000.00");
    assert_eq!(v["currency"], "RUB");
    assert_eq!(v["legal_basis"], "Protocol of 1 Oct 2019");
    let shares: Vec<(String, String, String)> = v["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["state"].as_str().unwrap().to_owned(),
                s["percent"].as_str().unwrap().to_owned(),
                s["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("AM", "1.220", "1366.40"),
        ("BY", "4.860", "5443.20"),
        ("KZ", "6.955", "7789.60"),
        ("KG", "1.900", "2128.00"),
        ("RU", "85.065", "95272.80"),
    ];
    assert_eq!(
        shares,
        expected
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect::<Vec<_>>()
    );
}

/// A negative amount without `--refund` is refused, naming the option.
fn a_stray_negative_amount_is_refused() {
    // A negative amount without --refund is refused: a stray sign is not a refund day.
    let stray = tamga(&[
        "treasury",
        "split",
        "--amount",
        "-5",
        "--currency",
        "RUB",
        "--date",
        "2020-05-01",
    ]);
    assert!(!stray.status.success());
    assert!(
        String::from_utf8_lossy(&stray.stderr).contains("--amount: -5 is negative"),
        "{}",
        String::from_utf8_lossy(&stray.stderr)
    );
}

/// A refund day splits a negative amount into negative, mirrored shares.
fn a_refund_day_is_mirrored() {
    // A refund day: negative, mirrored. KZT has two decimals too.
    let refund = json_of(&tamga(&[
        "treasury",
        "split",
        "--refund",
        "--amount",
        "-123.45",
        "--currency",
        "KZT",
        "--date",
        "2020-01-01",
        "--format",
        "json",
    ]));
    let amounts: Vec<&str> = refund["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, vec!["-1.51", "-6.00", "-8.59", "-2.34", "-105.01"]);
    assert_eq!(refund["refund"], true);
}

/// A fraction of a kopeck and a date before any normatives are refused with the reason.
fn split_errors_name_the_option() {
    // Errors name the option: a fraction of a kopeck, no normatives before September 2010.
    let bad = tamga(&[
        "treasury",
        "split",
        "--amount",
        "1.005",
        "--currency",
        "RUB",
        "--date",
        "2020-05-01",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--amount"));
    let early = tamga(&[
        "treasury",
        "split",
        "--amount",
        "1",
        "--currency",
        "RUB",
        "--date",
        "2009-05-01",
    ]);
    assert!(String::from_utf8_lossy(&early.stderr).contains("no distribution normatives in force"));
}
