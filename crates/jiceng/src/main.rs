//! The `jiceng` binary: serve, migrate, demo, user, import.

mod cli;
mod commands;
mod config;
mod demo;
mod divisions;
mod divisions_csv;
mod table;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
