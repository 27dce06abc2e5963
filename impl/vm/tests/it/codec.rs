//! The bytecode, byte by byte, and every way the decoder rejects bytes.

use std::collections::BTreeSet;

use vm::{Cond, DecodeError, Instr, Program, Reg};

use super::asm;

#[test]
fn a_small_program_encodes_to_the_documented_bytes() {
    // Worked example from docs/spec/vm.md §4.
    let program = asm("li r1, -2\nstore [r1 + 3], r2\njnz r1, 0\nbltu r2, r1, 1\nmuli r3, r0, 258\nhalt r1");
    let expected: Vec<u8> = [
        &[0x4f, 0x52, 0x56, 0x4d, 0x01, 0x06, 0x00, 0x00, 0x00][..],
        &[0x04, 0x01, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        &[0x10, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
        &[0x0c, 0x01, 0x00, 0x00, 0x00, 0x00],
        &[0x16, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00],
        &[0x42, 0x03, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
        &[0x02, 0x01],
    ]
    .concat();
    assert_eq!(program.encode(), expected);
    assert_eq!(Program::decode(&expected).as_ref(), Ok(&program));
    assert_eq!(program.hash(), primitives::keccak256(&expected));
}

#[test]
fn the_program_hash_of_the_encoding_spec_example() {
    // docs/spec/encoding.md §4; computed with an independent Keccak (pycryptodome).
    assert_eq!(asm("halt r0").hash().to_string(), "0x5b23e3a18285fff957122c8eef7cd10db3f770961179e683a61306fd9e2aced1");
}

#[test]
fn the_empty_program_is_just_a_header() {
    let program = Program::new(vec![]).expect("empty is fine");
    assert_eq!(program.encode(), [0x4f, 0x52, 0x56, 0x4d, 0x01, 0, 0, 0, 0]);
    // Computed with an independent Keccak implementation (pycryptodome).
    assert_eq!(program.hash().to_string(), "0xbf88d27b61a9dd5b708cdfd7c303b3332d1c04c32b15fe3f414a01c59a5d8a74");
}

#[test]
fn exactly_the_documented_opcodes_decode() {
    let mut valid = BTreeSet::new();
    for byte in 0..=255u8 {
        // Enough zero operand bytes for any instruction; trailing bytes mean it decoded short.
        let mut bytes = vec![0x4f, 0x52, 0x56, 0x4d, 0x01, 0x01, 0x00, 0x00, 0x00, byte];
        let operands = match Program::decode(&bytes) {
            Err(DecodeError::InvalidOpcode { opcode, offset: 9, index: 0 }) => {
                assert_eq!(opcode, byte);
                continue;
            }
            Ok(_) => 0,
            Err(DecodeError::UnexpectedEnd { .. }) => (1..=10)
                .find(|&n| {
                    let mut longer = bytes.clone();
                    longer.extend(std::iter::repeat_n(0, n));
                    Program::decode(&longer).is_ok()
                })
                .expect("some operand length works"),
            Err(other) => panic!("opcode {byte:#04x}: {other}"),
        };
        bytes.extend(std::iter::repeat_n(0, operands));
        let program = Program::decode(&bytes).expect("decodes with its operands");
        assert_eq!(program.instrs()[0].opcode(), byte);
        valid.insert(byte);
    }
    let documented: BTreeSet<u8> = (0x00..=0x17).chain(0x20..=0x32).chain(0x40..=0x52).collect();
    assert_eq!(valid, documented);
}

#[test]
fn bad_magic_version_count_and_lengths_are_typed_errors() {
    let header = |count: u32| {
        let mut b = vec![0x4f, 0x52, 0x56, 0x4d, 0x01];
        b.extend_from_slice(&count.to_le_bytes());
        b
    };
    assert_eq!(Program::decode(b""), Err(DecodeError::BadMagic { found: "no bytes".into() }));
    assert_eq!(Program::decode(b"\x7fELF\x02"), Err(DecodeError::BadMagic { found: "7f454c46".into() }));
    assert_eq!(Program::decode(b"ORV"), Err(DecodeError::BadMagic { found: "4f5256".into() }));
    assert_eq!(Program::decode(b"ORVM\x02\0\0\0\0"), Err(DecodeError::UnsupportedVersion { version: 2 }));
    assert!(matches!(Program::decode(b"ORVM"), Err(DecodeError::UnexpectedEnd { offset: 4, .. })));
    assert!(matches!(Program::decode(b"ORVM\x01\x01\0"), Err(DecodeError::UnexpectedEnd { offset: 7, .. })));
    assert_eq!(Program::decode(&header((1 << 20) + 1)), Err(DecodeError::TooManyInstructions { count: (1 << 20) + 1 }));
    // A count larger than the bytes can hold is an unexpected end, not a huge allocation.
    let lying = header(1 << 20);
    assert!(matches!(Program::decode(&lying), Err(DecodeError::UnexpectedEnd { offset: 9, .. })));

    let mut truncated = header(1);
    truncated.extend_from_slice(&[0x04, 0x01, 0xff]);
    assert_eq!(
        Program::decode(&truncated),
        Err(DecodeError::UnexpectedEnd { offset: 12, context: "instruction 0".into() })
    );
    let mut bad_reg = header(2);
    bad_reg.extend_from_slice(&[0x01, 0x05, 0x00, 0x04]);
    assert_eq!(Program::decode(&bad_reg), Err(DecodeError::InvalidRegister { offset: 12, index: 1, byte: 4 }));
    let mut bad_op = header(1);
    bad_op.push(0x18);
    assert_eq!(Program::decode(&bad_op), Err(DecodeError::InvalidOpcode { offset: 9, index: 0, opcode: 0x18 }));
    let mut trailing = header(1);
    trailing.extend_from_slice(&[0x01, 0x01, 0x01]);
    assert_eq!(Program::decode(&trailing), Err(DecodeError::TrailingBytes { offset: 10, count: 2 }));
}

#[test]
fn error_messages_say_where_and_what() {
    let err = Program::decode(&[0x4f, 0x52, 0x56, 0x4d, 0x01, 0x01, 0, 0, 0, 0x99]).expect_err("bad opcode");
    assert_eq!(err.to_string(), "byte 9: invalid opcode 0x99 at instruction 0");
}

#[test]
fn instructions_keep_their_operands_through_the_codec() {
    let instrs = vec![
        Instr::Load { rd: Reg::R3, base: Reg::R2, offset: i64::MIN },
        Instr::Store { base: Reg::R1, rs: Reg::R0, offset: i64::MAX },
        Instr::Custom { id: u32::MAX },
        Instr::Call { target: 0xdead_beef },
        Instr::Jz { rs: Reg::R2, target: 7 },
        Instr::Branch { cond: Cond::GeU, ra: Reg::R3, rb: Reg::R1, target: 0x0102_0304 },
    ];
    let program = Program::new(instrs.clone()).expect("short");
    assert_eq!(Program::decode(&program.encode()).expect("round trip").instrs(), &instrs[..]);
}
