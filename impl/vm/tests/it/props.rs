//! Properties over arbitrary programs: codec and assembly round trips, determinism, gas
//! bounds, traced equals untraced, stepping equals running, and no panics on any input.

use proptest::prelude::*;
use vm::{BinOp, Cond, HostError, HostReturn, Instr, Machine, Program, Reg, ScriptedHost, TraceStep};

fn reg() -> impl Strategy<Value = Reg> {
    prop::sample::select(Reg::ALL.to_vec())
}

/// Immediates biased toward the interesting edges.
fn imm() -> impl Strategy<Value = i64> {
    prop_oneof![-8i64..8, prop::sample::select(vec![i64::MIN, i64::MAX, -1, 63, 64, 65, 1 << 32]), any::<i64>(),]
}

/// Targets mostly inside a program of `len` instructions, sometimes just outside or far away.
fn target(len: u32) -> impl Strategy<Value = u32> {
    prop_oneof![8 => 0..len.max(1), 1 => len..len + 2, 1 => any::<u32>()]
}

fn instr(len: u32) -> impl Strategy<Value = Instr> {
    let op = prop::sample::select(BinOp::ALL.to_vec());
    prop_oneof![
        Just(Instr::Invalid),
        Just(Instr::Nop),
        Just(Instr::Ret),
        reg().prop_map(|rs| Instr::Halt { rs }),
        reg().prop_map(|rs| Instr::Revert { rs }),
        (reg(), imm()).prop_map(|(rd, imm)| Instr::Li { rd, imm }),
        (reg(), reg()).prop_map(|(rd, rs)| Instr::Mov { rd, rs }),
        (reg(), reg()).prop_map(|(rd, rs)| Instr::Not { rd, rs }),
        (reg(), reg()).prop_map(|(rd, rs)| Instr::Neg { rd, rs }),
        reg().prop_map(|rs| Instr::Push { rs }),
        reg().prop_map(|rd| Instr::Pop { rd }),
        target(len).prop_map(|target| Instr::Jmp { target }),
        (reg(), target(len)).prop_map(|(rs, target)| Instr::Jz { rs, target }),
        (reg(), target(len)).prop_map(|(rs, target)| Instr::Jnz { rs, target }),
        target(len).prop_map(|target| Instr::Call { target }),
        (prop::sample::select(Cond::ALL.to_vec()), reg(), reg(), target(len))
            .prop_map(|(cond, ra, rb, target)| Instr::Branch { cond, ra, rb, target }),
        (reg(), reg(), -4i64..12).prop_map(|(rd, base, offset)| Instr::Load { rd, base, offset }),
        (reg(), reg(), -4i64..12).prop_map(|(base, rs, offset)| Instr::Store { base, rs, offset }),
        (0u32..4).prop_map(|id| Instr::Custom { id }),
        (op.clone(), reg(), reg(), reg()).prop_map(|(op, rd, ra, rb)| Instr::Bin { op, rd, ra, rb }),
        (op, reg(), reg(), imm()).prop_map(|(op, rd, ra, imm)| Instr::BinI { op, rd, ra, imm }),
    ]
}

pub(crate) fn program() -> impl Strategy<Value = Program> {
    (0u32..40)
        .prop_flat_map(|len| prop::collection::vec(instr(len), len as usize))
        .prop_map(|instrs| Program::new(instrs).expect("short"))
}

pub(crate) fn answers() -> impl Strategy<Value = Vec<Result<HostReturn, HostError>>> {
    let answer = prop_oneof![
        4 => (any::<i64>(), 0u64..50).prop_map(|(value, gas)| Ok(HostReturn { value, gas })),
        1 => (0u64..5).prop_map(|code| Err(HostError { code })),
    ];
    prop::collection::vec(answer, 0..6)
}

/// A run: program, memory, gas limit and host answers.
pub(crate) fn case() -> impl Strategy<Value = (Program, Vec<i64>, u64, Vec<Result<HostReturn, HostError>>)> {
    // Small gas limits often end a run in the middle of a block, where block metering (used by
    // `run`) must agree with per-step metering (used by traced and stepped runs).
    let gas = prop_oneof![0u64..80, 0u64..3_000];
    (program(), prop::collection::vec(-3i64..3, 0..10), gas, answers())
}

