//! One step of the machine over a committed state: the semantics of `vm.md` VM-6.1 written
//! against a [`Witness`] that supplies (and proves) the few array cells the step touches.
//!
//! The prover and the verifier run this same function: the prover's witness reads the full
//! state and records what it served, the verifier's witness serves only what the proof
//! carries and checks each item against the header's roots. The fast interpreter in
//! `exec.rs` is a separate implementation of the same rules; property tests hold the two to
//! each other.

use crate::host::ScriptedHost;
use crate::isa::{Instr, Reg};
use crate::machine::{Outcome, STACK_LIMIT, Trap};

use super::state::{STATUS_RUNNING, StateHeader, TapeEntry, host_log_next};
use super::verify::ProofError;

/// What a step needs beyond the header. Each method is called at most once per step, and only
/// in the situations its documentation names; a write's new root is set on the header.
pub(crate) trait Witness {
    /// The instruction at `state.ip`; called only when `ip < program_len`.
    fn instr(&mut self, state: &StateHeader) -> Result<Instr, ProofError>;
    /// The value of stack slot `slot` (`< STACK_LIMIT`), replaced by `write` if given.
    fn stack(&mut self, state: &mut StateHeader, slot: u64, write: i64) -> Result<i64, ProofError>;
    /// The value of memory cell `address` (`< memory_len`), replaced by `write` if given.
    fn memory(&mut self, state: &mut StateHeader, address: u64, write: Option<i64>) -> Result<i64, ProofError>;
    /// Host answer `index` (`< tape_len`).
    fn answer(&mut self, state: &StateHeader, index: u64) -> Result<TapeEntry, ProofError>;
}

