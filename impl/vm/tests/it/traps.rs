//! Every trap kind, where it leaves `ip`, and that a trapping step changes nothing but gas.

use vm::{Machine, NoHost, STACK_LIMIT, Trap};

use super::{asm, run, trapped};

#[test]
fn push_beyond_the_stack_limit_overflows() {
    let m = run("loop: push r0\njmp loop", vec![]);
    assert_eq!(m.outcome, trapped(Trap::StackOverflow));
    assert_eq!(m.stack.len(), STACK_LIMIT);
    assert_eq!(m.ip, 0, "ip stays at the push");
}

#[test]
fn unbounded_recursion_overflows_on_call() {
    let m = run("f: call f", vec![]);
    assert_eq!(m.outcome, trapped(Trap::StackOverflow));
    assert_eq!(m.stack.len(), STACK_LIMIT);
    assert!(m.stack.iter().all(|&a| a == 1), "each call pushed ip + 1");
}

#[test]
fn pop_and_ret_on_an_empty_stack_underflow() {
    let m = run("li r0, 3\npop r0\nhalt r0", vec![]);
    assert_eq!(m.outcome, trapped(Trap::StackUnderflow));
    assert_eq!((m.ip, m.regs[0]), (1, 3));
    let m = run("ret", vec![]);
    assert_eq!(m.outcome, trapped(Trap::StackUnderflow));
    assert_eq!(m.ip, 0);
}

#[test]
fn running_off_the_end_traps_at_the_first_missing_index() {
    let m = run("nop", vec![]);
    assert_eq!(m.outcome, trapped(Trap::IpOutOfBounds));
    assert_eq!((m.ip, m.steps, m.gas_used()), (1, 2, 1), "the fetch step itself costs nothing");
}

#[test]
fn an_empty_program_traps_on_its_first_step() {
    let m = run("; nothing", vec![]);
    assert_eq!(m.outcome, trapped(Trap::IpOutOfBounds));
    assert_eq!((m.ip, m.steps, m.gas_used()), (0, 1, 0));
}

#[test]
fn jumps_and_returns_outside_the_program_trap_on_the_next_step() {
    let m = run("jmp 100", vec![]);
    assert_eq!(m.outcome, trapped(Trap::IpOutOfBounds));
    assert_eq!((m.ip, m.steps), (100, 2));
    let m = run("li r0, -1\npush r0\nret", vec![]);
    assert_eq!(m.outcome, trapped(Trap::IpOutOfBounds));
    assert_eq!(m.ip, u64::MAX, "the popped -1 is read as an unsigned address");
    let m = run("call 4294967295", vec![]);
    assert_eq!((m.outcome, m.ip, m.stack.clone()), (trapped(Trap::IpOutOfBounds), 4_294_967_295, vec![1]));
    let m = run("li r1, 1\njnz r1, end\nend:", vec![]);
    assert_eq!((m.outcome, m.ip), (trapped(Trap::IpOutOfBounds), 2), "a label after the last line is len");
}

#[test]
fn memory_accesses_at_or_beyond_the_size_trap() {
    let m = run("load r0, [r0 + 4]", vec![1, 2, 3, 4]);
    assert_eq!(m.outcome, trapped(Trap::MemoryOutOfBounds));
    let m = run("li r1, 9\nstore [r1 - 5], r1", vec![0; 4]);
    assert_eq!(m.outcome, trapped(Trap::MemoryOutOfBounds));
    assert_eq!(m.memory, vec![0; 4]);
    let m = run("load r0, [r0]", vec![]);
    assert_eq!(m.outcome, trapped(Trap::MemoryOutOfBounds));
    let m = run("li r1, -1\nstore [r1], r1", vec![0; 2]);
    assert_eq!(m.outcome, trapped(Trap::MemoryOutOfBounds));
}

#[test]
fn invalid_traps() {
    let m = run("li r0, 1\ninvalid\nhalt r0", vec![]);
    assert_eq!(m.outcome, trapped(Trap::InvalidInstruction));
    assert_eq!((m.ip, m.gas_used()), (1, 2), "invalid is charged like any instruction");
}

#[test]
fn custom_without_a_host_is_a_host_error() {
    let m = run("custom 7", vec![]);
    assert_eq!(m.outcome, trapped(Trap::HostError { code: 0 }), "vm.md VM-7.3");
}

