//! The orsma VM: a small register machine that knows nothing about blockchains.
//!
//! A [`Program`] is an array of [`Instr`]uctions. The [`Machine`] has four 64-bit registers,
//! an instruction pointer, a bounded stack of 64-bit values and a memory of 64-bit cells whose
//! initial contents the caller passes in. The `custom` instruction asks a [`Host`], also
//! passed in, so that an embedder such as the rollup can give it storage, calls and messages.
//!
//! Every way a run can end is a value ([`Outcome`]), never a panic: halting, reverting, or
//! trapping with a [`Trap`] kind. Malformed bytecode and assembly are typed errors
//! ([`DecodeError`], [`AsmError`]). Gas is charged per instruction, before it executes.
//!
//! **Architecture invariant:** the VM is deterministic and does no IO: the same program,
//! memory, gas limit and host answers give the same final machine, bit for bit.
//!
//! The normative description is `docs/spec/vm.md`; this crate is its reference implementation.
//!
//! ```
//! use vm::{Program, NoHost, Outcome, eval};
//!
//! let program = Program::assemble("
//!     li r0, 10
//! loop:
//!     subi r0, r0, 1
//!     jnz r0, loop
//!     halt r0
//! ").unwrap();
//! let machine = eval(&program, vec![], &mut NoHost, 1_000).unwrap();
//! assert_eq!(machine.outcome, Some(Outcome::Halted { value: 0 }));
//! assert_eq!(machine.gas_used(), 1 + 10 * 2 + 1);
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

#[cfg(not(target_pointer_width = "64"))]
compile_error!("orsma-vm addresses memory with 64-bit integers and needs a 64-bit target");

mod asm;
pub mod bytecode;
mod disasm;
mod exec;
mod host;
pub mod isa;
mod machine;
mod program;
pub mod proof;
mod trace;

pub use asm::{AsmError, AsmErrorKind};
pub use bytecode::DecodeError;
pub use host::{Host, HostCall, HostError, HostReturn, NoHost, ScriptedHost};
pub use isa::{BinOp, Cond, Instr, Reg};
pub use machine::{MAX_MEMORY_CELLS, Machine, MemoryTooLarge, Outcome, STACK_LIMIT, Trap, eval};
pub use program::{Program, ProgramTooLong};
pub use trace::{NoTrace, TraceStep, Tracer};
