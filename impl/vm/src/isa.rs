//! The instruction set: registers, instructions, opcodes, mnemonics and gas costs.
//!
//! This module is the single table that the bytecode codec, the assembler, the disassembler
//! and the interpreter read from. `docs/spec/vm.md` §3–§5 is its normative twin.

use std::fmt;

/// The number of general registers.
pub const REG_COUNT: usize = 4;

/// A general register, `r0` to `r3`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[repr(u8)]
pub enum Reg {
    /// `r0`; also receives the value a host returns from `custom`.
    R0 = 0,
    /// `r1`.
    R1 = 1,
    /// `r2`.
    R2 = 2,
    /// `r3`.
    R3 = 3,
}

impl Reg {
    /// All registers in index order.
    pub const ALL: [Reg; REG_COUNT] = [Reg::R0, Reg::R1, Reg::R2, Reg::R3];

    /// The register with this index, if it exists.
    pub fn from_index(index: u8) -> Option<Reg> {
        Reg::ALL.get(usize::from(index)).copied()
    }

    /// The register's index, 0 to 3.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", *self as u8)
    }
}

/// A binary ALU operation. Each has a register form (`add rd, ra, rb`) and an immediate
/// form (`addi rd, ra, imm`); see [`Instr::Bin`] and [`Instr::BinI`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[repr(u8)]
pub enum BinOp {
    /// Wrapping addition.
    Add = 0,
    /// Wrapping subtraction.
    Sub = 1,
    /// Wrapping multiplication (the low 64 bits of the product).
    Mul = 2,
    /// Signed division, truncating toward zero; `MIN / -1 = MIN`; traps on a zero divisor.
    Div = 3,
    /// Signed remainder, with the sign of the dividend; `MIN % -1 = 0`; traps on zero.
    Rem = 4,
    /// Unsigned division; traps on a zero divisor.
    DivU = 5,
    /// Unsigned remainder; traps on a zero divisor.
    RemU = 6,
    /// Bitwise and.
    And = 7,
    /// Bitwise or.
    Or = 8,
    /// Bitwise exclusive or.
    Xor = 9,
    /// Shift left; an amount of 64 or more (unsigned) gives 0.
    Shl = 10,
    /// Logical shift right; an amount of 64 or more (unsigned) gives 0.
    Shr = 11,
    /// Arithmetic shift right; an amount of 64 or more (unsigned) gives 0 or -1 (the sign).
    Sar = 12,
    /// 1 if equal, else 0.
    Eq = 13,
    /// 1 if not equal, else 0.
    Ne = 14,
    /// 1 if `a < b` as signed integers, else 0.
    Lt = 15,
    /// 1 if `a < b` as unsigned integers, else 0.
    LtU = 16,
    /// 1 if `a > b` as signed integers, else 0.
    Gt = 17,
    /// 1 if `a > b` as unsigned integers, else 0.
    GtU = 18,
}

impl BinOp {
    /// All operations in opcode order.
    pub const ALL: [BinOp; 19] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Rem,
        BinOp::DivU,
        BinOp::RemU,
        BinOp::And,
        BinOp::Or,
        BinOp::Xor,
        BinOp::Shl,
        BinOp::Shr,
        BinOp::Sar,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::LtU,
        BinOp::Gt,
        BinOp::GtU,
    ];

    /// The operation with this index (its opcode minus the form's base), if any.
    pub fn from_index(index: u8) -> Option<BinOp> {
        BinOp::ALL.get(usize::from(index)).copied()
    }

    /// The register-form mnemonic; the immediate form appends `i`.
    pub fn mnemonic(self) -> &'static str {
        match self {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::Div => "div",
            BinOp::Rem => "rem",
            BinOp::DivU => "divu",
            BinOp::RemU => "remu",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Xor => "xor",
            BinOp::Shl => "shl",
            BinOp::Shr => "shr",
            BinOp::Sar => "sar",
            BinOp::Eq => "eq",
            BinOp::Ne => "ne",
            BinOp::Lt => "lt",
            BinOp::LtU => "ltu",
            BinOp::Gt => "gt",
            BinOp::GtU => "gtu",
        }
    }

    /// The gas this operation costs (the same in both forms).
    pub fn gas(self) -> u64 {
        match self {
            BinOp::Mul => gas::MUL,
            BinOp::Div | BinOp::Rem | BinOp::DivU | BinOp::RemU => gas::DIV,
            _ => gas::BASE,
        }
    }

    /// Applies the operation. `None` means division by zero, the only way it can fail.
    #[inline(always)]
    pub fn apply(self, a: i64, b: i64) -> Option<i64> {
        let (ua, ub) = (a as u64, b as u64);
        Some(match self {
            BinOp::Add => a.wrapping_add(b),
            BinOp::Sub => a.wrapping_sub(b),
            BinOp::Mul => a.wrapping_mul(b),
            BinOp::Div if b == 0 => return None,
            BinOp::Div => a.wrapping_div(b),
            BinOp::Rem if b == 0 => return None,
            BinOp::Rem => a.wrapping_rem(b),
            BinOp::DivU => ua.checked_div(ub)? as i64,
            BinOp::RemU => ua.checked_rem(ub)? as i64,
            BinOp::And => a & b,
            BinOp::Or => a | b,
            BinOp::Xor => a ^ b,
            BinOp::Shl => ua.checked_shl(shift_amount(b)).unwrap_or(0) as i64,
            BinOp::Shr => ua.checked_shr(shift_amount(b)).unwrap_or(0) as i64,
            BinOp::Sar => a.checked_shr(shift_amount(b)).unwrap_or(a >> 63),
            BinOp::Eq => i64::from(a == b),
            BinOp::Ne => i64::from(a != b),
            BinOp::Lt => i64::from(a < b),
            BinOp::LtU => i64::from(ua < ub),
            BinOp::Gt => i64::from(a > b),
            BinOp::GtU => i64::from(ua > ub),
        })
    }
}

