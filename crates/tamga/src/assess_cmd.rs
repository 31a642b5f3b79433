//! `tamga assess`: the payments of one declaration, or of a JSON Lines file of them.

use std::io::{BufRead, BufWriter, IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::mpsc;

use anyhow::Context;
use serde_json::{Value, json};
use tamga_assess::render::{assessment_json, assessment_table, computed_json_line};
use tamga_assess::{ValidationErrors, assess, compute, explain, parse_declaration_for};
use tamga_tariff::TariffSnapshot;

use crate::cli::{AssessArgs, AssessFormat};

fn errors_json(errors: &ValidationErrors) -> Value {
    Value::Array(
        errors
            .0
            .iter()
            .map(|e| json!({"path": e.path, "message": e.message}))
            .collect(),
    )
}

pub fn run(snapshot: &TariffSnapshot, args: &AssessArgs) -> anyhow::Result<ExitCode> {
    if args.batch {
        return batch(snapshot, args);
    }
    let text = if args.input == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the declaration from standard input")?;
        text
    } else {
        std::fs::read_to_string(&args.input)
            .with_context(|| format!("cannot read the declaration {}", args.input))?
    };
    let result = parse_declaration_for(snapshot, &text).and_then(|d| assess(snapshot, &d));
    match result {
        Ok(assessment) => {
            match args.format {
                AssessFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&assessment_json(&assessment))?
                ),
                AssessFormat::Table => print!("{}", assessment_table(&assessment)),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            eprint!("{}: {errors}", args.input);
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Lines per unit of work: big enough to amortise the channel, small enough to keep memory flat.
const CHUNK_LINES: usize = 256;

/// A unit of work: its number in the file's order, and its declarations, each with its line.
struct Chunk {
    number: usize,
    texts: Vec<(u64, String)>,
}

/// What a worker made of a chunk: its result lines, and how many declarations passed and failed.
struct ChunkResult {
    number: usize,
    results: String,
    assessed: usize,
    failed: usize,
}

/// What each declaration of the batch gets.
#[derive(Clone, Copy)]
enum BatchMode {
    /// Read and checked against the tariff, nothing written (to measure the reader).
    ParseOnly,
    /// The figures of the contract JSON, one line each.
    Figures,
    /// The whole contract JSON with explanations, one line each.
    Explained,
}

/// Assesses one declaration per line on every core, in constant memory, writing one result per
/// line in input order and a summary at the end.
fn batch(snapshot: &TariffSnapshot, args: &AssessArgs) -> anyhow::Result<ExitCode> {
    let file =
        std::fs::File::open(&args.input).with_context(|| format!("cannot open {}", args.input))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let progress = std::io::stderr().is_terminal().then(|| progress_bar(size));
    let started = std::time::Instant::now();
    let mode = match (args.parse_only, args.explain) {
        (true, _) => BatchMode::ParseOnly,
        (false, true) => BatchMode::Explained,
        (false, false) => BatchMode::Figures,
    };
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(workers * 2);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::sync_channel::<ChunkResult>(workers * 2);
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let (mut assessed, mut failed) = (0usize, 0usize);
    let lines = std::thread::scope(|scope| -> anyhow::Result<u64> {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || assess_chunks(snapshot, mode, work_rx, &done_tx));
        }
        drop(done_tx);
        // The reader feeds chunks; the writer (this thread) puts results back in input order.
        let reader_handle = scope.spawn(move || read_chunks(reader, &work_tx));
        let mut pending = std::collections::BTreeMap::new();
        let mut next = 0usize;
        for done in done_rx {
            pending.insert(done.number, done);
            while let Some(done) = pending.remove(&next) {
                out.write_all(done.results.as_bytes())?;
                if let Some(bar) = &progress {
                    bar.inc(done.results.len() as u64 / 2);
                }
                assessed += done.assessed;
                failed += done.failed;
                next += 1;
            }
        }
        reader_handle
            .join()
            .map_err(|_| anyhow::anyhow!("the batch reader stopped"))?
    })?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    let summary = json!({"summary": {
        "lines": lines,
        "declarations": assessed + failed,
        "assessed": assessed,
        "failed": failed,
        "seconds": format!("{seconds:.3}"),
        "workers": workers,
        "mode": if matches!(mode, BatchMode::ParseOnly) { "parse_only" } else { "assess" },
    }});
    writeln!(out, "{summary}")?;
    out.flush()?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn progress_bar(size: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Reads the batch file into chunks of declarations; gives the number of lines read.
fn read_chunks(reader: impl BufRead, work_tx: &mpsc::SyncSender<Chunk>) -> anyhow::Result<u64> {
    let mut number = 0usize;
    let mut line_no = 0u64;
    let mut texts = Vec::with_capacity(CHUNK_LINES);
    for line in reader.lines() {
        let line = line.context("cannot read the batch file")?;
        line_no += 1;
        // A blank line is no declaration, but it is a line: the numbers after it count it.
        if line.trim().is_empty() {
            continue;
        }
        texts.push((line_no, line));
        if texts.len() == CHUNK_LINES {
            let chunk = Chunk {
                number,
                texts: std::mem::take(&mut texts),
            };
            if work_tx.send(chunk).is_err() {
                break;
            }
            number += 1;
        }
    }
    if !texts.is_empty() {
        let _ = work_tx.send(Chunk { number, texts });
    }
    Ok(line_no)
}

/// A worker: takes chunks until there are none, and sends back what it made of each.
fn assess_chunks(
    snapshot: &TariffSnapshot,
    mode: BatchMode,
    work_rx: &std::sync::Mutex<mpsc::Receiver<Chunk>>,
    done_tx: &mpsc::SyncSender<ChunkResult>,
) {
    loop {
        let next = work_rx.lock().ok().and_then(|rx| rx.recv().ok());
        let Some(chunk) = next else {
            break;
        };
        if done_tx.send(assess_chunk(snapshot, mode, chunk)).is_err() {
            break;
        }
    }
}

fn assess_chunk(snapshot: &TariffSnapshot, mode: BatchMode, chunk: Chunk) -> ChunkResult {
    let mut done = ChunkResult {
        number: chunk.number,
        // One buffer per chunk: its lines go out with a single write.
        results: String::new(),
        assessed: 0,
        failed: 0,
    };
    if let BatchMode::ParseOnly = mode {
        for (_, text) in &chunk.texts {
            match parse_declaration_for(snapshot, text) {
                Ok(_) => done.assessed += 1,
                Err(_) => done.failed += 1,
            }
        }
        return done;
    }
    done.results.reserve(chunk.texts.len() * 1200);
    for (line, text) in &chunk.texts {
        let line = *line;
        let declaration = parse_declaration_for(snapshot, text);
        let results = &mut done.results;
        match declaration.and_then(|d| compute(snapshot, &d).map(|c| (c, d))) {
            Ok((computed, declaration)) => {
                done.assessed += 1;
                if let BatchMode::Explained = mode {
                    let full = explain(snapshot, &declaration, &computed);
                    let record = json!({"line": line, "assessment": assessment_json(&full)});
                    results.push_str(&record.to_string());
                } else {
                    computed_json_line(results, line, &declaration, &computed);
                }
            }
            Err(errors) => {
                done.failed += 1;
                let record = json!({"line": line, "errors": errors_json(&errors)});
                results.push_str(&record.to_string());
            }
        }
        results.push('\n');
    }
    done
}
