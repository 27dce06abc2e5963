//! The interpreter loop and the flat instruction form it dispatches on.
//!
//! [`Instr`] is structured for tools (`Bin { op, .. }`); the loop wants one `match` with one
//! arm per operation, so each program is lowered once into [`Op`], where every binary
//! operation and form is its own variant. The loop is generic over metering, a step budget and
//! the tracer, so the common case (metered, unbounded, untraced) carries no dead checks.

use crate::host::Host;
use crate::isa::{BinOp, Cond, Instr, Reg, gas};
use crate::machine::{Machine, Outcome, STACK_LIMIT, Trap};
use crate::program::Program;
use crate::trace::{TraceStep, Tracer};

/// One instruction in the interpreter's flat form; see [`lower`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    Invalid,
    Nop,
    Halt(Reg),
    Revert(Reg),
    Li(Reg, i64),
    Mov(Reg, Reg),
    Not(Reg, Reg),
    Neg(Reg, Reg),
    Push(Reg),
    Pop(Reg),
    Jmp(u32),
    Jz(Reg, u32),
    Jnz(Reg, u32),
    Call(u32),
    Ret,
    Beq(Reg, Reg, u32),
    Bne(Reg, Reg, u32),
    Blt(Reg, Reg, u32),
    Bge(Reg, Reg, u32),
    BltU(Reg, Reg, u32),
    BgeU(Reg, Reg, u32),
    Load(Reg, Reg, i64),
    Store(Reg, Reg, i64),
    Custom(u32),
    Add(Reg, Reg, Reg),
    Sub(Reg, Reg, Reg),
    Mul(Reg, Reg, Reg),
    Div(Reg, Reg, Reg),
    Rem(Reg, Reg, Reg),
    DivU(Reg, Reg, Reg),
    RemU(Reg, Reg, Reg),
    And(Reg, Reg, Reg),
    Or(Reg, Reg, Reg),
    Xor(Reg, Reg, Reg),
    Shl(Reg, Reg, Reg),
    Shr(Reg, Reg, Reg),
    Sar(Reg, Reg, Reg),
    Eq(Reg, Reg, Reg),
    Ne(Reg, Reg, Reg),
    Lt(Reg, Reg, Reg),
    LtU(Reg, Reg, Reg),
    Gt(Reg, Reg, Reg),
    GtU(Reg, Reg, Reg),
    AddI(Reg, Reg, i64),
    SubI(Reg, Reg, i64),
    MulI(Reg, Reg, i64),
    DivI(Reg, Reg, i64),
    RemI(Reg, Reg, i64),
    DivUI(Reg, Reg, i64),
    RemUI(Reg, Reg, i64),
    AndI(Reg, Reg, i64),
    OrI(Reg, Reg, i64),
    XorI(Reg, Reg, i64),
    ShlI(Reg, Reg, i64),
    ShrI(Reg, Reg, i64),
    SarI(Reg, Reg, i64),
    EqI(Reg, Reg, i64),
    NeI(Reg, Reg, i64),
    LtI(Reg, Reg, i64),
    LtUI(Reg, Reg, i64),
    GtI(Reg, Reg, i64),
    GtUI(Reg, Reg, i64),
}

