//! The shell of tamga: the command line, and the wiring of the pure crates to files and the clock.

pub mod catalogue;
pub mod cli;
pub mod tariff_cmd;

/// Loading the bundle makes hundreds of thousands of small allocations; mimalloc cuts its time
/// by a quarter against the system allocator (see docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
