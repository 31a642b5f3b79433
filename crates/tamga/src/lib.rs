//! The shell of tamga: the command line, and the wiring of the pure crates to files and the clock.

pub mod assess_cmd;
pub mod bench_cmd;
pub mod catalogue;
pub mod cli;
pub mod service_cmd;
pub mod tariff_cmd;
pub mod treasury_cmd;

/// Loading the bundle makes hundreds of thousands of small allocations, which mimalloc serves
/// faster than the system allocator; `--features system-allocator` measures the difference
/// (docs/benchmarks.md).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
