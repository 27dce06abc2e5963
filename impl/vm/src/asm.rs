//! The assembler: text to [`Program`] (`docs/spec/vm.md` §8).
//!
//! ```text
//! line        = { label ":" } [ instruction ] [ comment ]
//! comment     = ( ";" | "#" ) { any character }
//! label       = ident that is not a register name
//! ident       = ( letter | "_" | "." ) { letter | digit | "_" | "." }
//! instruction = mnemonic [ operand { "," operand } ]
//! operand     = register | immediate | target | "[" register [ ("+" | "-") number ] "]"
//! register    = "r0" | "r1" | "r2" | "r3"
//! immediate   = [ "+" | "-" ] number            (fits i64, or u64 as a bit pattern)
//! target      = ident | number                  (a label, or an instruction index)
//! number      = decimal | "0x" hex | "0b" binary   ("_" may separate digits)
//! ```
//!
//! Mnemonics and register names are case-insensitive; labels are case-sensitive.

use std::collections::BTreeMap;
use std::fmt;

use crate::bytecode::MAX_PROGRAM_LEN;
use crate::isa::{BinOp, Cond, IMM_MNEMONICS, Instr, Reg};
use crate::program::Program;

/// An assembly error, with the 1-based line it was found on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct AsmError {
    /// The line, counting from 1.
    pub line: usize,
    /// What is wrong.
    pub kind: AsmErrorKind,
}

/// What is wrong with a line of assembly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsmErrorKind {
    /// No instruction has this mnemonic.
    UnknownMnemonic {
        /// The word found.
        found: String,
    },
    /// The instruction takes a different number of operands.
    WrongOperandCount {
        /// The instruction.
        mnemonic: &'static str,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// A register (`r0` to `r3`) was expected.
    ExpectedRegister {
        /// The operand found.
        found: String,
    },
    /// An immediate that is not a number or does not fit in 64 bits.
    BadImmediate {
        /// The operand found.
        found: String,
    },
    /// A target that is neither a label nor an instruction index below 2^32.
    BadTarget {
        /// The operand found.
        found: String,
    },
    /// A host id that is not a number below 2^32.
    BadHostId {
        /// The operand found.
        found: String,
    },
    /// A memory operand not of the form `[rN]`, `[rN + k]` or `[rN - k]`.
    BadMemoryOperand {
        /// The operand found.
        found: String,
    },
    /// A label that is a register name or not an identifier.
    BadLabel {
        /// The label found.
        found: String,
    },
    /// The label was already defined.
    DuplicateLabel {
        /// The label.
        label: String,
        /// Where it was first defined.
        first_line: usize,
    },
    /// A jump or call names a label that is never defined.
    UndefinedLabel {
        /// The label.
        label: String,
    },
    /// The program would exceed [`MAX_PROGRAM_LEN`] instructions.
    TooManyInstructions,
}

impl fmt::Display for AsmErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsmErrorKind::UnknownMnemonic { found } => write!(f, "unknown instruction `{found}`"),
            AsmErrorKind::WrongOperandCount { mnemonic, expected, got } => {
                write!(f, "`{mnemonic}` takes {expected} operand(s), got {got}")
            }
            AsmErrorKind::ExpectedRegister { found } => {
                write!(f, "expected a register r0..r3, found `{found}`")
            }
            AsmErrorKind::BadImmediate { found } => {
                write!(f, "`{found}` is not a 64-bit integer (decimal, 0x hex or 0b binary)")
            }
            AsmErrorKind::BadTarget { found } => {
                write!(f, "`{found}` is not a label or an instruction index below 2^32")
            }
            AsmErrorKind::BadHostId { found } => write!(f, "`{found}` is not a host id below 2^32"),
            AsmErrorKind::BadMemoryOperand { found } => {
                write!(f, "`{found}` is not a memory operand; write [rN], [rN + k] or [rN - k]")
            }
            AsmErrorKind::BadLabel { found } => {
                write!(f, "`{found}` cannot be a label (use letters, digits, _ and ., not a register name)")
            }
            AsmErrorKind::DuplicateLabel { label, first_line } => {
                write!(f, "label `{label}` is already defined on line {first_line}")
            }
            AsmErrorKind::UndefinedLabel { label } => write!(f, "label `{label}` is never defined"),
            AsmErrorKind::TooManyInstructions => {
                write!(f, "the program exceeds {MAX_PROGRAM_LEN} instructions")
            }
        }
    }
}

