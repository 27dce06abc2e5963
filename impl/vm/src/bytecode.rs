//! The binary bytecode: encoder and strict decoder (`docs/spec/vm.md` §4).
//!
//! ```text
//! bytecode    = magic version count instruction*
//! magic       = "ORVM"            4 bytes: 0x4f 0x52 0x56 0x4d
//! version     = 0x01              1 byte
//! count       = u32 little-endian number of instructions, at most MAX_PROGRAM_LEN
//! instruction = opcode operand*   see the table in vm.md §4
//! ```
//!
//! Integers are little-endian; immediates and offsets are 8-byte two's complement, targets and
//! host ids 4-byte unsigned, registers one byte (0 to 3). Decoding accepts exactly the bytes the
//! encoder produces: anything else is a [`DecodeError`] that says where and why.

use crate::isa::{BinOp, Cond, Instr, Reg, opcode};

/// The four bytes every bytecode starts with.
pub const MAGIC: [u8; 4] = *b"ORVM";
/// The bytecode format version this crate reads and writes.
pub const VERSION: u8 = 1;
/// The length of the header (magic, version, count).
pub const HEADER_LEN: usize = 9;
/// The largest number of instructions a program may have.
pub const MAX_PROGRAM_LEN: u32 = 1 << 20;

/// Why bytes are not a valid program. Offsets count bytes from the start of the bytecode;
/// `index` is the position of the instruction being decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes do not start with `ORVM`.
    #[error("not orsma bytecode: expected magic \"ORVM\" (4f52564d), found {found}")]
    BadMagic {
        /// The first bytes, in hex (up to four).
        found: String,
    },
    /// The version byte is not one this decoder reads.
    #[error("unsupported bytecode version {version}; this decoder reads version {VERSION}")]
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// The header declares more instructions than a program may have.
    #[error("the header declares {count} instructions; the limit is {MAX_PROGRAM_LEN}")]
    TooManyInstructions {
        /// The declared count.
        count: u32,
    },
    /// The bytes end in the middle of the header or of an instruction.
    #[error("bytecode ends at byte {offset} inside {context}")]
    UnexpectedEnd {
        /// The length of the input.
        offset: usize,
        /// What was being read: "the header" or "instruction N".
        context: String,
    },
    /// An opcode byte that names no instruction.
    #[error("byte {offset}: invalid opcode 0x{opcode:02x} at instruction {index}")]
    InvalidOpcode {
        /// Where the opcode is.
        offset: usize,
        /// Which instruction.
        index: u32,
        /// The byte found.
        opcode: u8,
    },
    /// A register byte greater than 3.
    #[error("byte {offset}: invalid register {byte} at instruction {index} (registers are 0 to 3)")]
    InvalidRegister {
        /// Where the register byte is.
        offset: usize,
        /// Which instruction.
        index: u32,
        /// The byte found.
        byte: u8,
    },
    /// Bytes follow the last declared instruction.
    #[error("{count} unexpected bytes after the last instruction, from byte {offset}")]
    TrailingBytes {
        /// Where the surplus starts.
        offset: usize,
        /// How many bytes are surplus.
        count: usize,
    },
}

/// Encodes instructions as bytecode. Callers go through [`crate::Program`], which never holds
/// more than [`MAX_PROGRAM_LEN`] instructions.
pub(crate) fn encode(instrs: &[Instr]) -> Vec<u8> {
    let count = u32::try_from(instrs.len()).expect("a Program holds at most MAX_PROGRAM_LEN instructions");
    let mut out = Vec::with_capacity(HEADER_LEN + instrs.len() * 4);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&count.to_le_bytes());
    for instr in instrs {
        encode_instr(instr, &mut out);
    }
    out
}

/// Appends one instruction's encoding.
pub fn encode_instr(instr: &Instr, out: &mut Vec<u8>) {
    out.push(instr.opcode());
    let reg = |out: &mut Vec<u8>, r: Reg| out.push(r as u8);
    match *instr {
        Instr::Invalid | Instr::Nop | Instr::Ret => {}
        Instr::Halt { rs } | Instr::Revert { rs } | Instr::Push { rs } => reg(out, rs),
        Instr::Pop { rd } => reg(out, rd),
        Instr::Li { rd, imm } => {
            reg(out, rd);
            out.extend_from_slice(&imm.to_le_bytes());
        }
        Instr::Mov { rd, rs } | Instr::Not { rd, rs } | Instr::Neg { rd, rs } => {
            reg(out, rd);
            reg(out, rs);
        }
        Instr::Jmp { target } | Instr::Call { target } => out.extend_from_slice(&target.to_le_bytes()),
        Instr::Jz { rs, target } | Instr::Jnz { rs, target } => {
            reg(out, rs);
            out.extend_from_slice(&target.to_le_bytes());
        }
        Instr::Load { rd, base, offset } => {
            reg(out, rd);
            reg(out, base);
            out.extend_from_slice(&offset.to_le_bytes());
        }
        Instr::Store { base, rs, offset } => {
            reg(out, base);
            reg(out, rs);
            out.extend_from_slice(&offset.to_le_bytes());
        }
        Instr::Custom { id } => out.extend_from_slice(&id.to_le_bytes()),
        Instr::Branch { ra, rb, target, .. } => {
            reg(out, ra);
            reg(out, rb);
            out.extend_from_slice(&target.to_le_bytes());
        }
        Instr::Bin { rd, ra, rb, .. } => {
            reg(out, rd);
            reg(out, ra);
            reg(out, rb);
        }
        Instr::BinI { rd, ra, imm, .. } => {
            reg(out, rd);
            reg(out, ra);
            out.extend_from_slice(&imm.to_le_bytes());
        }
    }
}

