//! Assembly text in: the assembler never panics, and a program it accepts disassembles to
//! text that assembles back to the same program. Inputs that are not UTF-8 are skipped.

#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};
use vm::Program;

fuzz_target!(|data: &[u8]| -> Corpus {
    let Ok(text) = std::str::from_utf8(data) else {
        return Corpus::Reject;
    };
    if let Ok(program) = Program::assemble(text) {
        let canonical = program.disassemble();
        assert_eq!(Program::assemble(&canonical), Ok(program), "the disassembly does not assemble back:\n{canonical}");
    }
    Corpus::Keep
});