/// The flat form of one instruction.
pub(crate) fn lower(instr: &Instr) -> Op {
    match *instr {
        Instr::Invalid => Op::Invalid,
        Instr::Nop => Op::Nop,
        Instr::Halt { rs } => Op::Halt(rs),
        Instr::Revert { rs } => Op::Revert(rs),
        Instr::Li { rd, imm } => Op::Li(rd, imm),
        Instr::Mov { rd, rs } => Op::Mov(rd, rs),
        Instr::Not { rd, rs } => Op::Not(rd, rs),
        Instr::Neg { rd, rs } => Op::Neg(rd, rs),
        Instr::Push { rs } => Op::Push(rs),
        Instr::Pop { rd } => Op::Pop(rd),
        Instr::Jmp { target } => Op::Jmp(target),
        Instr::Jz { rs, target } => Op::Jz(rs, target),
        Instr::Jnz { rs, target } => Op::Jnz(rs, target),
        Instr::Call { target } => Op::Call(target),
        Instr::Ret => Op::Ret,
        Instr::Load { rd, base, offset } => Op::Load(rd, base, offset),
        Instr::Store { base, rs, offset } => Op::Store(base, rs, offset),
        Instr::Custom { id } => Op::Custom(id),
        Instr::Branch { cond, ra, rb, target } => {
            let make = match cond {
                Cond::Eq => Op::Beq,
                Cond::Ne => Op::Bne,
                Cond::Lt => Op::Blt,
                Cond::Ge => Op::Bge,
                Cond::LtU => Op::BltU,
                Cond::GeU => Op::BgeU,
            };
            make(ra, rb, target)
        }
        Instr::Bin { op, rd, ra, rb } => {
            let make = match op {
                BinOp::Add => Op::Add,
                BinOp::Sub => Op::Sub,
                BinOp::Mul => Op::Mul,
                BinOp::Div => Op::Div,
                BinOp::Rem => Op::Rem,
                BinOp::DivU => Op::DivU,
                BinOp::RemU => Op::RemU,
                BinOp::And => Op::And,
                BinOp::Or => Op::Or,
                BinOp::Xor => Op::Xor,
                BinOp::Shl => Op::Shl,
                BinOp::Shr => Op::Shr,
                BinOp::Sar => Op::Sar,
                BinOp::Eq => Op::Eq,
                BinOp::Ne => Op::Ne,
                BinOp::Lt => Op::Lt,
                BinOp::LtU => Op::LtU,
                BinOp::Gt => Op::Gt,
                BinOp::GtU => Op::GtU,
            };
            make(rd, ra, rb)
        }
        Instr::BinI { op, rd, ra, imm } => {
            let make = match op {
                BinOp::Add => Op::AddI,
                BinOp::Sub => Op::SubI,
                BinOp::Mul => Op::MulI,
                BinOp::Div => Op::DivI,
                BinOp::Rem => Op::RemI,
                BinOp::DivU => Op::DivUI,
                BinOp::RemU => Op::RemUI,
                BinOp::And => Op::AndI,
                BinOp::Or => Op::OrI,
                BinOp::Xor => Op::XorI,
                BinOp::Shl => Op::ShlI,
                BinOp::Shr => Op::ShrI,
                BinOp::Sar => Op::SarI,
                BinOp::Eq => Op::EqI,
                BinOp::Ne => Op::NeI,
                BinOp::Lt => Op::LtI,
                BinOp::LtU => Op::LtUI,
                BinOp::Gt => Op::GtI,
                BinOp::GtU => Op::GtUI,
            };
            make(rd, ra, imm)
        }
    }
}

/// How the interpreter charges gas (the values of `exec`'s `METER` parameter).
pub(crate) mod meter {
    /// No gas is charged (`Machine::run_unmetered`).
    pub(crate) const OFF: u8 = 0;
    /// Each step charges its own instruction, exactly as `docs/spec/vm.md` VM-6.1 says.
    pub(crate) const STEP: u8 = 1;
    /// Entering a block charges the rest of it at once; see [`rest_gas`].
    pub(crate) const BLOCK: u8 = 2;
}

/// Whether `instr` ends a block: it transfers control, asks the host, or ends the run.
fn ends_block(instr: &Instr) -> bool {
    match instr {
        Instr::Invalid
        | Instr::Halt { .. }
        | Instr::Revert { .. }
        | Instr::Jmp { .. }
        | Instr::Jz { .. }
        | Instr::Jnz { .. }
        | Instr::Branch { .. }
        | Instr::Call { .. }
        | Instr::Ret
        | Instr::Custom { .. } => true,
        Instr::Nop
        | Instr::Li { .. }
        | Instr::Mov { .. }
        | Instr::Not { .. }
        | Instr::Neg { .. }
        | Instr::Push { .. }
        | Instr::Pop { .. }
        | Instr::Load { .. }
        | Instr::Store { .. }
        | Instr::Bin { .. }
        | Instr::BinI { .. } => false,
    }
}

/// For each instruction, the gas of it and of every instruction after it up to and including
/// the next block end: what straight-line execution from there costs until control can leave.
///
/// Block metering charges `rest_gas[ip]` whenever control arrives at `ip` and nothing per
/// instruction, which gives the same result as per-step metering (VM-6.1) as long as the whole
/// rest of the block is paid for: a trap in the middle refunds `rest_gas[ip + 1]`, the part
/// not executed, and a block that cannot be paid for in full runs under per-step metering,
/// which then ends the run inside that block. A block is at most `MAX_PROGRAM_LEN`
/// instructions of at most `gas::CUSTOM` each, so the sums fit in a `u32`.
pub(crate) fn rest_gas(instrs: &[Instr]) -> Vec<u32> {
    let mut rest = vec![0u32; instrs.len()];
    let mut after = 0u32;
    for (i, instr) in instrs.iter().enumerate().rev() {
        let own = u32::try_from(instr.gas()).unwrap_or(u32::MAX);
        let total = if ends_block(instr) { own } else { own.saturating_add(after) };
        if let Some(slot) = rest.get_mut(i) {
            *slot = total;
        }
        after = total;
    }
    rest
}

