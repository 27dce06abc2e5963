//! Integration tests of the VM through its public API (one test binary, as in the style guide).

mod asm;
mod codec;
mod gas;
mod host;
mod instrs;
mod proof;
mod props;
mod snapshots;
mod traps;

use vm::{Machine, NoHost, Outcome, Program, Trap};

/// Assembles `source`, panicking with the assembler's message if it does not assemble.
pub(crate) fn asm(source: &str) -> Program {
    match Program::assemble(source) {
        Ok(program) => program,
        Err(e) => panic!("test program does not assemble: {e}\n{source}"),
    }
}

/// Runs `source` with `memory` and plenty of gas and no host.
pub(crate) fn run(source: &str, memory: Vec<i64>) -> Machine {
    run_gas(source, memory, 1_000_000)
}

pub(crate) fn run_gas(source: &str, memory: Vec<i64>, gas_limit: u64) -> Machine {
    let program = asm(source);
    vm::eval(&program, memory, &mut NoHost, gas_limit).expect("memory within limits")
}

pub(crate) fn halted(value: i64) -> Option<Outcome> {
    Some(Outcome::Halted { value })
}

pub(crate) fn trapped(trap: Trap) -> Option<Outcome> {
    Some(Outcome::Trapped { trap })
}
