//! Helpers shared by the integration tests and the benchmarks.

pub mod ett2017;
pub mod ett2022;
