//! The split alone, on one core: `cargo bench -p tamga-treasury --bench split`, then
//! `scripts/bench-medians.sh`. Goal: ≥ 10,000,000 amounts per second. The baseline sums the
//! same amounts (reading them and one add each), measured in the same run.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tamga_core::parse_date;
use tamga_treasury::{Normatives, split_largest_remainder};

fn amounts() -> Vec<i64> {
    // A deterministic spread of amounts from 1 kopeck to ~10 million rubles.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..100_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 1_000_000_000) as i64 + 1
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let snapshot = tamga_tariff::load(&tamga_tariff::EmbeddedSource {
        name: "built-in bundle",
        files: tamga_data::FILES,
    })
    .unwrap();
    let normatives = Normatives::on(&snapshot, parse_date("2020-05-01").unwrap()).unwrap();
    let amounts = amounts();
    let mut group = c.benchmark_group("split");
    group.throughput(Throughput::Elements(amounts.len() as u64));
    group.bench_function("baseline_sum_amounts", |b| {
        b.iter(|| {
            let mut total = 0i64;
            for a in black_box(&amounts) {
                total = total.wrapping_add(*a);
            }
            black_box(total)
        })
    });
    group.bench_function("split_largest_remainder_2020", |b| {
        let mut out = [0i64; 5];
        b.iter(|| {
            let mut check = 0i64;
            for a in black_box(&amounts) {
                split_largest_remainder(*a, &normatives, &mut out).unwrap();
                check = check.wrapping_add(out[0]);
            }
            black_box(check)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
