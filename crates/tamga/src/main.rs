//! `tamga`: the customs union information system.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tamga::cli::Cli::parse();
    match tamga::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
