//! One test per instruction family: ordinary values and the edges (overflow, negative
//! operands, shifts by 64 and more). Expected values are arithmetic facts written out by hand,
//! not computed by the code under test.

use vm::{BinOp, Instr, Outcome, Reg};

use super::{asm, halted, run, trapped};

const MIN: i64 = i64::MIN;
const MAX: i64 = i64::MAX;

/// `li r1, a; li r2, b; <op> r0, r1, r2; halt r0` → halts with `expected`, and the immediate
/// form `<op>i r0, r1, b` agrees.
fn check_bin(op: &str, a: i64, b: i64, expected: i64) {
    let reg_form = run(&format!("li r1, {a}\nli r2, {b}\n{op} r0, r1, r2\nhalt r0"), vec![]);
    assert_eq!(reg_form.outcome, halted(expected), "{op} {a}, {b}");
    let imm_form = run(&format!("li r1, {a}\n{op}i r0, r1, {b}\nhalt r0"), vec![]);
    assert_eq!(imm_form.outcome, halted(expected), "{op}i {a}, {b}");
}

#[test]
fn add_wraps_on_overflow() {
    check_bin("add", 2, 3, 5);
    check_bin("add", -7, 3, -4);
    check_bin("add", MAX, 1, MIN);
    check_bin("add", MIN, -1, MAX);
    check_bin("add", -1, -1, -2);
}

#[test]
fn sub_wraps_on_overflow() {
    check_bin("sub", 2, 3, -1);
    check_bin("sub", MIN, 1, MAX);
    check_bin("sub", MAX, -1, MIN);
    check_bin("sub", 0, MIN, MIN);
}

#[test]
fn mul_keeps_the_low_64_bits() {
    check_bin("mul", 6, 7, 42);
    check_bin("mul", -6, 7, -42);
    check_bin("mul", -6, -7, 42);
    check_bin("mul", MAX, 2, -2);
    check_bin("mul", MIN, -1, MIN);
    check_bin("mul", 1 << 32, 1 << 32, 0);
    check_bin("mul", 0x1_0000_0001, 0x1_0000_0001, 0x2_0000_0001);
}

#[test]
fn div_truncates_toward_zero() {
    check_bin("div", 7, 2, 3);
    check_bin("div", -7, 2, -3);
    check_bin("div", 7, -2, -3);
    check_bin("div", -7, -2, 3);
    check_bin("div", MIN, -1, MIN);
    check_bin("div", MIN, 1, MIN);
    check_bin("div", 0, -5, 0);
}

#[test]
fn rem_takes_the_sign_of_the_dividend() {
    check_bin("rem", 7, 2, 1);
    check_bin("rem", -7, 2, -1);
    check_bin("rem", 7, -2, 1);
    check_bin("rem", -7, -2, -1);
    check_bin("rem", MIN, -1, 0);
    check_bin("rem", MIN, MAX, -1);
}

#[test]
fn divu_and_remu_read_operands_as_unsigned() {
    check_bin("divu", 7, 2, 3);
    check_bin("divu", -1, 2, MAX); // (2^64 - 1) / 2 = 2^63 - 1
    check_bin("divu", -1, -1, 1);
    check_bin("divu", 5, -1, 0);
    check_bin("remu", 7, 2, 1);
    check_bin("remu", -1, 10, 5); // 18446744073709551615 mod 10 = 5
    check_bin("remu", 5, -1, 5);
    check_bin("remu", MIN, 3, 2); // 9223372036854775808 mod 3 = 2
}

#[test]
fn every_division_traps_on_a_zero_divisor() {
    for op in ["div", "rem", "divu", "remu"] {
        for source in [format!("li r1, 9\n{op} r0, r1, r2\nhalt r0"), format!("li r1, 9\n{op}i r0, r1, 0\nhalt r0")] {
            let m = run(&source, vec![]);
            assert_eq!(m.outcome, trapped(vm::Trap::DivisionByZero), "{source}");
            assert_eq!(m.ip, 1, "the trap leaves ip at the dividing instruction");
            assert_eq!(m.regs[0], 0, "the destination keeps its value");
        }
    }
}