/// The condition of a compare-and-branch instruction ([`Instr::Branch`]).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[repr(u8)]
pub enum Cond {
    /// `a = b`.
    Eq = 0,
    /// `a ≠ b`.
    Ne = 1,
    /// `a < b` as signed integers.
    Lt = 2,
    /// `a ≥ b` as signed integers.
    Ge = 3,
    /// `a < b` as unsigned integers.
    LtU = 4,
    /// `a ≥ b` as unsigned integers.
    GeU = 5,
}

impl Cond {
    /// All conditions in opcode order.
    pub const ALL: [Cond; 6] = [Cond::Eq, Cond::Ne, Cond::Lt, Cond::Ge, Cond::LtU, Cond::GeU];

    /// The condition with this index (its opcode minus [`opcode::BRANCH_BASE`]), if any.
    pub fn from_index(index: u8) -> Option<Cond> {
        Cond::ALL.get(usize::from(index)).copied()
    }

    /// The branch mnemonic: `beq`, `bne`, `blt`, `bge`, `bltu`, `bgeu`.
    pub fn mnemonic(self) -> &'static str {
        match self {
            Cond::Eq => "beq",
            Cond::Ne => "bne",
            Cond::Lt => "blt",
            Cond::Ge => "bge",
            Cond::LtU => "bltu",
            Cond::GeU => "bgeu",
        }
    }

    /// Whether the condition holds for `a` and `b`.
    #[inline(always)]
    pub fn holds(self, a: i64, b: i64) -> bool {
        match self {
            Cond::Eq => a == b,
            Cond::Ne => a != b,
            Cond::Lt => a < b,
            Cond::Ge => a >= b,
            Cond::LtU => (a as u64) < (b as u64),
            Cond::GeU => (a as u64) >= (b as u64),
        }
    }
}

/// A shift amount as the `checked_sh*` functions want it: amounts of 64 or more (as unsigned
/// integers) map to 64, which those functions reject, so the caller's fallback applies.
#[inline(always)]
fn shift_amount(b: i64) -> u32 {
    u32::try_from(b as u64).unwrap_or(u32::MAX)
}

