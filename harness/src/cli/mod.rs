//! The `orsma` command line: argument parsing and dispatch to subcommands.

use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Prints a line to stdout; see [`emit`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::emit(format_args!($($arg)*), true)
    };
}

/// Prints to stdout without a line break; see [`emit`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::emit(format_args!($($arg)*), false)
    };
}

mod client;
mod conformance;
mod refute;
mod sim;
mod sim_consensus;
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
    Conformance(conformance::ConformanceArgs),
    /// Generate, verify, export and list conformance vectors.
    #[command(subcommand)]
    Vectors(vectors::VectorsCommand),
    Client(client::ClientArgs),
    /// Work with the VM directly: run, assemble, disassemble and hash programs.
    #[command(subcommand)]
    Vm(vm::VmCommand),
    /// Refute VM runs: state commitments, one-step proofs, and the dissection game.
    #[command(subcommand)]
    Refute(refute::RefuteCommand),
    /// Seeded simulations: data availability sampling, and Tendermint consensus over a faulty network.
    #[command(subcommand)]
    Sim(sim::SimCommand),
}

/// Exit status for bad input: a file that cannot be read, does not parse, or a bad flag.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Writes command output to stdout. A closed stdout (output piped into `head`) ends the
/// program quietly, as it does for other command-line tools, instead of panicking.
pub(crate) fn emit(args: fmt::Arguments<'_>, newline: bool) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| if newline { stdout.write_all(b"\n") } else { Ok(()) });
    quiet_on_broken_pipe(written);
}

/// Ends the program quietly if stdout was closed (output piped into `head`); other write
/// errors are left to the caller's next write.
pub(crate) fn quiet_on_broken_pipe(result: std::io::Result<()>) {
    if let Err(e) = result
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// The program as it was invoked (`orsma`, `target/release/orsma`, …), quoted, so that a
/// printed reproduce command can be pasted.
pub(crate) fn invoked_program() -> String {
    let program = std::env::args().next().filter(|p| !p.is_empty()).unwrap_or_else(|| "orsma".to_owned());
    quote(&program)
}

/// Single-quotes `s` for a POSIX shell when it needs it.
pub(crate) fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conformance(args) => conformance::run(args),
        Command::Vectors(command) => vectors::run(command),
        Command::Client(args) => client::run(args),
        Command::Vm(command) => vm::run(command),
        Command::Refute(command) => refute::run(command),
        Command::Sim(command) => sim::run(command),
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap checks flag names, groups and defaults only when a command is built; this builds
    /// every subcommand at once.
    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