/// Decodes bytecode into instructions, strictly.
pub fn decode(bytes: &[u8]) -> Result<Vec<Instr>, DecodeError> {
    let mut r = Reader { bytes, pos: 0, index: 0 };
    let magic = r.take::<4>().map_err(|_| DecodeError::BadMagic { found: hex_prefix(bytes) })?;
    if magic != MAGIC {
        return Err(DecodeError::BadMagic { found: hex_prefix(bytes) });
    }
    let version = r.header_u8()?;
    if version != VERSION {
        return Err(DecodeError::UnsupportedVersion { version });
    }
    let count = u32::from_le_bytes(r.take::<4>().map_err(|_| r.header_end())?);
    if count > MAX_PROGRAM_LEN {
        return Err(DecodeError::TooManyInstructions { count });
    }
    // Every instruction takes at least one byte, so this never over-allocates on a lying count.
    let mut instrs = Vec::with_capacity((count as usize).min(bytes.len()));
    for index in 0..count {
        r.index = index;
        instrs.push(r.instr()?);
    }
    if r.pos < bytes.len() {
        return Err(DecodeError::TrailingBytes { offset: r.pos, count: bytes.len() - r.pos });
    }
    Ok(instrs)
}

/// Decodes exactly one instruction's encoding (no bytecode header), strictly: the bytes must
/// be one instruction and nothing more. One-step proofs carry instructions in this form.
pub fn decode_instr(bytes: &[u8]) -> Result<Instr, DecodeError> {
    let mut r = Reader { bytes, pos: 0, index: 0 };
    let instr = r.instr()?;
    if r.pos < bytes.len() {
        return Err(DecodeError::TrailingBytes { offset: r.pos, count: bytes.len() - r.pos });
    }
    Ok(instr)
}

fn hex_prefix(bytes: &[u8]) -> String {
    let prefix = &bytes[..bytes.len().min(4)];
    if prefix.is_empty() { "no bytes".to_owned() } else { prefix.iter().map(|b| format!("{b:02x}")).collect() }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    index: u32,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let end = self.pos.checked_add(N).filter(|&end| end <= self.bytes.len());
        let Some(chunk) = end.and_then(|end| self.bytes.get(self.pos..end)) else {
            return Err(DecodeError::UnexpectedEnd {
                offset: self.bytes.len(),
                context: format!("instruction {}", self.index),
            });
        };
        self.pos += N;
        let mut out = [0u8; N];
        out.copy_from_slice(chunk);
        Ok(out)
    }

    fn header_end(&self) -> DecodeError {
        DecodeError::UnexpectedEnd { offset: self.bytes.len(), context: "the header".to_owned() }
    }

    fn header_u8(&mut self) -> Result<u8, DecodeError> {
        self.take::<1>().map(|[b]| b).map_err(|_| self.header_end())
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        self.take::<1>().map(|[b]| b)
    }

    fn reg(&mut self) -> Result<Reg, DecodeError> {
        let offset = self.pos;
        let byte = self.u8()?;
        Reg::from_index(byte).ok_or(DecodeError::InvalidRegister { offset, index: self.index, byte })
    }

    fn i64(&mut self) -> Result<i64, DecodeError> {
        self.take::<8>().map(i64::from_le_bytes)
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        self.take::<4>().map(u32::from_le_bytes)
    }

    fn instr(&mut self) -> Result<Instr, DecodeError> {
        let offset = self.pos;
        let op = self.u8()?;
        Ok(match op {
            opcode::INVALID => Instr::Invalid,
            opcode::NOP => Instr::Nop,
            opcode::HALT => Instr::Halt { rs: self.reg()? },
            opcode::REVERT => Instr::Revert { rs: self.reg()? },
            opcode::LI => Instr::Li { rd: self.reg()?, imm: self.i64()? },
            opcode::MOV => Instr::Mov { rd: self.reg()?, rs: self.reg()? },
            opcode::NOT => Instr::Not { rd: self.reg()?, rs: self.reg()? },
            opcode::NEG => Instr::Neg { rd: self.reg()?, rs: self.reg()? },
            opcode::PUSH => Instr::Push { rs: self.reg()? },
            opcode::POP => Instr::Pop { rd: self.reg()? },
            opcode::JMP => Instr::Jmp { target: self.u32()? },
            opcode::JZ => Instr::Jz { rs: self.reg()?, target: self.u32()? },
            opcode::JNZ => Instr::Jnz { rs: self.reg()?, target: self.u32()? },
            opcode::CALL => Instr::Call { target: self.u32()? },
            opcode::RET => Instr::Ret,
            opcode::LOAD => Instr::Load { rd: self.reg()?, base: self.reg()?, offset: self.i64()? },
            opcode::STORE => Instr::Store { base: self.reg()?, rs: self.reg()?, offset: self.i64()? },
            opcode::CUSTOM => Instr::Custom { id: self.u32()? },
            _ => {
                let branch = op.checked_sub(opcode::BRANCH_BASE).and_then(Cond::from_index);
                let bin = op.checked_sub(opcode::BIN_BASE).and_then(BinOp::from_index);
                let bini = op.checked_sub(opcode::BINI_BASE).and_then(BinOp::from_index);
                match (branch, bin, bini) {
                    (Some(cond), _, _) => Instr::Branch { cond, ra: self.reg()?, rb: self.reg()?, target: self.u32()? },
                    (None, Some(op), _) => Instr::Bin { op, rd: self.reg()?, ra: self.reg()?, rb: self.reg()? },
                    (None, None, Some(op)) => Instr::BinI { op, rd: self.reg()?, ra: self.reg()?, imm: self.i64()? },
                    (None, None, None) => {
                        return Err(DecodeError::InvalidOpcode { offset, index: self.index, opcode: op });
                    }
                }
            }
        })
    }
}
