//! Snapshots of the disassembler's output and of traces (reviewed by hand when they change).

use vm::{NoHost, Program, TraceStep};

use super::asm;

#[test]
fn disassembly_of_fib() {
    let program = asm(include_str!("../../programs/fib.asm"));
    let text = program.disassemble();
    insta::assert_snapshot!(text);
    assert_eq!(Program::assemble(&text).as_ref(), Ok(&program));
}

#[test]
fn disassembly_of_every_operand_form() {
    let program = asm("\
        invalid\nnop\nhalt r0\nrevert r1\nli r2, -9223372036854775808\nmov r3, r0\nnot r0, r1\n\
        neg r1, r2\npush r3\npop r0\njmp 0\njz r1, 99\njnz r2, 2\ncall 4294967295\nret\n\
        load r0, [r1 - 8]\nstore [r2 + 8], r3\nstore [r3], r0\ncustom 4294967295\n\
        sar r0, r1, r2\ngtui r3, r2, -1\nbeq r0, r1, 0\nbgeu r3, r2, 100");
    let text = program.disassemble();
    insta::assert_snapshot!(text);
    assert_eq!(Program::assemble(&text).as_ref(), Ok(&program));
}

fn trace_text(trace: &[TraceStep]) -> String {
    trace
        .iter()
        .map(|s| {
            let instr = s.instr.map_or_else(|| "<outside the program>".to_owned(), |i| i.to_string());
            format!(
                "step {:>2}  ip {:>2}  {:<18} regs {:?}  stack {}  gas {}",
                s.step, s.ip, instr, s.regs, s.stack_depth, s.gas_remaining
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn trace_of_a_short_recursion() {
    let program = asm(include_str!("../../programs/fib.asm"));
    let mut trace = Vec::new();
    let mut m = vm::Machine::new(vec![2], 1_000).expect("small memory");
    m.run_traced(&program, &mut NoHost, &mut trace);
    insta::assert_snapshot!(trace_text(&trace));
    assert_eq!(trace.len() as u64, m.steps);
}

#[test]
fn trace_of_a_fall_off_the_end() {
    let program = asm("li r0, 1\njmp 7");
    let mut trace = Vec::new();
    let mut m = vm::Machine::new(vec![], 1_000).expect("small memory");
    m.run_traced(&program, &mut NoHost, &mut trace);
    insta::assert_snapshot!(trace_text(&trace));
}