/// One instruction.
///
/// Jump and call targets are instruction indices, not byte offsets. A target may lie outside
/// the program; the machine then traps with [`crate::Trap::IpOutOfBounds`] when it tries to
/// fetch there.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Instr {
    /// Traps with [`crate::Trap::InvalidInstruction`]. Opcode 0, so zeroed bytes trap.
    Invalid,
    /// Does nothing.
    Nop,
    /// Stops with outcome `halted` and the value of `rs`.
    Halt {
        /// The register holding the return value.
        rs: Reg,
    },
    /// Stops with outcome `reverted` and the value of `rs`.
    Revert {
        /// The register holding the revert value.
        rs: Reg,
    },
    /// `rd ← imm`.
    Li {
        /// Destination.
        rd: Reg,
        /// The value.
        imm: i64,
    },
    /// `rd ← rs`.
    Mov {
        /// Destination.
        rd: Reg,
        /// Source.
        rs: Reg,
    },
    /// `rd ← !rs` (bitwise complement).
    Not {
        /// Destination.
        rd: Reg,
        /// Source.
        rs: Reg,
    },
    /// `rd ← -rs` (wrapping: `-MIN = MIN`).
    Neg {
        /// Destination.
        rd: Reg,
        /// Source.
        rs: Reg,
    },
    /// Pushes `rs` onto the stack.
    Push {
        /// Source.
        rs: Reg,
    },
    /// Pops the top of the stack into `rd`.
    Pop {
        /// Destination.
        rd: Reg,
    },
    /// `ip ← target`.
    Jmp {
        /// Instruction index.
        target: u32,
    },
    /// `ip ← target` if `rs = 0`.
    Jz {
        /// The register tested.
        rs: Reg,
        /// Instruction index.
        target: u32,
    },
    /// `ip ← target` if `rs ≠ 0`.
    Jnz {
        /// The register tested.
        rs: Reg,
        /// Instruction index.
        target: u32,
    },
    /// `ip ← target` if `cond(ra, rb)`.
    Branch {
        /// The comparison.
        cond: Cond,
        /// Left operand.
        ra: Reg,
        /// Right operand.
        rb: Reg,
        /// Instruction index.
        target: u32,
    },
    /// Pushes `ip + 1`, then `ip ← target`.
    Call {
        /// Instruction index.
        target: u32,
    },
    /// Pops an address into `ip` (read as an unsigned 64-bit integer).
    Ret,
    /// `rd ← memory[base + offset]` (wrapping sum, read as unsigned).
    Load {
        /// Destination.
        rd: Reg,
        /// Address base.
        base: Reg,
        /// Address offset.
        offset: i64,
    },
    /// `memory[base + offset] ← rs` (wrapping sum, read as unsigned).
    Store {
        /// Address base.
        base: Reg,
        /// Source.
        rs: Reg,
        /// Address offset.
        offset: i64,
    },
    /// Asks the host: `r0 ← host(id, r0..r3)`, and the host charges gas.
    Custom {
        /// The host function's number; its meaning is the host's.
        id: u32,
    },
    /// `rd ← op(ra, rb)`.
    Bin {
        /// The operation.
        op: BinOp,
        /// Destination.
        rd: Reg,
        /// Left operand.
        ra: Reg,
        /// Right operand.
        rb: Reg,
    },
    /// `rd ← op(ra, imm)`.
    BinI {
        /// The operation.
        op: BinOp,
        /// Destination.
        rd: Reg,
        /// Left operand.
        ra: Reg,
        /// Right operand.
        imm: i64,
    },
}

/// Opcode bytes (`docs/spec/vm.md` §4).
pub mod opcode {
    /// `invalid`.
    pub const INVALID: u8 = 0x00;
    /// `nop`.
    pub const NOP: u8 = 0x01;
    /// `halt rs`.
    pub const HALT: u8 = 0x02;
    /// `revert rs`.
    pub const REVERT: u8 = 0x03;
    /// `li rd, imm`.
    pub const LI: u8 = 0x04;
    /// `mov rd, rs`.
    pub const MOV: u8 = 0x05;
    /// `not rd, rs`.
    pub const NOT: u8 = 0x06;
    /// `neg rd, rs`.
    pub const NEG: u8 = 0x07;
    /// `push rs`.
    pub const PUSH: u8 = 0x08;
    /// `pop rd`.
    pub const POP: u8 = 0x09;
    /// `jmp target`.
    pub const JMP: u8 = 0x0a;
    /// `jz rs, target`.
    pub const JZ: u8 = 0x0b;
    /// `jnz rs, target`.
    pub const JNZ: u8 = 0x0c;
    /// `call target`.
    pub const CALL: u8 = 0x0d;
    /// `ret`.
    pub const RET: u8 = 0x0e;
    /// `load rd, [base + offset]`.
    pub const LOAD: u8 = 0x0f;
    /// `store [base + offset], rs`.
    pub const STORE: u8 = 0x10;
    /// `custom id`.
    pub const CUSTOM: u8 = 0x11;
    /// Base of the compare-and-branch instructions: `0x12 + cond` (`beq` … `bgeu`).
    pub const BRANCH_BASE: u8 = 0x12;
    /// Base of the register-form binary operations: `0x20 + op`.
    pub const BIN_BASE: u8 = 0x20;
    /// Base of the immediate-form binary operations: `0x40 + op`.
    pub const BINI_BASE: u8 = 0x40;
}

/// Gas costs (`docs/spec/vm.md` §5). Every instruction costs at least 1, so gas bounds the
/// number of steps.
pub mod gas {
    /// Moves, bitwise and shift operations, add/sub, comparisons, jumps and branches, `nop`,
    /// `halt`, `revert`, `invalid`.
    pub const BASE: u64 = 1;
    /// `mul`, `muli`.
    pub const MUL: u64 = 3;
    /// `div`, `rem`, `divu`, `remu` and their immediate forms.
    pub const DIV: u64 = 5;
    /// `push`, `pop`.
    pub const STACK: u64 = 2;
    /// `call`, `ret`.
    pub const CALL: u64 = 4;
    /// `load`, `store`.
    pub const MEMORY: u64 = 3;
    /// `custom`, before the host's own charge.
    pub const CUSTOM: u64 = 10;
}