impl Machine {
    /// The interpreter. `METER` is one of [`meter`]; `BOUNDED` stops after `budget` steps; `T`
    /// is called before each step unless it is [`crate::NoTrace`]. Block metering is only
    /// used unbounded and untraced, where no one can observe the machine in mid-block.
    ///
    /// Each step is atomic: it either completes, or traps and leaves registers, stack, memory
    /// and `ip` as they were before it (only the gas charge, and on `custom` the host's own
    /// state, persist). `docs/spec/vm.md` §6 is the normative description.
    #[inline(never)]
    pub(crate) fn exec<const METER: u8, const BOUNDED: bool, H: Host, T: Tracer>(
        &mut self,
        program: &Program,
        host: &mut H,
        tracer: &mut T,
        mut budget: u64,
    ) {
        if self.outcome.is_some() {
            return;
        }
        let ops = program.ops();
        let rest_gas = program.rest_gas();
        let mut regs = self.regs;
        let mut ip = self.ip;
        let mut gas_left = self.gas_remaining;
        let mut steps = self.steps;
        let stack = &mut self.stack;
        let memory = &mut self.memory[..];
        // Set when a block cannot be paid for in full; the run then continues per step.
        let mut per_step_from_here = false;

        let outcome = 'run: {
            // Control arrives at `ip`: under block metering, pay for the rest of its block.
            macro_rules! enter_block {
                () => {
                    if METER == meter::BLOCK {
                        if let Some(&cost) = usize::try_from(ip).ok().and_then(|i| rest_gas.get(i)) {
                            let cost = u64::from(cost);
                            if gas_left < cost {
                                per_step_from_here = true;
                                break 'run None;
                            }
                            gas_left -= cost;
                        }
                    }
                };
            }
            enter_block!();
            loop {
                if BOUNDED {
                    if budget == 0 {
                        break 'run None;
                    }
                    budget -= 1;
                }
                if T::ENABLED {
                    tracer.on_step(&TraceStep {
                        step: steps,
                        ip,
                        instr: usize::try_from(ip).ok().and_then(|i| program.instrs().get(i)).copied(),
                        regs,
                        stack_depth: u32::try_from(stack.len()).unwrap_or(u32::MAX),
                        gas_remaining: gas_left,
                    });
                }
                steps += 1;
                let Some(&op) = usize::try_from(ip).ok().and_then(|i| ops.get(i)) else {
                    break 'run Some(Outcome::Trapped { trap: Trap::IpOutOfBounds });
                };

                // A trap by an instruction that ends its block: nothing of the block is left.
                macro_rules! trap {
                    ($trap:expr) => {
                        break 'run Some(Outcome::Trapped { trap: $trap })
                    };
                }
                // A trap inside a block: give back what block metering paid for the rest.
                macro_rules! trap_in_block {
                    ($trap:expr) => {{
                        if METER == meter::BLOCK {
                            let rest = usize::try_from(ip + 1).ok().and_then(|i| rest_gas.get(i)).copied();
                            gas_left += u64::from(rest.unwrap_or(0));
                        }
                        trap!($trap)
                    }};
                }
                macro_rules! charge {
                    ($cost:expr) => {
                        if METER == meter::STEP {
                            let cost: u64 = $cost;
                            if gas_left < cost {
                                gas_left = 0;
                                trap!(Trap::OutOfGas);
                            }
                            gas_left -= cost;
                        }
                    };
                }
                // LLVM hoists the operand loads above the dispatch and forgets that a `Reg`
                // is below 4; the mask lets it drop the bounds check (it never changes the
                // index).
                macro_rules! r {
                    ($reg:expr) => {
                        regs[$reg as usize & 3]
                    };
                }
                macro_rules! bin {
                    ($op:expr, $rd:expr, $a:expr, $b:expr) => {{
                        charge!($op.gas());
                        match $op.apply($a, $b) {
                            Some(value) => {
                                r!($rd) = value;
                                ip += 1;
                            }
                            None => trap_in_block!(Trap::DivisionByZero),
                        }
                    }};
                }
                // A conditional jump must stay a branch: as a `cmov`, `ip` would wait for the
                // tested registers on every step instead of being predicted. Marking one side
                // cold keeps LLVM from turning it into a `cmov`; which side does not matter.
                macro_rules! jump_if {
                    ($cond:expr, $target:expr) => {{
                        charge!(gas::BASE);
                        if $cond {
                            ip = u64::from($target);
                        } else {
                            std::hint::cold_path();
                            ip += 1;
                        }
                        enter_block!();
                    }};
                }
                macro_rules! branch {
                    ($cond:expr, $a:expr, $b:expr, $target:expr) => {
                        jump_if!($cond.holds(r!($a), r!($b)), $target)
                    };
                }

                match op {
                    Op::Invalid => {
                        charge!(gas::BASE);
                        trap!(Trap::InvalidInstruction);
                    }
                    Op::Nop => {
                        charge!(gas::BASE);
                        ip += 1;
                    }
                    Op::Halt(rs) => {
                        charge!(gas::BASE);
                        break 'run Some(Outcome::Halted { value: r!(rs) });
                    }
                    Op::Revert(rs) => {
                        charge!(gas::BASE);
                        break 'run Some(Outcome::Reverted { value: r!(rs) });
                    }
                    Op::Li(rd, imm) => {
                        charge!(gas::BASE);
                        r!(rd) = imm;
                        ip += 1;
                    }
                    Op::Mov(rd, rs) => {
                        charge!(gas::BASE);
                        r!(rd) = r!(rs);
                        ip += 1;
                    }
                    Op::Not(rd, rs) => {
                        charge!(gas::BASE);
                        r!(rd) = !r!(rs);
                        ip += 1;
                    }
                    Op::Neg(rd, rs) => {
                        charge!(gas::BASE);
                        r!(rd) = r!(rs).wrapping_neg();
                        ip += 1;
                    }
                    Op::Push(rs) => {
                        charge!(gas::STACK);
                        if stack.len() >= STACK_LIMIT {
                            trap_in_block!(Trap::StackOverflow);
                        }
                        stack.push(r!(rs));
                        ip += 1;
                    }
                    Op::Pop(rd) => {
                        charge!(gas::STACK);
                        let Some(value) = stack.pop() else { trap_in_block!(Trap::StackUnderflow) };
                        r!(rd) = value;
                        ip += 1;
                    }
                    Op::Jmp(target) => {
                        charge!(gas::BASE);
                        ip = u64::from(target);
                        enter_block!();
                    }
                    Op::Jz(rs, target) => jump_if!(r!(rs) == 0, target),
                    Op::Jnz(rs, target) => jump_if!(r!(rs) != 0, target),
                    Op::Beq(a, b, target) => branch!(Cond::Eq, a, b, target),
                    Op::Bne(a, b, target) => branch!(Cond::Ne, a, b, target),
                    Op::Blt(a, b, target) => branch!(Cond::Lt, a, b, target),
                    Op::Bge(a, b, target) => branch!(Cond::Ge, a, b, target),
                    Op::BltU(a, b, target) => branch!(Cond::LtU, a, b, target),
                    Op::BgeU(a, b, target) => branch!(Cond::GeU, a, b, target),
                    Op::Call(target) => {
                        charge!(gas::CALL);
                        if stack.len() >= STACK_LIMIT {
                            trap!(Trap::StackOverflow);
                        }
                        // `ip + 1` is at most MAX_PROGRAM_LEN, far below i64::MAX.
                        stack.push((ip + 1) as i64);
                        ip = u64::from(target);
                        enter_block!();
                    }
                    Op::Ret => {
                        charge!(gas::CALL);
                        let Some(address) = stack.pop() else { trap!(Trap::StackUnderflow) };
                        ip = address as u64;
                        enter_block!();
                    }
                    Op::Load(rd, base, offset) => {
                        charge!(gas::MEMORY);
                        let address = r!(base).wrapping_add(offset) as u64;
                        let Some(&value) = usize::try_from(address).ok().and_then(|a| memory.get(a)) else {
                            trap_in_block!(Trap::MemoryOutOfBounds)
                        };
                        r!(rd) = value;
                        ip += 1;
                    }
                    Op::Store(base, rs, offset) => {
                        charge!(gas::MEMORY);
                        let address = r!(base).wrapping_add(offset) as u64;
                        let Some(cell) = usize::try_from(address).ok().and_then(|a| memory.get_mut(a)) else {
                            trap_in_block!(Trap::MemoryOutOfBounds)
                        };
                        *cell = r!(rs);
                        ip += 1;
                    }
                    Op::Custom(id) => {
                        charge!(gas::CUSTOM);
                        match host.custom(id, &regs) {
                            Ok(answer) => {
                                // The host's charge is dynamic, so every metered mode pays it
                                // here; `custom` ends its block, so nothing else is prepaid.
                                if METER != meter::OFF {
                                    if gas_left < answer.gas {
                                        gas_left = 0;
                                        trap!(Trap::OutOfGas);
                                    }
                                    gas_left -= answer.gas;
                                }
                                regs[0] = answer.value;
                                ip += 1;
                                enter_block!();
                            }
                            Err(error) => trap!(Trap::HostError { code: error.code }),
                        }
                    }
                    Op::Add(d, a, b) => bin!(BinOp::Add, d, r!(a), r!(b)),
                    Op::Sub(d, a, b) => bin!(BinOp::Sub, d, r!(a), r!(b)),
                    Op::Mul(d, a, b) => bin!(BinOp::Mul, d, r!(a), r!(b)),
                    Op::Div(d, a, b) => bin!(BinOp::Div, d, r!(a), r!(b)),
                    Op::Rem(d, a, b) => bin!(BinOp::Rem, d, r!(a), r!(b)),
                    Op::DivU(d, a, b) => bin!(BinOp::DivU, d, r!(a), r!(b)),
                    Op::RemU(d, a, b) => bin!(BinOp::RemU, d, r!(a), r!(b)),
                    Op::And(d, a, b) => bin!(BinOp::And, d, r!(a), r!(b)),
                    Op::Or(d, a, b) => bin!(BinOp::Or, d, r!(a), r!(b)),
                    Op::Xor(d, a, b) => bin!(BinOp::Xor, d, r!(a), r!(b)),
                    Op::Shl(d, a, b) => bin!(BinOp::Shl, d, r!(a), r!(b)),
                    Op::Shr(d, a, b) => bin!(BinOp::Shr, d, r!(a), r!(b)),
                    Op::Sar(d, a, b) => bin!(BinOp::Sar, d, r!(a), r!(b)),
                    Op::Eq(d, a, b) => bin!(BinOp::Eq, d, r!(a), r!(b)),
                    Op::Ne(d, a, b) => bin!(BinOp::Ne, d, r!(a), r!(b)),
                    Op::Lt(d, a, b) => bin!(BinOp::Lt, d, r!(a), r!(b)),
                    Op::LtU(d, a, b) => bin!(BinOp::LtU, d, r!(a), r!(b)),
                    Op::Gt(d, a, b) => bin!(BinOp::Gt, d, r!(a), r!(b)),
                    Op::GtU(d, a, b) => bin!(BinOp::GtU, d, r!(a), r!(b)),
                    Op::AddI(d, a, imm) => bin!(BinOp::Add, d, r!(a), imm),
                    Op::SubI(d, a, imm) => bin!(BinOp::Sub, d, r!(a), imm),
                    Op::MulI(d, a, imm) => bin!(BinOp::Mul, d, r!(a), imm),
                    Op::DivI(d, a, imm) => bin!(BinOp::Div, d, r!(a), imm),
                    Op::RemI(d, a, imm) => bin!(BinOp::Rem, d, r!(a), imm),
                    Op::DivUI(d, a, imm) => bin!(BinOp::DivU, d, r!(a), imm),
                    Op::RemUI(d, a, imm) => bin!(BinOp::RemU, d, r!(a), imm),
                    Op::AndI(d, a, imm) => bin!(BinOp::And, d, r!(a), imm),
                    Op::OrI(d, a, imm) => bin!(BinOp::Or, d, r!(a), imm),
                    Op::XorI(d, a, imm) => bin!(BinOp::Xor, d, r!(a), imm),
                    Op::ShlI(d, a, imm) => bin!(BinOp::Shl, d, r!(a), imm),
                    Op::ShrI(d, a, imm) => bin!(BinOp::Shr, d, r!(a), imm),
                    Op::SarI(d, a, imm) => bin!(BinOp::Sar, d, r!(a), imm),
                    Op::EqI(d, a, imm) => bin!(BinOp::Eq, d, r!(a), imm),
                    Op::NeI(d, a, imm) => bin!(BinOp::Ne, d, r!(a), imm),
                    Op::LtI(d, a, imm) => bin!(BinOp::Lt, d, r!(a), imm),
                    Op::LtUI(d, a, imm) => bin!(BinOp::LtU, d, r!(a), imm),
                    Op::GtI(d, a, imm) => bin!(BinOp::Gt, d, r!(a), imm),
                    Op::GtUI(d, a, imm) => bin!(BinOp::GtU, d, r!(a), imm),
                }
            }
        };

        self.regs = regs;
        self.ip = ip;
        self.gas_remaining = gas_left;
        self.steps = steps;
        self.outcome = outcome;
        if per_step_from_here {
            // The current block cannot be paid for in full, so the run ends inside it; per-step
            // metering finds exactly where.
            self.exec::<{ meter::STEP }, false, H, T>(program, host, tracer, 0);
        }
    }
}