#[test]
fn bitwise_operations() {
    check_bin("and", 0b1100, 0b1010, 0b1000);
    check_bin("or", 0b1100, 0b1010, 0b1110);
    check_bin("xor", 0b1100, 0b1010, 0b0110);
    check_bin("and", -1, MIN, MIN);
    check_bin("or", MIN, 1, MIN + 1);
    check_bin("xor", -1, 0x0f, -16);
}

#[test]
fn shifts_by_64_or_more_shift_everything_out() {
    check_bin("shl", 1, 3, 8);
    check_bin("shl", 1, 63, MIN);
    check_bin("shl", 1, 64, 0);
    check_bin("shl", -1, 65, 0);
    check_bin("shl", 1, -1, 0); // -1 is 2^64 - 1 as an amount
    check_bin("shl", 3, 0, 3);
    check_bin("shr", MIN, 63, 1);
    check_bin("shr", -1, 1, MAX);
    check_bin("shr", -1, 64, 0);
    check_bin("shr", -1, 1000, 0);
    check_bin("shr", 16, 4, 1);
    check_bin("sar", -16, 2, -4);
    check_bin("sar", MIN, 63, -1);
    check_bin("sar", -1, 64, -1);
    check_bin("sar", -5, 200, -1);
    check_bin("sar", 5, 64, 0);
    check_bin("sar", MAX, MIN, 0); // MIN is 2^63 as an amount
    check_bin("sar", 16, 4, 1);
}

#[test]
fn signed_comparisons() {
    check_bin("eq", 5, 5, 1);
    check_bin("eq", 5, -5, 0);
    check_bin("ne", 5, 5, 0);
    check_bin("ne", MIN, MAX, 1);
    check_bin("lt", -1, 0, 1);
    check_bin("lt", 0, -1, 0);
    check_bin("lt", 3, 3, 0);
    check_bin("lt", MIN, MAX, 1);
    check_bin("gt", 0, -1, 1);
    check_bin("gt", -1, 0, 0);
    check_bin("gt", 3, 3, 0);
}

#[test]
fn unsigned_comparisons() {
    check_bin("ltu", 0, -1, 1);
    check_bin("ltu", -1, 0, 0);
    check_bin("ltu", MAX, MIN, 1);
    check_bin("ltu", 4, 4, 0);
    check_bin("gtu", -1, 0, 1);
    check_bin("gtu", 0, -1, 0);
    check_bin("gtu", MIN, MAX, 1);
}

#[test]
fn every_binop_has_both_forms_and_distinct_opcodes() {
    let mut opcodes = std::collections::BTreeSet::new();
    for op in BinOp::ALL {
        let reg = Instr::Bin { op, rd: Reg::R0, ra: Reg::R1, rb: Reg::R2 };
        let imm = Instr::BinI { op, rd: Reg::R0, ra: Reg::R1, imm: 1 };
        assert!(opcodes.insert(reg.opcode()));
        assert!(opcodes.insert(imm.opcode()));
        assert_eq!(imm.mnemonic(), format!("{}i", reg.mnemonic()));
    }
}

#[test]
fn li_accepts_every_64_bit_value_in_every_notation() {
    for (text, value) in [
        ("0", 0),
        ("-1", -1),
        ("9223372036854775807", MAX),
        ("-9223372036854775808", MIN),
        ("18446744073709551615", -1),
        ("0xff", 255),
        ("0xFFFF_FFFF_FFFF_FFFF", -1),
        ("0x8000000000000000", MIN),
        ("-0x10", -16),
        ("0b1010", 10),
        ("+42", 42),
        ("1_000_000", 1_000_000),
    ] {
        let m = run(&format!("li r3, {text}\nhalt r3"), vec![]);
        assert_eq!(m.outcome, halted(value), "li r3, {text}");
    }
}