#[test]
fn a_trapping_step_changes_nothing_but_gas_steps_and_outcome() {
    // Each program traps on its last step; the state before that step must survive it.
    let cases: &[(&str, Vec<i64>, Trap)] = &[
        ("li r1, 5\npush r1\nli r2, 0\ndiv r3, r1, r2", vec![1], Trap::DivisionByZero),
        ("li r1, 5\npush r1\npop r2\npop r3", vec![1], Trap::StackUnderflow),
        ("li r1, 5\nstore [r0], r1\nload r2, [r1]", vec![1], Trap::MemoryOutOfBounds),
        ("li r1, 5\nstore [r0], r1\nstore [r1], r1", vec![1], Trap::MemoryOutOfBounds),
        ("li r1, 5\npush r1\ninvalid", vec![], Trap::InvalidInstruction),
        ("li r1, 5\npush r1\ncustom 1", vec![], Trap::HostError { code: 0 }),
    ];
    for (source, memory, trap) in cases {
        let program = asm(source);
        let mut before = Machine::new(memory.clone(), 1_000).expect("small memory");
        before.run_steps(&program, &mut NoHost, program.len() as u64 - 1);
        assert_eq!(before.outcome, None, "{source}");
        let mut after = before.clone();
        after.step(&program, &mut NoHost);
        assert_eq!(after.outcome, trapped(*trap), "{source}");
        assert_eq!(after.regs, before.regs, "{source}");
        assert_eq!(after.stack, before.stack, "{source}");
        assert_eq!(after.memory, before.memory, "{source}");
        assert_eq!(after.ip, before.ip, "{source}");
        assert_eq!(after.steps, before.steps + 1, "{source}");
    }
}

/// The same programs through `run` (block-metered): the final state is the state before the
/// trapping step, which stepping one instruction at a time establishes.
#[test]
fn a_trapping_step_in_a_full_run_keeps_the_state_from_before_it() {
    let cases: &[(&str, Vec<i64>)] = &[
        ("li r1, 5\npush r1\nli r2, 0\ndiv r3, r1, r2\nnop", vec![1]),
        ("li r1, 5\nstore [r0], r1\nstore [r1], r1\nnop", vec![1]),
        ("li r1, 5\npush r1\npop r2\npop r3\nnop", vec![1]),
    ];
    for (source, memory) in cases {
        let program = asm(source);
        let mut stepped = Machine::new(memory.clone(), 1_000).expect("small memory");
        stepped.run_steps(&program, &mut NoHost, program.len() as u64 - 2);
        let mut run = Machine::new(memory.clone(), 1_000).expect("small memory");
        run.run(&program, &mut NoHost);
        assert!(matches!(run.outcome, Some(vm::Outcome::Trapped { .. })), "{source}");
        assert_eq!(
            (run.regs, &run.stack, &run.memory, run.ip),
            (stepped.regs, &stepped.stack, &stepped.memory, stepped.ip),
            "{source}"
        );
        assert_eq!(run.steps, stepped.steps + 1, "{source}");
    }
}

#[test]
fn trap_codes_are_the_documented_catalogue() {
    let codes: Vec<&str> = [
        Trap::DivisionByZero,
        Trap::StackOverflow,
        Trap::StackUnderflow,
        Trap::IpOutOfBounds,
        Trap::MemoryOutOfBounds,
        Trap::OutOfGas,
        Trap::InvalidInstruction,
        Trap::HostError { code: 3 },
    ]
    .iter()
    .map(Trap::code)
    .collect();
    assert_eq!(
        codes,
        [
            "division_by_zero",
            "stack_overflow",
            "stack_underflow",
            "ip_out_of_bounds",
            "memory_out_of_bounds",
            "out_of_gas",
            "invalid_instruction",
            "host_error"
        ]
    );
}

#[test]
fn a_finished_machine_does_not_move() {
    let program = asm("halt r0");
    let mut m = Machine::new(vec![], 10).expect("small memory");
    m.run(&program, &mut NoHost);
    let done = m.clone();
    m.run(&program, &mut NoHost);
    m.step(&program, &mut NoHost);
    assert_eq!(m, done);
}

#[test]
fn oversized_memory_is_rejected_before_running() {
    let err = Machine::new(vec![0; vm::MAX_MEMORY_CELLS + 1], 1).expect_err("too large");
    assert_eq!(err.cells, vm::MAX_MEMORY_CELLS + 1);
}