/// Assembles `source` into a program.
pub(crate) fn assemble(source: &str) -> Result<Program, AsmError> {
    // Pass 1: split lines into labels and instruction text, and give labels their indices.
    let mut labels: BTreeMap<&str, (u32, usize)> = BTreeMap::new();
    let mut lines: Vec<(usize, &str)> = Vec::new();
    for (line_idx, raw) in source.lines().enumerate() {
        let line = line_idx + 1;
        let err = |kind| AsmError { line, kind };
        let mut rest = strip_comment(raw).trim();
        while let Some((label, after)) = split_label(rest) {
            if !is_ident(label) || parse_reg(label).is_some() {
                return Err(err(AsmErrorKind::BadLabel { found: label.to_owned() }));
            }
            let index = u32::try_from(lines.len()).map_err(|_| err(AsmErrorKind::TooManyInstructions))?;
            if let Some(&(_, first_line)) = labels.get(label) {
                return Err(err(AsmErrorKind::DuplicateLabel { label: label.to_owned(), first_line }));
            }
            labels.insert(label, (index, line));
            rest = after.trim_start();
        }
        if !rest.is_empty() {
            if lines.len() >= MAX_PROGRAM_LEN as usize {
                return Err(err(AsmErrorKind::TooManyInstructions));
            }
            lines.push((line, rest));
        }
    }

    // Pass 2: parse each instruction.
    let mut instrs = Vec::with_capacity(lines.len());
    for (line, text) in lines {
        let instr = parse_instr(text, &labels).map_err(|kind| AsmError { line, kind })?;
        instrs.push(instr);
    }
    Program::new(instrs).map_err(|_| AsmError { line: source.lines().count(), kind: AsmErrorKind::TooManyInstructions })
}

fn strip_comment(line: &str) -> &str {
    match line.find([';', '#']) {
        Some(at) => &line[..at],
        None => line,
    }
}

