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

/// Assesses one declaration per line on every core, in constant memory, writing one result per
/// line in input order and a summary at the end.
fn batch(snapshot: &TariffSnapshot, args: &AssessArgs) -> anyhow::Result<ExitCode> {
    let file =
        std::fs::File::open(&args.input).with_context(|| format!("cannot open {}", args.input))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(size);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let started = std::time::Instant::now();
    let parse_only = args.parse_only;
    let explain_all = args.explain;
    // A chunk is its number and its declarations, each with its line in the file.
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Vec<(u64, String)>)>(workers * 2);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::sync_channel::<(usize, String, usize, usize)>(workers * 2);
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let (mut assessed, mut failed, mut lines) = (0usize, 0usize, 0u64);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || {
                loop {
                    let next = work_rx.lock().ok().and_then(|rx| rx.recv().ok());
                    let Some((chunk, texts)) = next else {
                        break;
                    };
                    let (mut ok, mut bad) = (0, 0);
                    if parse_only {
                        for (_, text) in &texts {
                            match parse_declaration_for(snapshot, text) {
                                Ok(_) => ok += 1,
                                Err(_) => bad += 1,
                            }
                        }
                        if done_tx.send((chunk, String::new(), ok, bad)).is_err() {
                            break;
                        }
                        continue;
                    }
                    // One buffer per chunk: its lines go out with a single write.
                    let mut results = String::with_capacity(texts.len() * 1200);
                    for (line, text) in &texts {
                        let line = *line;
                        let declaration = parse_declaration_for(snapshot, text);
                        match declaration.and_then(|d| compute(snapshot, &d).map(|c| (c, d))) {
                            Ok((computed, declaration)) if explain_all => {
                                ok += 1;
                                let full = explain(snapshot, &declaration, &computed);
                                results.push_str(
                                    &json!({"line": line, "assessment": assessment_json(&full)})
                                        .to_string(),
                                );
                            }
                            Ok((computed, declaration)) => {
                                ok += 1;
                                computed_json_line(&mut results, line, &declaration, &computed);
                            }
                            Err(errors) => {
                                bad += 1;
                                results.push_str(
                                    &json!({"line": line, "errors": errors_json(&errors)})
                                        .to_string(),
                                );
                            }
                        }
                        results.push('\n');
                    }
                    if done_tx.send((chunk, results, ok, bad)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        // The reader feeds chunks; the writer (this thread) puts results back in input order.
        let reader_handle = scope.spawn(move || -> anyhow::Result<(u64, u64)> {
            let mut chunk = 0usize;
            let mut line_no = 0u64;
            let mut bytes = 0u64;
            let mut texts = Vec::with_capacity(CHUNK_LINES);
            for line in reader.lines() {
                let line = line.context("cannot read the batch file")?;
                line_no += 1;
                bytes += line.len() as u64 + 1;
                // A blank line is no declaration, but it is a line: the numbers after it count it.
                if line.trim().is_empty() {
                    continue;
                }
                texts.push((line_no, line));
                if texts.len() == CHUNK_LINES {
                    if work_tx.send((chunk, std::mem::take(&mut texts))).is_err() {
                        break;
                    }
                    chunk += 1;
                }
            }
            if !texts.is_empty() {
                let _ = work_tx.send((chunk, texts));
            }
            Ok((line_no, bytes))
        });
        let mut pending = std::collections::BTreeMap::new();
        let mut next = 0usize;
        for (chunk, results, ok, bad) in done_rx {
            pending.insert(chunk, (results, ok, bad));
            while let Some((results, ok, bad)) = pending.remove(&next) {
                out.write_all(results.as_bytes())?;
                if let Some(bar) = &progress {
                    bar.inc(results.len() as u64 / 2);
                }
                assessed += ok;
                failed += bad;
                next += 1;
            }
        }
        let (read_lines, _) = reader_handle
            .join()
            .map_err(|_| anyhow::anyhow!("the batch reader stopped"))??;
        lines = read_lines;
        Ok(())
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
        "mode": if parse_only { "parse_only" } else { "assess" },
    }});
    writeln!(out, "{summary}")?;
    out.flush()?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