impl Instr {
    /// The opcode byte that starts this instruction's encoding.
    pub fn opcode(&self) -> u8 {
        match self {
            Instr::Invalid => opcode::INVALID,
            Instr::Nop => opcode::NOP,
            Instr::Halt { .. } => opcode::HALT,
            Instr::Revert { .. } => opcode::REVERT,
            Instr::Li { .. } => opcode::LI,
            Instr::Mov { .. } => opcode::MOV,
            Instr::Not { .. } => opcode::NOT,
            Instr::Neg { .. } => opcode::NEG,
            Instr::Push { .. } => opcode::PUSH,
            Instr::Pop { .. } => opcode::POP,
            Instr::Jmp { .. } => opcode::JMP,
            Instr::Jz { .. } => opcode::JZ,
            Instr::Jnz { .. } => opcode::JNZ,
            Instr::Call { .. } => opcode::CALL,
            Instr::Ret => opcode::RET,
            Instr::Load { .. } => opcode::LOAD,
            Instr::Store { .. } => opcode::STORE,
            Instr::Custom { .. } => opcode::CUSTOM,
            Instr::Branch { cond, .. } => opcode::BRANCH_BASE + *cond as u8,
            Instr::Bin { op, .. } => opcode::BIN_BASE + *op as u8,
            Instr::BinI { op, .. } => opcode::BINI_BASE + *op as u8,
        }
    }

    /// The gas charged before the instruction executes. `custom` adds the host's charge.
    pub fn gas(&self) -> u64 {
        match self {
            Instr::Push { .. } | Instr::Pop { .. } => gas::STACK,
            Instr::Call { .. } | Instr::Ret => gas::CALL,
            Instr::Load { .. } | Instr::Store { .. } => gas::MEMORY,
            Instr::Custom { .. } => gas::CUSTOM,
            Instr::Bin { op, .. } | Instr::BinI { op, .. } => op.gas(),
            Instr::Invalid
            | Instr::Nop
            | Instr::Halt { .. }
            | Instr::Revert { .. }
            | Instr::Li { .. }
            | Instr::Mov { .. }
            | Instr::Not { .. }
            | Instr::Neg { .. }
            | Instr::Jmp { .. }
            | Instr::Jz { .. }
            | Instr::Jnz { .. }
            | Instr::Branch { .. } => gas::BASE,
        }
    }

    /// The jump or call target, for instructions that have one.
    pub fn target(&self) -> Option<u32> {
        // Exhaustive on purpose: a new instruction must say whether it has a target.
        match self {
            Instr::Jmp { target }
            | Instr::Jz { target, .. }
            | Instr::Jnz { target, .. }
            | Instr::Branch { target, .. }
            | Instr::Call { target } => Some(*target),
            Instr::Invalid
            | Instr::Nop
            | Instr::Halt { .. }
            | Instr::Revert { .. }
            | Instr::Li { .. }
            | Instr::Mov { .. }
            | Instr::Not { .. }
            | Instr::Neg { .. }
            | Instr::Push { .. }
            | Instr::Pop { .. }
            | Instr::Ret
            | Instr::Load { .. }
            | Instr::Store { .. }
            | Instr::Custom { .. }
            | Instr::Bin { .. }
            | Instr::BinI { .. } => None,
        }
    }

    /// The mnemonic, as the assembler reads it.
    pub fn mnemonic(&self) -> &'static str {
        match self {
            Instr::Invalid => "invalid",
            Instr::Nop => "nop",
            Instr::Halt { .. } => "halt",
            Instr::Revert { .. } => "revert",
            Instr::Li { .. } => "li",
            Instr::Mov { .. } => "mov",
            Instr::Not { .. } => "not",
            Instr::Neg { .. } => "neg",
            Instr::Push { .. } => "push",
            Instr::Pop { .. } => "pop",
            Instr::Jmp { .. } => "jmp",
            Instr::Jz { .. } => "jz",
            Instr::Jnz { .. } => "jnz",
            Instr::Call { .. } => "call",
            Instr::Ret => "ret",
            Instr::Load { .. } => "load",
            Instr::Store { .. } => "store",
            Instr::Custom { .. } => "custom",
            Instr::Branch { cond, .. } => cond.mnemonic(),
            Instr::Bin { op, .. } => op.mnemonic(),
            Instr::BinI { op, .. } => IMM_MNEMONICS[*op as usize],
        }
    }
}

/// Immediate-form mnemonics, in [`BinOp`] order.
pub(crate) const IMM_MNEMONICS: [&str; 19] = [
    "addi", "subi", "muli", "divi", "remi", "divui", "remui", "andi", "ori", "xori", "shli", "shri", "sari", "eqi",
    "nei", "lti", "ltui", "gti", "gtui",
];
