//! The `orsma` command line: argument parsing and dispatch to subcommands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod client;
mod conformance;
mod vectors;
mod vm;

/// orsma: a conformance framework for a layered blockchain stack.
///
/// The reference implementation of the whole stack sits behind executable scenarios,
/// generated test vectors and fuzzers, so that other implementations can be checked
/// against it.
#[derive(Debug, Parser)]
#[command(name = "orsma", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the conformance suite against the reference or a client (the main job).
    Conformance(conformance::ConformanceArgs),
    /// Generate, verify, export and list conformance vectors.
    #[command(subcommand)]
    Vectors(vectors::VectorsCommand),
    /// Serve the reference implementation over client protocol v1.
    Client(client::ClientArgs),
    /// Work with the VM directly: run, assemble and disassemble programs.
    #[command(subcommand)]
    Vm(vm::VmCommand),
}

/// Exit status for bad input: a file that cannot be read, does not parse, or a bad flag.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conformance(args) => conformance::run(args),
        Command::Vectors(command) => vectors::run(command),
        Command::Client(args) => client::run(args),
        Command::Vm(command) => vm::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            #[allow(clippy::print_stderr, reason = "the command line reports errors on stderr")]
            {
                eprintln!("error: {error:#}");
            }
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