/// Applies one step to `state` (RF-3.1, which restates VM-6.1 over the header). A state
/// whose run has ended is left as it is.
pub(crate) fn step<W: Witness>(state: &mut StateHeader, witness: &mut W) -> Result<(), ProofError> {
    if state.status != STATUS_RUNNING {
        return Ok(());
    }
    let s = state;
    s.steps = s.steps.wrapping_add(1);
    if s.ip >= s.program_len {
        return trap(s, Trap::IpOutOfBounds);
    }
    let instr = witness.instr(s)?;
    let cost = instr.gas();
    if s.gas_remaining < cost {
        s.gas_remaining = 0;
        return trap(s, Trap::OutOfGas);
    }
    s.gas_remaining -= cost;
    let reg = |s: &StateHeader, r: Reg| s.regs[r.index()];
    let depth = s.stack_depth;
    match instr {
        Instr::Invalid => return trap(s, Trap::InvalidInstruction),
        Instr::Nop => s.ip += 1,
        Instr::Halt { rs } => s.set_outcome(Some(Outcome::Halted { value: reg(s, rs) })),
        Instr::Revert { rs } => s.set_outcome(Some(Outcome::Reverted { value: reg(s, rs) })),
        Instr::Li { rd, imm } => next(s, rd, imm),
        Instr::Mov { rd, rs } => next(s, rd, reg(s, rs)),
        Instr::Not { rd, rs } => next(s, rd, !reg(s, rs)),
        Instr::Neg { rd, rs } => next(s, rd, reg(s, rs).wrapping_neg()),
        Instr::Push { rs } => {
            if depth >= STACK_LIMIT as u64 {
                return trap(s, Trap::StackOverflow);
            }
            push(s, witness, reg(s, rs))?;
            s.ip += 1;
        }
        Instr::Pop { rd } => {
            if depth == 0 {
                return trap(s, Trap::StackUnderflow);
            }
            let value = pop(s, witness)?;
            next(s, rd, value);
        }
        Instr::Jmp { target } => s.ip = u64::from(target),
        Instr::Jz { rs, target } => jump_if(s, reg(s, rs) == 0, target),
        Instr::Jnz { rs, target } => jump_if(s, reg(s, rs) != 0, target),
        Instr::Branch { cond, ra, rb, target } => jump_if(s, cond.holds(reg(s, ra), reg(s, rb)), target),
        Instr::Call { target } => {
            if depth >= STACK_LIMIT as u64 {
                return trap(s, Trap::StackOverflow);
            }
            // `ip + 1` is at most MAX_PROGRAM_LEN, far below i64::MAX.
            push(s, witness, (s.ip + 1) as i64)?;
            s.ip = u64::from(target);
        }
        Instr::Ret => {
            if depth == 0 {
                return trap(s, Trap::StackUnderflow);
            }
            s.ip = pop(s, witness)? as u64;
        }
        Instr::Load { rd, base, offset } => {
            let address = reg(s, base).wrapping_add(offset) as u64;
            if address >= s.memory_len {
                return trap(s, Trap::MemoryOutOfBounds);
            }
            let value = witness.memory(s, address, None)?;
            next(s, rd, value);
        }
        Instr::Store { base, rs, offset } => {
            let address = reg(s, base).wrapping_add(offset) as u64;
            if address >= s.memory_len {
                return trap(s, Trap::MemoryOutOfBounds);
            }
            witness.memory(s, address, Some(reg(s, rs)))?;
            s.ip += 1;
        }
        Instr::Custom { id } => {
            let index = s.host_calls;
            let answer = if index < s.tape_len {
                witness.answer(s, index)?
            } else {
                TapeEntry::Error { code: ScriptedHost::EXHAUSTED }
            };
            s.host_log = host_log_next(&s.host_log, id, &s.regs);
            s.host_calls = s.host_calls.wrapping_add(1);
            match answer {
                TapeEntry::Ok { value, gas } => {
                    if s.gas_remaining < gas {
                        s.gas_remaining = 0;
                        return trap(s, Trap::OutOfGas);
                    }
                    s.gas_remaining -= gas;
                    next(s, Reg::R0, value);
                }
                TapeEntry::Error { code } => return trap(s, Trap::HostError { code }),
            }
        }
        Instr::Bin { op, rd, ra, rb } => match op.apply(reg(s, ra), reg(s, rb)) {
            Some(value) => next(s, rd, value),
            None => return trap(s, Trap::DivisionByZero),
        },
        Instr::BinI { op, rd, ra, imm } => match op.apply(reg(s, ra), imm) {
            Some(value) => next(s, rd, value),
            None => return trap(s, Trap::DivisionByZero),
        },
    }
    Ok(())
}

/// Writes `rd` and moves to the next instruction.
fn next(s: &mut StateHeader, rd: Reg, value: i64) {
    s.regs[rd.index()] = value;
    s.ip += 1;
}

fn jump_if(s: &mut StateHeader, taken: bool, target: u32) {
    s.ip = if taken { u64::from(target) } else { s.ip + 1 };
}

/// Ends the run with `trap`. Registers, `ip`, stack and memory are untouched (VM-6.2).
fn trap(s: &mut StateHeader, trap: Trap) -> Result<(), ProofError> {
    s.set_outcome(Some(Outcome::Trapped { trap }));
    Ok(())
}

/// Writes `value` into the free slot at the top of the stack, which must hold 0 (RF-2.3).
fn push<W: Witness>(s: &mut StateHeader, witness: &mut W, value: i64) -> Result<(), ProofError> {
    let slot = s.stack_depth;
    let old = witness.stack(s, slot, value)?;
    if old != 0 {
        return Err(ProofError::DirtyStackSlot { slot, value: old });
    }
    s.stack_depth += 1;
    Ok(())
}

/// Reads the top of the stack and clears its slot.
fn pop<W: Witness>(s: &mut StateHeader, witness: &mut W) -> Result<i64, ProofError> {
    let slot = s.stack_depth - 1;
    let value = witness.stack(s, slot, 0)?;
    s.stack_depth = slot;
    Ok(value)
}
