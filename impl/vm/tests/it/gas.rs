//! Gas: the documented cost of every instruction, and exhaustion at every boundary.
//!
//! The costs below are copied by hand from the table in `docs/spec/vm.md` §5, not read from
//! the implementation, so the test fails if either drifts.

use vm::{HostReturn, Machine, NoHost, Program, ScriptedHost, Trap};

use super::{asm, halted, run_gas, trapped};

/// (instruction text, spec cost). Each runs after `li r1, 1` with a memory of 4 cells and a
/// stack holding one value, so none of them traps for any other reason than the one tested.
const COSTS: &[(&str, u64)] = &[
    ("nop", 1),
    ("li r0, 5", 1),
    ("mov r0, r1", 1),
    ("not r0, r1", 1),
    ("neg r0, r1", 1),
    ("push r1", 2),
    ("pop r0", 2),
    ("load r0, [r1]", 3),
    ("store [r1], r1", 3),
    ("add r0, r1, r1", 1),
    ("sub r0, r1, r1", 1),
    ("mul r0, r1, r1", 3),
    ("div r0, r1, r1", 5),
    ("rem r0, r1, r1", 5),
    ("divu r0, r1, r1", 5),
    ("remu r0, r1, r1", 5),
    ("and r0, r1, r1", 1),
    ("or r0, r1, r1", 1),
    ("xor r0, r1, r1", 1),
    ("shl r0, r1, r1", 1),
    ("shr r0, r1, r1", 1),
    ("sar r0, r1, r1", 1),
    ("eq r0, r1, r1", 1),
    ("ne r0, r1, r1", 1),
    ("lt r0, r1, r1", 1),
    ("ltu r0, r1, r1", 1),
    ("gt r0, r1, r1", 1),
    ("gtu r0, r1, r1", 1),
    ("addi r0, r1, 2", 1),
    ("muli r0, r1, 2", 3),
    ("divi r0, r1, 2", 5),
    ("remui r0, r1, 2", 5),
    ("gtui r0, r1, 2", 1),
];

#[test]
fn every_instruction_costs_what_the_spec_says() {
    for &(text, cost) in COSTS {
        let source = format!("li r1, 1\npush r1\n{text}\nhalt r0");
        let m = run_gas(&source, vec![0; 4], 100);
        assert_eq!(m.outcome.map(|o| matches!(o, vm::Outcome::Halted { .. })), Some(true), "{text}");
        assert_eq!(m.gas_used(), 1 + 2 + cost + 1, "{text}");
    }
    // Jumps, calls and the terminal instructions.
    assert_eq!(run_gas("jmp 1\nhalt r0", vec![], 100).gas_used(), 1 + 1);
    assert_eq!(run_gas("jz r0, 1\nhalt r0", vec![], 100).gas_used(), 1 + 1);
    assert_eq!(run_gas("jnz r0, 1\nhalt r0", vec![], 100).gas_used(), 1 + 1);
    for branch in ["beq", "bne", "blt", "bge", "bltu", "bgeu"] {
        assert_eq!(run_gas(&format!("{branch} r0, r1, 1\nhalt r0"), vec![], 100).gas_used(), 1 + 1, "{branch}");
    }
    assert_eq!(run_gas("call f\nhalt r0\nf: ret", vec![], 100).gas_used(), 4 + 4 + 1);
    assert_eq!(run_gas("revert r0", vec![], 100).gas_used(), 1);
    assert_eq!(run_gas("invalid", vec![], 100).gas_used(), 1);
    assert_eq!(run_gas("custom 0", vec![], 100).gas_used(), 10);
}

/// A program whose steps cost, in order, the entries of `STEP_COSTS`.
const PROGRAM: &str = "li r1, 3\npush r1\nmul r2, r1, r1\ncall f\nhalt r2\nf: div r3, r2, r1\nret";
const STEP_COSTS: [u64; 7] = [1, 2, 3, 4, 5, 4, 1];

#[test]
fn running_out_of_gas_at_every_boundary() {
    let total: u64 = STEP_COSTS.iter().sum();
    let ips = [0u64, 1, 2, 3, 5, 6, 4]; // the ip of each step, in execution order
    for gas_limit in 0..=total + 2 {
        let m = run_gas(PROGRAM, vec![], gas_limit);
        if gas_limit >= total {
            assert_eq!(m.outcome, halted(9), "limit {gas_limit}");
            assert_eq!(m.gas_used(), total);
            continue;
        }
        // The first step whose cumulative cost exceeds the limit runs out of gas.
        let mut spent = 0;
        let failing = STEP_COSTS
            .iter()
            .position(|&c| {
                spent += c;
                spent > gas_limit
            })
            .expect("below the total some step must fail");
        assert_eq!(m.outcome, trapped(Trap::OutOfGas), "limit {gas_limit}");
        assert_eq!(m.gas_used(), gas_limit, "out of gas uses the whole limit ({gas_limit})");
        assert_eq!(m.gas_remaining, 0);
        assert_eq!(m.ip, ips[failing], "limit {gas_limit}: the unpaid instruction");
        assert_eq!(m.steps, failing as u64 + 1, "limit {gas_limit}");
    }
}