/// Splits `label: rest` off the front of a line, if the line starts with a label definition.
fn split_label(text: &str) -> Option<(&str, &str)> {
    let colon = text.find(':')?;
    let label = text[..colon].trim_end();
    // Only a single word before the colon is a label; `store [r0], r1` has no colon anyway.
    if label.is_empty() || label.contains(char::is_whitespace) {
        return None;
    }
    Some((label, &text[colon + 1..]))
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '.')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn parse_instr(text: &str, labels: &BTreeMap<&str, (u32, usize)>) -> Result<Instr, AsmErrorKind> {
    let (mnemonic, operand_text) = match text.find(char::is_whitespace) {
        Some(at) => (&text[..at], text[at..].trim()),
        None => (text, ""),
    };
    let operands: Vec<&str> =
        if operand_text.is_empty() { Vec::new() } else { operand_text.split(',').map(str::trim).collect() };
    let lower = mnemonic.to_ascii_lowercase();
    let shape = Shape::of(&lower).ok_or_else(|| AsmErrorKind::UnknownMnemonic { found: mnemonic.to_owned() })?;
    if operands.len() != shape.arity() {
        return Err(AsmErrorKind::WrongOperandCount {
            mnemonic: shape.mnemonic(),
            expected: shape.arity(),
            got: operands.len(),
        });
    }
    let reg = |i: usize| reg_operand(operands[i]);
    let imm = |i: usize| imm_operand(operands[i]);
    let target = |i: usize| target_operand(operands[i], labels);
    Ok(match shape {
        Shape::Plain(instr) => instr,
        Shape::Halt => Instr::Halt { rs: reg(0)? },
        Shape::Revert => Instr::Revert { rs: reg(0)? },
        Shape::Push => Instr::Push { rs: reg(0)? },
        Shape::Pop => Instr::Pop { rd: reg(0)? },
        Shape::Li => Instr::Li { rd: reg(0)?, imm: imm(1)? },
        Shape::Mov => Instr::Mov { rd: reg(0)?, rs: reg(1)? },
        Shape::Not => Instr::Not { rd: reg(0)?, rs: reg(1)? },
        Shape::Neg => Instr::Neg { rd: reg(0)?, rs: reg(1)? },
        Shape::Jmp => Instr::Jmp { target: target(0)? },
        Shape::Call => Instr::Call { target: target(0)? },
        Shape::Jz => Instr::Jz { rs: reg(0)?, target: target(1)? },
        Shape::Jnz => Instr::Jnz { rs: reg(0)?, target: target(1)? },
        Shape::Load => {
            let rd = reg(0)?;
            let (base, offset) = mem_operand(operands[1])?;
            Instr::Load { rd, base, offset }
        }
        Shape::Store => {
            let (base, offset) = mem_operand(operands[0])?;
            Instr::Store { base, rs: reg(1)?, offset }
        }
        Shape::Custom => {
            let found = operands[0];
            let id = parse_unsigned(found)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| AsmErrorKind::BadHostId { found: found.to_owned() })?;
            Instr::Custom { id }
        }
        Shape::Branch(cond) => Instr::Branch { cond, ra: reg(0)?, rb: reg(1)?, target: target(2)? },
        Shape::Bin(op) => Instr::Bin { op, rd: reg(0)?, ra: reg(1)?, rb: reg(2)? },
        Shape::BinI(op) => Instr::BinI { op, rd: reg(0)?, ra: reg(1)?, imm: imm(2)? },
    })
}

/// The operand layout of a mnemonic.
#[derive(Clone, Copy)]
enum Shape {
    Plain(Instr),
    Halt,
    Revert,
    Push,
    Pop,
    Li,
    Mov,
    Not,
    Neg,
    Jmp,
    Call,
    Jz,
    Jnz,
    Load,
    Store,
    Custom,
    Branch(Cond),
    Bin(BinOp),
    BinI(BinOp),
}

impl Shape {
    fn of(mnemonic: &str) -> Option<Shape> {
        Some(match mnemonic {
            "invalid" => Shape::Plain(Instr::Invalid),
            "nop" => Shape::Plain(Instr::Nop),
            "ret" => Shape::Plain(Instr::Ret),
            "halt" => Shape::Halt,
            "revert" => Shape::Revert,
            "push" => Shape::Push,
            "pop" => Shape::Pop,
            "li" => Shape::Li,
            "mov" => Shape::Mov,
            "not" => Shape::Not,
            "neg" => Shape::Neg,
            "jmp" => Shape::Jmp,
            "call" => Shape::Call,
            "jz" => Shape::Jz,
            "jnz" => Shape::Jnz,
            "load" => Shape::Load,
            "store" => Shape::Store,
            "custom" => Shape::Custom,
            other => {
                if let Some(cond) = Cond::ALL.into_iter().find(|c| c.mnemonic() == other) {
                    Shape::Branch(cond)
                } else if let Some(op) = BinOp::ALL.into_iter().find(|op| op.mnemonic() == other) {
                    Shape::Bin(op)
                } else {
                    let at = IMM_MNEMONICS.iter().position(|m| *m == other)?;
                    Shape::BinI(BinOp::ALL[at])
                }
            }
        })
    }

    fn arity(self) -> usize {
        match self {
            Shape::Plain(_) => 0,
            Shape::Halt | Shape::Revert | Shape::Push | Shape::Pop | Shape::Jmp | Shape::Call | Shape::Custom => 1,
            Shape::Li | Shape::Mov | Shape::Not | Shape::Neg | Shape::Jz | Shape::Jnz | Shape::Load | Shape::Store => 2,
            Shape::Branch(_) | Shape::Bin(_) | Shape::BinI(_) => 3,
        }
    }

