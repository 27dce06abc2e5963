//! `orsma`: the conformance framework's command-line tool.

use std::process::ExitCode;

fn main() -> ExitCode {
    harness::cli::main()
}
