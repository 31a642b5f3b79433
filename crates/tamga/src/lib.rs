//! The shell of tamga: the command line, and the wiring of the pure crates to files and the clock.

pub mod catalogue;
pub mod cli;
pub mod tariff_cmd;
