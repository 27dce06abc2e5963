//! The machine state, outcomes and traps, and the public ways to run a program.

use std::fmt;

use crate::exec::meter;
use crate::host::Host;
use crate::isa::REG_COUNT;
use crate::program::Program;
use crate::trace::{NoTrace, Tracer};

/// The most values the stack can hold; a push beyond it traps with [`Trap::StackOverflow`].
pub const STACK_LIMIT: usize = 1024;
/// The most memory cells a machine can have.
pub const MAX_MEMORY_CELLS: usize = 1 << 24;

/// How a run ended.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Outcome {
    /// `halt rs` ran; `value` is `rs`.
    Halted {
        /// The return value.
        value: i64,
    },
    /// `revert rs` ran; `value` is `rs`.
    Reverted {
        /// The revert value.
        value: i64,
    },
    /// A step trapped.
    Trapped {
        /// Why.
        trap: Trap,
    },
}

/// Why a step trapped. Each has a stable lowercase code used in vectors (`docs/spec/vm.md` §6).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Trap {
    /// `div`, `rem`, `divu` or `remu` (or an immediate form) with a zero divisor.
    DivisionByZero,
    /// `push` or `call` with [`STACK_LIMIT`] values on the stack.
    StackOverflow,
    /// `pop` or `ret` with an empty stack.
    StackUnderflow,
    /// The instruction pointer is not the index of an instruction.
    IpOutOfBounds,
    /// `load` or `store` at an address not below the memory size.
    MemoryOutOfBounds,
    /// The instruction (or the host's charge) costs more gas than is left. All gas is used.
    OutOfGas,
    /// The `invalid` instruction ran.
    InvalidInstruction,
    /// The host refused a `custom` call.
    HostError {
        /// The host's error code.
        code: u64,
    },
}

impl Trap {
    /// The trap's code in vectors and in the client protocol.
    pub fn code(&self) -> &'static str {
        match self {
            Trap::DivisionByZero => "division_by_zero",
            Trap::StackOverflow => "stack_overflow",
            Trap::StackUnderflow => "stack_underflow",
            Trap::IpOutOfBounds => "ip_out_of_bounds",
            Trap::MemoryOutOfBounds => "memory_out_of_bounds",
            Trap::OutOfGas => "out_of_gas",
            Trap::InvalidInstruction => "invalid_instruction",
            Trap::HostError { .. } => "host_error",
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trap::HostError { code } => write!(f, "host_error({code})"),
            other => f.write_str(other.code()),
        }
    }
}

/// The memory handed to a machine is larger than [`MAX_MEMORY_CELLS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("memory of {cells} cells exceeds the limit of {MAX_MEMORY_CELLS}")]
pub struct MemoryTooLarge {
    /// The size that was asked for.
    pub cells: usize,
}

/// The whole state of the VM (`docs/spec/vm.md` §2).
///
/// The fields are public so that tools can inspect and construct states (for example to
/// check one step). Nothing here can make the interpreter panic: an over-full stack traps on
/// the next push, and `gas_remaining` above `gas_limit` merely reads as no gas used.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Machine {
    /// `r0` to `r3`.
    pub regs: [i64; REG_COUNT],
    /// The index of the next instruction.
    pub ip: u64,
    /// The stack, bottom first.
    pub stack: Vec<i64>,
    /// The memory; its length is fixed for the run.
    pub memory: Vec<i64>,
    /// The gas the run started with.
    pub gas_limit: u64,
    /// The gas left.
    pub gas_remaining: u64,
    /// Steps taken so far.
    pub steps: u64,
    /// `None` while running; the outcome once the run has ended.
    pub outcome: Option<Outcome>,
}

impl Machine {
    /// A machine at the start of a run: registers zero, `ip = 0`, an empty stack.
    pub fn new(memory: Vec<i64>, gas_limit: u64) -> Result<Machine, MemoryTooLarge> {
        if memory.len() > MAX_MEMORY_CELLS {
            return Err(MemoryTooLarge { cells: memory.len() });
        }
        Ok(Machine {
            regs: [0; REG_COUNT],
            ip: 0,
            stack: Vec::new(),
            memory,
            gas_limit,
            gas_remaining: gas_limit,
            steps: 0,
            outcome: None,
        })
    }

    /// The gas used so far.
    pub fn gas_used(&self) -> u64 {
        self.gas_limit.saturating_sub(self.gas_remaining)
    }

    /// Runs until the program halts, reverts or traps. Does nothing if the run has ended.
    pub fn run<H: Host>(&mut self, program: &Program, host: &mut H) {
        self.exec::<{ meter::BLOCK }, false, H, NoTrace>(program, host, &mut NoTrace, 0);
    }

    /// Like [`Machine::run`], calling `tracer` before every step. If the tracer is not
    /// [active](Tracer::is_active) when the run starts, this is exactly [`Machine::run`].
    pub fn run_traced<H: Host, T: Tracer>(&mut self, program: &Program, host: &mut H, tracer: &mut T) {
        if T::ENABLED && tracer.is_active() {
            self.exec::<{ meter::STEP }, false, H, T>(program, host, tracer, 0);
        } else {
            self.run(program, host);
        }
    }

    /// Takes at most `max_steps` steps; stops earlier if the run ends.
    pub fn run_steps<H: Host>(&mut self, program: &Program, host: &mut H, max_steps: u64) {
        self.exec::<{ meter::STEP }, true, H, NoTrace>(program, host, &mut NoTrace, max_steps);
    }

    /// Takes one step, unless the run has ended.
    pub fn step<H: Host>(&mut self, program: &Program, host: &mut H) {
        self.run_steps(program, host, 1);
    }

    /// Runs without charging gas. Only for trusted programs and for measuring what metering
    /// costs: a program that never halts never returns. `gas_remaining` is left untouched.
    pub fn run_unmetered<H: Host>(&mut self, program: &Program, host: &mut H) {
        self.exec::<{ meter::OFF }, false, H, NoTrace>(program, host, &mut NoTrace, 0);
    }
}

/// Runs `program` on `memory` to the end with `gas_limit` gas and returns the final machine.
pub fn eval<H: Host>(
    program: &Program,
    memory: Vec<i64>,
    host: &mut H,
    gas_limit: u64,
) -> Result<Machine, MemoryTooLarge> {
    let mut machine = Machine::new(memory, gas_limit)?;
    machine.run(program, host);
    Ok(machine)
}