#[test]
fn mov_not_neg() {
    let m = run("li r1, 5\nmov r2, r1\nnot r3, r1\nneg r0, r1\nhalt r0", vec![]);
    assert_eq!(m.regs, [-5, 5, 5, -6]);
    let m = run(&format!("li r1, {MIN}\nneg r0, r1\nnot r2, r1\nhalt r0"), vec![]);
    assert_eq!(m.regs, [MIN, MIN, MAX, 0]);
}

#[test]
fn registers_start_at_zero_and_halt_returns_the_named_register() {
    let m = run("li r2, 7\nhalt r2", vec![]);
    assert_eq!(m.outcome, halted(7));
    assert_eq!(m.regs, [0, 0, 7, 0]);
    assert_eq!(m.ip, 1, "halt leaves ip at the halt");
    assert_eq!(m.steps, 2);
}

#[test]
fn revert_returns_the_named_register_and_keeps_the_state() {
    let m = run("li r1, 3\nstore [r1], r1\nrevert r1", vec![0; 4]);
    assert_eq!(m.outcome, Some(Outcome::Reverted { value: 3 }));
    assert_eq!(m.memory, vec![0, 0, 0, 3]);
    assert_eq!(m.ip, 2);
}

#[test]
fn nop_only_advances() {
    let m = run("nop\nnop\nhalt r0", vec![]);
    assert_eq!(m.outcome, halted(0));
    assert_eq!(m.gas_used(), 3);
}

#[test]
fn push_and_pop_are_last_in_first_out() {
    let m = run("li r0, 1\nli r1, 2\npush r0\npush r1\npop r2\npop r3\nhalt r0", vec![]);
    assert_eq!(m.regs, [1, 2, 2, 1]);
    assert!(m.stack.is_empty());
    let m = run("li r0, -9\npush r0\npush r0\nhalt r0", vec![]);
    assert_eq!(m.stack, vec![-9, -9]);
}

#[test]
fn jumps() {
    let m = run("jmp skip\nli r0, 1\nskip: halt r0", vec![]);
    assert_eq!(m.outcome, halted(0));
    let taken = run("li r1, 0\njz r1, t\nli r0, 1\nhalt r0\nt: li r0, 2\nhalt r0", vec![]);
    assert_eq!(taken.outcome, halted(2));
    let not_taken = run("li r1, -1\njz r1, t\nli r0, 1\nhalt r0\nt: li r0, 2\nhalt r0", vec![]);
    assert_eq!(not_taken.outcome, halted(1));
    let taken = run("li r1, -1\njnz r1, t\nli r0, 1\nhalt r0\nt: li r0, 2\nhalt r0", vec![]);
    assert_eq!(taken.outcome, halted(2));
    let not_taken = run("li r1, 0\njnz r1, t\nli r0, 1\nhalt r0\nt: li r0, 2\nhalt r0", vec![]);
    assert_eq!(not_taken.outcome, halted(1));
    let numeric = run("jmp 2\nli r0, 1\nhalt r0", vec![]);
    assert_eq!(numeric.outcome, halted(0));
}

/// `li r1, a; li r2, b; <branch> r1, r2, t; halt r0; t: li r0, 1; halt r0` → 1 if taken.
fn branch_taken(mnemonic: &str, a: i64, b: i64) -> bool {
    let m = run(&format!("li r1, {a}\nli r2, {b}\n{mnemonic} r1, r2, t\nhalt r0\nt: li r0, 1\nhalt r0"), vec![]);
    match m.outcome {
        Some(Outcome::Halted { value: 1 }) => true,
        Some(Outcome::Halted { value: 0 }) => false,
        other => panic!("{mnemonic} {a}, {b}: {other:?}"),
    }
}

