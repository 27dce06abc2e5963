//! The assembler's syntax and its errors.

use vm::{AsmError, AsmErrorKind, Instr, Program, Reg};

fn err(source: &str) -> AsmError {
    Program::assemble(source).expect_err("should not assemble")
}

#[test]
fn labels_comments_and_case() {
    let program = Program::assemble(
        "; a comment line\n\
         start:   LI R0, 0x10   # mnemonics and registers in any case\n\
         \n\
         a: b:\n\
         \tJMP a ; two labels, one index\n\
         end:",
    )
    .expect("assembles");
    assert_eq!(program.instrs(), [Instr::Li { rd: Reg::R0, imm: 16 }, Instr::Jmp { target: 1 }]);
}

#[test]
fn labels_are_case_sensitive_and_may_hold_dots_and_underscores() {
    let program = Program::assemble("Loop: nop\n.inner_1: jmp Loop\njmp .inner_1").expect("assembles");
    assert_eq!(program.instrs()[1..], [Instr::Jmp { target: 0 }, Instr::Jmp { target: 1 }]);
    assert_eq!(err("Loop: nop\njmp loop").kind, AsmErrorKind::UndefinedLabel { label: "loop".into() });
}

#[test]
fn memory_operands() {
    let program = Program::assemble(
        "load r0, [r1]\nload r0, [ r1 + 8 ]\nload r0, [r1-0x10]\nstore [r2 - 9223372036854775808], r3",
    )
    .expect("assembles");
    assert_eq!(
        program.instrs(),
        [
            Instr::Load { rd: Reg::R0, base: Reg::R1, offset: 0 },
            Instr::Load { rd: Reg::R0, base: Reg::R1, offset: 8 },
            Instr::Load { rd: Reg::R0, base: Reg::R1, offset: -16 },
            Instr::Store { base: Reg::R2, rs: Reg::R3, offset: i64::MIN },
        ]
    );
}

#[test]
fn every_error_kind_names_its_line() {
    let cases: Vec<(&str, AsmError)> = vec![
        ("nop\nfrob r0", AsmError { line: 2, kind: AsmErrorKind::UnknownMnemonic { found: "frob".into() } }),
        (
            "add r0, r1",
            AsmError { line: 1, kind: AsmErrorKind::WrongOperandCount { mnemonic: "add", expected: 3, got: 2 } },
        ),
        (
            "ret r0",
            AsmError { line: 1, kind: AsmErrorKind::WrongOperandCount { mnemonic: "ret", expected: 0, got: 1 } },
        ),
        ("mov r0, r4", AsmError { line: 1, kind: AsmErrorKind::ExpectedRegister { found: "r4".into() } }),
        ("li 5, r0", AsmError { line: 1, kind: AsmErrorKind::ExpectedRegister { found: "5".into() } }),
        (
            "li r0, 18446744073709551616",
            AsmError { line: 1, kind: AsmErrorKind::BadImmediate { found: "18446744073709551616".into() } },
        ),
        (
            "li r0, -9223372036854775809",
            AsmError { line: 1, kind: AsmErrorKind::BadImmediate { found: "-9223372036854775809".into() } },
        ),
        ("li r0, 0x", AsmError { line: 1, kind: AsmErrorKind::BadImmediate { found: "0x".into() } }),
        ("li r0, 12ab", AsmError { line: 1, kind: AsmErrorKind::BadImmediate { found: "12ab".into() } }),
        ("jmp 4294967296", AsmError { line: 1, kind: AsmErrorKind::BadTarget { found: "4294967296".into() } }),
        ("jmp [r0]", AsmError { line: 1, kind: AsmErrorKind::BadTarget { found: "[r0]".into() } }),
        ("\n\njmp nowhere", AsmError { line: 3, kind: AsmErrorKind::UndefinedLabel { label: "nowhere".into() } }),
        ("custom -1", AsmError { line: 1, kind: AsmErrorKind::BadHostId { found: "-1".into() } }),
        ("load r0, r1", AsmError { line: 1, kind: AsmErrorKind::BadMemoryOperand { found: "r1".into() } }),
        ("load r0, [r1 * 2]", AsmError { line: 1, kind: AsmErrorKind::BadMemoryOperand { found: "[r1 * 2]".into() } }),
        ("store [5], r0", AsmError { line: 1, kind: AsmErrorKind::BadMemoryOperand { found: "[5]".into() } }),
        ("r1: nop", AsmError { line: 1, kind: AsmErrorKind::BadLabel { found: "r1".into() } }),
        ("9lives: nop", AsmError { line: 1, kind: AsmErrorKind::BadLabel { found: "9lives".into() } }),
        (
            "x: nop\n\ny: nop\nx: nop",
            AsmError { line: 4, kind: AsmErrorKind::DuplicateLabel { label: "x".into(), first_line: 1 } },
        ),
    ];
    for (source, expected) in cases {
        assert_eq!(err(source), expected, "{source:?}");
    }
}

#[test]
fn error_messages_read_well() {
    assert_eq!(err("nop\nadd r0, r1").to_string(), "line 2: `add` takes 3 operand(s), got 2");
    assert_eq!(
        err("load r0, r1").to_string(),
        "line 1: `r1` is not a memory operand; write [rN], [rN + k] or [rN - k]"
    );
}

#[test]
fn too_many_instructions_is_an_error_not_an_allocation() {
    let source = "nop\n".repeat((1 << 20) + 1);
    assert_eq!(err(&source), AsmError { line: (1 << 20) + 1, kind: AsmErrorKind::TooManyInstructions });
}