#[test]
fn the_host_charge_comes_on_top_and_can_run_out() {
    let program = asm("custom 1\nhalt r0");
    let answer = Ok(HostReturn { value: 42, gas: 50 });
    let m = eval_scripted(&program, vec![answer], 61);
    assert_eq!((m.outcome, m.gas_used()), (halted(42), 61));
    // One unit short of the host's charge: the host was asked, but its answer is not paid
    // for, so r0 is untouched.
    let mut host = ScriptedHost::new(vec![answer]);
    let mut m = Machine::new(vec![], 59).expect("no memory");
    m.run(&program, &mut host);
    assert_eq!((m.outcome, m.gas_used(), m.regs[0], m.ip), (trapped(Trap::OutOfGas), 59, 0, 0));
    assert_eq!(host.calls().len(), 1);
    // Not even the base cost: the host is not asked.
    let mut host = ScriptedHost::new(vec![answer]);
    let mut m = Machine::new(vec![], 9).expect("no memory");
    m.run(&program, &mut host);
    assert_eq!(m.outcome, trapped(Trap::OutOfGas));
    assert!(host.calls().is_empty());
    // A charge near u64::MAX cannot overflow anything.
    let m = eval_scripted(&program, vec![Ok(HostReturn { value: 1, gas: u64::MAX })], u64::MAX);
    assert_eq!(m.outcome, trapped(Trap::OutOfGas));
}

#[test]
fn zero_gas_runs_out_on_the_first_instruction() {
    let m = run_gas("halt r0", vec![], 0);
    assert_eq!((m.outcome, m.steps, m.ip), (trapped(Trap::OutOfGas), 1, 0));
}

#[test]
fn unmetered_runs_agree_with_metered_ones_but_charge_nothing() {
    let program = asm(include_str!("../../programs/fib.asm"));
    let mut metered = Machine::new(vec![15], u64::MAX).expect("small memory");
    metered.run(&program, &mut NoHost);
    let mut unmetered = Machine::new(vec![15], 0).expect("small memory");
    unmetered.run_unmetered(&program, &mut NoHost);
    assert_eq!(unmetered.outcome, metered.outcome);
    assert_eq!((unmetered.regs, unmetered.steps), (metered.regs, metered.steps));
    assert_eq!(unmetered.gas_remaining, 0);
}

fn eval_scripted(program: &Program, answers: Vec<Result<HostReturn, vm::HostError>>, gas: u64) -> Machine {
    vm::eval(program, vec![], &mut ScriptedHost::new(answers), gas).expect("no memory")
}

/// `run` prepays straight-line blocks; a trap inside one must leave exactly the per-step charge.
#[test]
fn a_trap_inside_a_straight_line_block_charges_only_what_ran() {
    let source = "li r1, 0\nnop\nnop\ndiv r0, r0, r1\nnop\nnop\nhalt r0";
    let m = run_gas(source, vec![], 1_000);
    assert_eq!(m.outcome, trapped(Trap::DivisionByZero));
    assert_eq!(m.gas_used(), 1 + 1 + 1 + 5);
    // With too little gas for the whole block but enough to reach the trap, the trap wins.
    let m = run_gas(source, vec![], 8);
    assert_eq!((m.outcome, m.gas_used()), (trapped(Trap::DivisionByZero), 8));
    let m = run_gas(source, vec![], 7);
    assert_eq!((m.outcome, m.gas_used(), m.ip), (trapped(Trap::OutOfGas), 7, 3));
}

#[test]
fn every_way_of_running_charges_the_same() {
    let program = asm(include_str!("../../programs/fib.asm"));
    for gas in [0, 1, 7, 100, 1_000, 10_000] {
        let mut run = Machine::new(vec![12], gas).expect("small memory");
        run.run(&program, &mut NoHost);
        let mut traced = Machine::new(vec![12], gas).expect("small memory");
        traced.run_traced(&program, &mut NoHost, &mut Vec::new());
        let mut stepped = Machine::new(vec![12], gas).expect("small memory");
        while stepped.outcome.is_none() {
            stepped.run_steps(&program, &mut NoHost, 3);
        }
        assert_eq!(run, traced, "gas {gas}");
        assert_eq!(run, stepped, "gas {gas}");
    }
}
