//! Structured VM inputs shared by the VM targets: instructions built from a few bytes each
//! (registers, immediates biased to the edges, jump targets mostly inside the program) and
//! scripted host answers.

use arbitrary::Arbitrary;
use vm::{BinOp, Cond, HostError, HostReturn, Instr, Reg};

#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Answer {
    Ok { value: Imm, gas: HostGas },
    Err { code: u64 },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum HostGas {
    Small(u8),
    /// Up to `u64::MAX`: the machine must not overflow adding it up.
    Any(u64),
}

/// An immediate, biased toward the edges.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Imm {
    Small(i8),
    Edge(u8),
    Any(i64),
}

/// A jump target: mostly inside the program or just past its end, sometimes anywhere.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Target {
    /// `n mod (len + 2)`.
    Near(u8),
    Any(u32),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum R {
    R0,
    R1,
    R2,
    R3,
}

/// One instruction, in a form that is cheap for the fuzzer to build.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Op {
    Invalid,
    Nop,
    Halt(R),
    Revert(R),
    Li(R, Imm),
    Mov(R, R),
    Not(R, R),
    Neg(R, R),
    Push(R),
    Pop(R),
    Jmp(Target),
    Jz(R, Target),
    Jnz(R, Target),
    /// Condition index modulo the number of conditions.
    Branch(u8, R, R, Target),
    Call(Target),
    Ret,
    Load(R, R, i8),
    Store(R, R, i8),
    Custom(u8),
    /// Operation index modulo the number of operations.
    Bin(u8, R, R, R),
    BinI(u8, R, R, Imm),
}

impl Imm {
    pub(crate) fn value(self) -> i64 {
        const EDGES: [i64; 9] = [i64::MIN, i64::MAX, -1, 0, 1, 63, 64, 65, 1 << 32];
        match self {
            Imm::Small(v) => i64::from(v),
            Imm::Edge(i) => EDGES[usize::from(i) % EDGES.len()],
            Imm::Any(v) => v,
        }
    }
}

impl Target {
    pub(crate) fn index(self, len: usize) -> u32 {
        match self {
            Target::Near(n) => u32::from(n) % (len as u32 + 2),
            Target::Any(t) => t,
        }
    }
}

impl R {
    pub(crate) fn reg(self) -> Reg {
        match self {
            R::R0 => Reg::R0,
            R::R1 => Reg::R1,
            R::R2 => Reg::R2,
            R::R3 => Reg::R3,
        }
    }
}

impl Op {
    pub(crate) fn instr(self, len: usize) -> Instr {
        let bin = |i: u8| BinOp::ALL[usize::from(i) % BinOp::ALL.len()];
        match self {
            Op::Invalid => Instr::Invalid,
            Op::Nop => Instr::Nop,
            Op::Halt(rs) => Instr::Halt { rs: rs.reg() },
            Op::Revert(rs) => Instr::Revert { rs: rs.reg() },
            Op::Li(rd, imm) => Instr::Li { rd: rd.reg(), imm: imm.value() },
            Op::Mov(rd, rs) => Instr::Mov { rd: rd.reg(), rs: rs.reg() },
            Op::Not(rd, rs) => Instr::Not { rd: rd.reg(), rs: rs.reg() },
            Op::Neg(rd, rs) => Instr::Neg { rd: rd.reg(), rs: rs.reg() },
            Op::Push(rs) => Instr::Push { rs: rs.reg() },
            Op::Pop(rd) => Instr::Pop { rd: rd.reg() },
            Op::Jmp(t) => Instr::Jmp { target: t.index(len) },
            Op::Jz(rs, t) => Instr::Jz { rs: rs.reg(), target: t.index(len) },
            Op::Jnz(rs, t) => Instr::Jnz { rs: rs.reg(), target: t.index(len) },
            Op::Branch(c, ra, rb, t) => Instr::Branch {
                cond: Cond::ALL[usize::from(c) % Cond::ALL.len()],
                ra: ra.reg(),
                rb: rb.reg(),
                target: t.index(len),
            },
            Op::Call(t) => Instr::Call { target: t.index(len) },
            Op::Ret => Instr::Ret,
            Op::Load(rd, base, offset) => Instr::Load { rd: rd.reg(), base: base.reg(), offset: i64::from(offset) },
            Op::Store(base, rs, offset) => Instr::Store { base: base.reg(), rs: rs.reg(), offset: i64::from(offset) },
            Op::Custom(id) => Instr::Custom { id: u32::from(id) },
            Op::Bin(op, rd, ra, rb) => Instr::Bin { op: bin(op), rd: rd.reg(), ra: ra.reg(), rb: rb.reg() },
            Op::BinI(op, rd, ra, imm) => Instr::BinI { op: bin(op), rd: rd.reg(), ra: ra.reg(), imm: imm.value() },
        }
    }
}

/// The host's scripted answers, in call order.
pub(crate) fn answers(answers: &[Answer]) -> Vec<Result<HostReturn, HostError>> {
    answers
        .iter()
        .map(|answer| match *answer {
            Answer::Ok { value, gas } => {
                let gas = match gas {
                    HostGas::Small(g) => u64::from(g),
                    HostGas::Any(g) => g,
                };
                Ok(HostReturn { value: value.value(), gas })
            }
            Answer::Err { code } => Err(HostError { code }),
        })
        .collect()
}

/// The largest gas limit a VM target gives a run, so every input ends quickly.
pub(crate) const GAS_CAP: u64 = 100_000;

/// A gas limit for a run.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Gas {
    Cap,
    /// Small limits end runs mid-block (where block metering must agree with step metering)
    /// or in an `out_of_gas` trap after a few steps.
    Small(u8),
    Medium(u16),
    /// Reduced modulo `GAS_CAP + 1`.
    Any(u32),
}

impl Gas {
    /// The limit, at most [`GAS_CAP`].
    pub(crate) fn limit(self) -> u64 {
        match self {
            Gas::Cap => GAS_CAP,
            Gas::Small(g) => u64::from(g),
            Gas::Medium(g) => u64::from(g),
            Gas::Any(g) => u64::from(g) % (GAS_CAP + 1),
        }
    }
}

/// A memory of `size` cells, with each `(address, value)` written at `address mod size`.
pub(crate) fn memory<A: Copy + Into<usize>>(size: usize, init: &[(A, Imm)]) -> Vec<i64> {
    let mut memory = vec![0; size];
    if size > 0 {
        for &(address, value) in init {
            memory[address.into() % size] = value.value();
        }
    }
    memory
}
