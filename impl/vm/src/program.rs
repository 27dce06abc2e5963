//! A program: a validated array of instructions, with its bytecode and hash.

use primitives::{Hash32, keccak256};

use crate::asm::{self, AsmError};
use crate::bytecode::{self, DecodeError, MAX_PROGRAM_LEN};
use crate::disasm;
use crate::exec::{Op, lower, rest_gas};
use crate::isa::Instr;

/// A program of at most [`MAX_PROGRAM_LEN`] instructions, ready to run.
#[derive(Clone, Debug)]
pub struct Program {
    instrs: Vec<Instr>,
    /// The interpreter's flat form of `instrs`, one entry per instruction.
    ops: Vec<Op>,
    /// Block metering's prepaid costs, one entry per instruction; see [`crate::exec::rest_gas`].
    rest_gas: Vec<u32>,
}

/// A program would have more than [`MAX_PROGRAM_LEN`] instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a program of {len} instructions exceeds the limit of {MAX_PROGRAM_LEN}")]
pub struct ProgramTooLong {
    /// The number of instructions offered.
    pub len: usize,
}

impl Program {
    /// A program of these instructions.
    pub fn new(instrs: Vec<Instr>) -> Result<Program, ProgramTooLong> {
        if instrs.len() > MAX_PROGRAM_LEN as usize {
            return Err(ProgramTooLong { len: instrs.len() });
        }
        Ok(Program::lowered(instrs))
    }

    fn lowered(instrs: Vec<Instr>) -> Program {
        let ops = instrs.iter().map(lower).collect();
        let rest_gas = rest_gas(&instrs);
        Program { instrs, ops, rest_gas }
    }

    /// Decodes bytecode (`docs/spec/vm.md` §4), strictly.
    pub fn decode(bytes: &[u8]) -> Result<Program, DecodeError> {
        Ok(Program::lowered(bytecode::decode(bytes)?))
    }

    /// The bytecode of this program.
    pub fn encode(&self) -> Vec<u8> {
        bytecode::encode(&self.instrs)
    }

    /// The program hash: Keccak-256 of the bytecode.
    pub fn hash(&self) -> Hash32 {
        keccak256(&self.encode())
    }

    /// Assembles text (`docs/spec/vm.md` §8).
    pub fn assemble(source: &str) -> Result<Program, AsmError> {
        asm::assemble(source)
    }

    /// The program as assembly text that assembles back to the same program.
    pub fn disassemble(&self) -> String {
        disasm::disassemble(&self.instrs)
    }

    /// The instructions.
    pub fn instrs(&self) -> &[Instr] {
        &self.instrs
    }

    /// The number of instructions.
    pub fn len(&self) -> usize {
        self.instrs.len()
    }

    /// Whether the program has no instructions (running it traps at once).
    pub fn is_empty(&self) -> bool {
        self.instrs.is_empty()
    }

    pub(crate) fn ops(&self) -> &[Op] {
        &self.ops
    }

    pub(crate) fn rest_gas(&self) -> &[u32] {
        &self.rest_gas
    }
}

impl Default for Program {
    /// The empty program; running it traps at once.
    fn default() -> Program {
        Program { instrs: Vec::new(), ops: Vec::new(), rest_gas: Vec::new() }
    }
}

impl PartialEq for Program {
    fn eq(&self, other: &Program) -> bool {
        self.instrs == other.instrs
    }
}

impl Eq for Program {}
