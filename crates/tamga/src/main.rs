//! `tamga`: the customs union information system.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tamga::cli::Cli::parse();
    // A report piped into `head` should end quietly when the reader goes, as Unix tools do; the
    // Rust runtime ignores SIGPIPE instead, so that printing panics. The network commands keep
    // it ignored: a client hanging up must not kill the server.
    if !matches!(
        cli.command,
        tamga::cli::Command::Serve(_) | tamga::cli::Command::Bench(_)
    ) {
        restore_default_sigpipe();
    }
    match tamga::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(unix)]
fn restore_default_sigpipe() {
    // SAFETY: called once at start, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_default_sigpipe() {}