    fn mnemonic(self) -> &'static str {
        match self {
            Shape::Plain(instr) => instr.mnemonic(),
            Shape::Halt => "halt",
            Shape::Revert => "revert",
            Shape::Push => "push",
            Shape::Pop => "pop",
            Shape::Li => "li",
            Shape::Mov => "mov",
            Shape::Not => "not",
            Shape::Neg => "neg",
            Shape::Jmp => "jmp",
            Shape::Call => "call",
            Shape::Jz => "jz",
            Shape::Jnz => "jnz",
            Shape::Load => "load",
            Shape::Store => "store",
            Shape::Custom => "custom",
            Shape::Branch(cond) => cond.mnemonic(),
            Shape::Bin(op) => op.mnemonic(),
            Shape::BinI(op) => IMM_MNEMONICS[op as usize],
        }
    }
}

fn parse_reg(text: &str) -> Option<Reg> {
    match text.to_ascii_lowercase().as_str() {
        "r0" => Some(Reg::R0),
        "r1" => Some(Reg::R1),
        "r2" => Some(Reg::R2),
        "r3" => Some(Reg::R3),
        _ => None,
    }
}

fn reg_operand(text: &str) -> Result<Reg, AsmErrorKind> {
    parse_reg(text).ok_or_else(|| AsmErrorKind::ExpectedRegister { found: text.to_owned() })
}

/// A number without sign: decimal, `0x` hex or `0b` binary, `_` allowed between digits.
fn parse_unsigned(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let (digits, radix) = if let Some(hex) = lower.strip_prefix("0x") {
        (hex, 16)
    } else if let Some(bin) = lower.strip_prefix("0b") {
        (bin, 2)
    } else {
        (lower.as_str(), 10)
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return None;
    }
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    if !cleaned.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(&cleaned, radix).ok()
}

/// A signed immediate: `-k` for `k ≤ 2^63`, or `+k`/`k` for `k < 2^64` (as a bit pattern).
fn parse_imm(text: &str) -> Option<i64> {
    if let Some(magnitude) = text.strip_prefix('-') {
        let k = parse_unsigned(magnitude.trim_start())?;
        (k <= 1 << 63).then(|| (k as i64).wrapping_neg())
    } else {
        parse_unsigned(text.strip_prefix('+').map_or(text, str::trim_start)).map(|k| k as i64)
    }
}

fn imm_operand(text: &str) -> Result<i64, AsmErrorKind> {
    parse_imm(text).ok_or_else(|| AsmErrorKind::BadImmediate { found: text.to_owned() })
}

fn target_operand(text: &str, labels: &BTreeMap<&str, (u32, usize)>) -> Result<u32, AsmErrorKind> {
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        return parse_unsigned(text)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| AsmErrorKind::BadTarget { found: text.to_owned() });
    }
    if !is_ident(text) {
        return Err(AsmErrorKind::BadTarget { found: text.to_owned() });
    }
    labels.get(text).map(|&(index, _)| index).ok_or_else(|| AsmErrorKind::UndefinedLabel { label: text.to_owned() })
}

fn mem_operand(text: &str) -> Result<(Reg, i64), AsmErrorKind> {
    let bad = || AsmErrorKind::BadMemoryOperand { found: text.to_owned() };
    let inner = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).ok_or_else(bad)?.trim();
    let (base_text, offset) = match inner.find(['+', '-']) {
        None => (inner, 0),
        Some(at) => {
            let sign_and_number = inner[at..].trim();
            let number = sign_and_number[1..].trim();
            let magnitude = parse_unsigned(number).ok_or_else(bad)?;
            let offset = if sign_and_number.starts_with('-') {
                if magnitude > 1 << 63 {
                    return Err(bad());
                }
                (magnitude as i64).wrapping_neg()
            } else {
                magnitude as i64
            };
            (inner[..at].trim(), offset)
        }
    };
    let base = parse_reg(base_text).ok_or_else(bad)?;
    Ok((base, offset))
}