fn run(program: &Program, memory: &[i64], gas: u64, answers: &[Result<HostReturn, HostError>]) -> Machine {
    let mut m = Machine::new(memory.to_vec(), gas).expect("small memory");
    m.run(program, &mut ScriptedHost::new(answers.to_vec()));
    m
}

/// 512 cases per property unless `PROPTEST_CASES` says otherwise.
pub(crate) fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 512;
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn bytecode_round_trips(program in program()) {
        prop_assert_eq!(Program::decode(&program.encode()), Ok(program));
    }

    #[test]
    fn assembly_round_trips(program in program()) {
        let text = program.disassemble();
        prop_assert_eq!(Program::assemble(&text), Ok(program), "{}", text);
    }

    #[test]
    fn runs_are_deterministic((program, memory, gas, answers) in case()) {
        prop_assert_eq!(run(&program, &memory, gas, &answers), run(&program, &memory, gas, &answers));
    }

    #[test]
    fn every_run_ends_within_its_gas((program, memory, gas, answers) in case()) {
        let m = run(&program, &memory, gas, &answers);
        prop_assert!(m.outcome.is_some(), "a metered run always ends");
        prop_assert!(m.gas_used() <= gas);
        // Every step but the last costs at least one unit of gas.
        prop_assert!(m.steps <= m.gas_used() + 1);
        prop_assert_eq!(m.memory.len(), memory.len());
        prop_assert!(m.stack.len() <= vm::STACK_LIMIT);
    }

    #[test]
    fn a_traced_run_ends_where_an_untraced_one_does((program, memory, gas, answers) in case()) {
        let plain = run(&program, &memory, gas, &answers);
        let mut traced = Machine::new(memory.clone(), gas).expect("small memory");
        let mut trace: Vec<TraceStep> = Vec::new();
        traced.run_traced(&program, &mut ScriptedHost::new(answers.clone()), &mut trace);
        prop_assert_eq!(&traced, &plain);
        prop_assert_eq!(trace.len() as u64, plain.steps);
        for (i, step) in trace.iter().enumerate() {
            prop_assert_eq!(step.step, i as u64);
            prop_assert_eq!(step.instr, usize::try_from(step.ip).ok().and_then(|ip| program.instrs().get(ip)).copied());
        }
        if let Some(first) = trace.first() {
            prop_assert_eq!((first.ip, first.regs, first.gas_remaining), (0, [0; 4], gas));
        }
    }

    #[test]
    fn stepping_one_at_a_time_ends_where_a_run_does((program, memory, gas, answers) in case()) {
        let plain = run(&program, &memory, gas, &answers);
        let mut stepped = Machine::new(memory.clone(), gas).expect("small memory");
        let mut host = ScriptedHost::new(answers.clone());
        while stepped.outcome.is_none() {
            let before = stepped.steps;
            stepped.step(&program, &mut host);
            prop_assert_eq!(stepped.steps, before + 1);
        }
        prop_assert_eq!(stepped, plain);
    }

    #[test]
    fn the_decoder_accepts_only_canonical_bytes(tail in prop::collection::vec(any::<u8>(), 0..64), count in 0u32..6) {
        let mut bytes = vec![0x4f, 0x52, 0x56, 0x4d, 0x01];
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&tail);
        if let Ok(program) = Program::decode(&bytes) {
            prop_assert_eq!(program.encode(), bytes, "one program, one encoding");
        }
    }

    #[test]
    fn the_decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = Program::decode(&bytes);
    }

    #[test]
    fn the_assembler_never_panics(text in "[a-z0-9_ ,:;\\[\\]+\\-\\n.#]{0,80}") {
        if let Ok(program) = Program::assemble(&text) {
            prop_assert_eq!(Program::assemble(&program.disassemble()), Ok(program));
        }
    }
}
