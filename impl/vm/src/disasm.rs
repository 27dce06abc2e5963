//! The disassembler: instructions to assembly text that assembles back to the same program.
//!
//! Every in-range jump or call target gets a label `L<index>` on its own line; a target outside
//! the program is written as its index. Immediates are signed decimal.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::isa::Instr;

pub(crate) fn disassemble(instrs: &[Instr]) -> String {
    let len = instrs.len() as u64;
    let labelled: BTreeSet<u64> = instrs.iter().filter_map(Instr::target).map(u64::from).filter(|&t| t < len).collect();
    let target = |t: u32| {
        if u64::from(t) < len { format!("L{t}") } else { t.to_string() }
    };
    let mut out = String::new();
    for (index, instr) in instrs.iter().enumerate() {
        if labelled.contains(&(index as u64)) {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "L{index}:");
        }
        let _ = writeln!(out, "    {}", format_instr(instr, &target));
    }
    out
}

/// One instruction as assembly, with `target` naming jump and call targets.
pub(crate) fn format_instr(instr: &Instr, target: &dyn Fn(u32) -> String) -> String {
    let m = instr.mnemonic();
    match *instr {
        Instr::Invalid | Instr::Nop | Instr::Ret => m.to_owned(),
        Instr::Halt { rs } | Instr::Revert { rs } | Instr::Push { rs } => format!("{m} {rs}"),
        Instr::Pop { rd } => format!("{m} {rd}"),
        Instr::Li { rd, imm } => format!("{m} {rd}, {imm}"),
        Instr::Mov { rd, rs } | Instr::Not { rd, rs } | Instr::Neg { rd, rs } => format!("{m} {rd}, {rs}"),
        Instr::Jmp { target: t } | Instr::Call { target: t } => format!("{m} {}", target(t)),
        Instr::Jz { rs, target: t } | Instr::Jnz { rs, target: t } => format!("{m} {rs}, {}", target(t)),
        Instr::Load { rd, base, offset } => format!("{m} {rd}, {}", mem(base, offset)),
        Instr::Store { base, rs, offset } => format!("{m} {}, {rs}", mem(base, offset)),
        Instr::Custom { id } => format!("{m} {id}"),
        Instr::Branch { ra, rb, target: t, .. } => format!("{m} {ra}, {rb}, {}", target(t)),
        Instr::Bin { rd, ra, rb, .. } => format!("{m} {rd}, {ra}, {rb}"),
        Instr::BinI { rd, ra, imm, .. } => format!("{m} {rd}, {ra}, {imm}"),
    }
}

fn mem(base: crate::isa::Reg, offset: i64) -> String {
    match offset {
        0 => format!("[{base}]"),
        o if o > 0 => format!("[{base} + {o}]"),
        o => format!("[{base} - {}]", o.unsigned_abs()),
    }
}

impl std::fmt::Display for Instr {
    /// The instruction as assembly, with targets as instruction indices.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_instr(self, &|t| t.to_string()))
    }
}