#[test]
fn compare_and_branch() {
    // (mnemonic, a, b, taken)
    let table: &[(&str, i64, i64, bool)] = &[
        ("beq", 3, 3, true),
        ("beq", 3, -3, false),
        ("bne", 3, -3, true),
        ("bne", MIN, MIN, false),
        ("blt", -1, 0, true),
        ("blt", 0, -1, false),
        ("blt", 5, 5, false),
        ("blt", MIN, MAX, true),
        ("bge", 5, 5, true),
        ("bge", 0, -1, true),
        ("bge", -1, 0, false),
        ("bltu", 0, -1, true),
        ("bltu", -1, 0, false),
        ("bltu", MAX, MIN, true),
        ("bltu", 7, 7, false),
        ("bgeu", -1, 0, true),
        ("bgeu", 7, 7, true),
        ("bgeu", 0, -1, false),
    ];
    for &(mnemonic, a, b, taken) in table {
        assert_eq!(branch_taken(mnemonic, a, b), taken, "{mnemonic} {a}, {b}");
    }
    // A branch may test a register against itself, and its target may be numeric.
    let m = run("li r1, 4\nbge r1, r1, 3\nli r0, 9\nhalt r0", vec![]);
    assert_eq!(m.outcome, halted(0));
}

#[test]
fn call_pushes_the_return_address_and_ret_pops_it() {
    let m = run("call f\nhalt r0\nf: li r0, 4\nret", vec![]);
    assert_eq!(m.outcome, halted(4));
    assert!(m.stack.is_empty());
    // Inside the callee the return address (1) is on the stack.
    let m = run("call f\nhalt r0\nf: pop r0\nhalt r0", vec![]);
    assert_eq!(m.outcome, halted(1));
    // `ret` jumps to whatever is on top of the stack.
    let m = run("li r1, 3\npush r1\nret\nli r0, 9\nhalt r0", vec![]);
    assert_eq!(m.outcome, halted(9));
    assert_eq!(m.regs[0], 9);
}

#[test]
fn recursion_computes_fib() {
    let program = asm(include_str!("../../programs/fib.asm"));
    for (n, fib) in [(0, 0), (1, 1), (2, 1), (10, 55), (20, 6765)] {
        let m = vm::eval(&program, vec![n], &mut vm::NoHost, 10_000_000).expect("memory within limits");
        assert_eq!(m.outcome, halted(fib), "fib({n})");
    }
}

#[test]
fn load_and_store_address_base_plus_offset() {
    let m = run("li r1, 2\nload r0, [r1 + 1]\nload r2, [r1 - 2]\nload r3, [r1]\nhalt r0", vec![10, 11, 12, 13]);
    assert_eq!(m.regs, [13, 2, 10, 12]);
    let m = run("li r1, 1\nli r2, -5\nstore [r1 + 2], r2\nstore [r1 - 1], r1\nhalt r0", vec![0; 4]);
    assert_eq!(m.memory, vec![1, 0, 0, -5]);
    // The address is the wrapping sum, read as unsigned.
    let m = run(&format!("li r1, {MAX}\nload r0, [r1 + {MAX}]\nhalt r0"), vec![0; 4]);
    assert_eq!(m.outcome, trapped(vm::Trap::MemoryOutOfBounds));
    let m = run("li r1, -1\nload r0, [r1 + 2]\nhalt r0", vec![7, 8]);
    assert_eq!(m.outcome, halted(8));
}

#[test]
fn prefix_sum_walks_memory() {
    let m = run(include_str!("../../programs/prefix_sum.asm"), vec![5, 1, 2, 3, 4]);
    assert_eq!(m.outcome, halted(10));
    assert_eq!(m.memory, vec![5, 1, 3, 6, 10]);
}

#[test]
fn count_loop_takes_the_documented_number_of_steps() {
    let m = run(include_str!("../../programs/count.asm"), vec![1000]);
    assert_eq!(m.outcome, halted(0));
    assert_eq!(m.steps, 1 + 2 * 1000 + 1);
}
