//! Bytecode in, a bounded run out: decoding never panics, a decoded program round-trips, and
//! every run ends within its gas, the same whether traced, stepped or run straight through.
//!
//! The input's first byte picks the mode:
//!
//! - even: **raw bytecode**. Then a little-endian `u16` length, that many bytes of bytecode
//!   (fewer if the input ends), and the run's [`Params`] from the rest. Seeds from the vectors
//!   are `00 <len> <bytecode>`: empty params mean 64 zero cells, 100 000 gas and no host
//!   answers.
//! - odd: **structured program**. [`Params`], then [`Op`]s until the input ends, lowered to
//!   [`vm::Instr`]s. Most of these programs decode, so execution is reached on most inputs.

#![no_main]

mod ops;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use vm::{HostError, HostReturn, Machine, Program, ScriptedHost, TraceStep};

use crate::ops::{Answer, Gas, Imm, Op};

/// The most gas a run gets; bounds the steps of a run, so of an execution.
/// The most memory cells.
const MEMORY_CAP: usize = 64;
/// The most instructions of a structured program.
const PROGRAM_CAP: usize = 1024;
/// Runs of at most this many steps are also replayed one step at a time.
const STEP_REPLAY_CAP: u64 = 20_000;

fuzz_target!(|input: Input| check(&input));

/// One fuzz input: the program and how to run it.
#[derive(Debug)]
struct Input {
    code: Code,
    params: Params,
}

#[derive(Debug)]
enum Code {
    /// Bytes handed to the decoder.
    Raw(Vec<u8>),
    /// A structured program, built with [`Program::new`].
    Ops(Vec<Op>),
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Input> {
        // Only reached when an `Input` is nested in something else; keep it simple.
        Ok(Input { code: Code::Raw(u.arbitrary()?), params: u.arbitrary()? })
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> arbitrary::Result<Input> {
        let mode = u8::arbitrary(&mut u)?;
        if mode % 2 == 0 {
            let len = match u.bytes(2) {
                Ok(&[lo, hi]) => usize::from(u16::from_le_bytes([lo, hi])),
                _ => 0,
            };
            let code = u.bytes(len.min(u.len()))?.to_vec();
            Ok(Input { code: Code::Raw(code), params: Params::arbitrary_take_rest(u)? })
        } else {
            let params = Params::arbitrary(&mut u)?;
            let ops = u.arbitrary_take_rest_iter::<Op>()?.take(PROGRAM_CAP).collect::<arbitrary::Result<_>>()?;
            Ok(Input { code: Code::Ops(ops), params })
        }
    }
}

/// How to run the program. All-zero (or missing) bytes give the defaults: the full gas cap,
/// [`MEMORY_CAP`] zero cells, no host answers.
#[derive(Arbitrary, Debug)]
struct Params {
    gas: Gas,
    /// `MEMORY_CAP - memory_size % (MEMORY_CAP + 1)` cells.
    memory_size: u8,
    /// `(address mod size, value)`.
    memory_init: Vec<(u8, Imm)>,
    answers: Vec<Answer>,
}

impl Params {
    fn gas_limit(&self) -> u64 {
        self.gas.limit()
    }

    fn memory(&self) -> Vec<i64> {
        let size = MEMORY_CAP - usize::from(self.memory_size) % (MEMORY_CAP + 1);
        ops::memory(size, &self.memory_init)
    }

    fn answers(&self) -> Vec<Result<HostReturn, HostError>> {
        ops::answers(&self.answers)
    }
}

fn check(input: &Input) {
    let program = match &input.code {
        Code::Raw(bytes) => match Program::decode(bytes) {
            Ok(program) => {
                assert_eq!(&program.encode(), bytes, "a decoded program has exactly one encoding");
                program
            }
            // A typed error is the right answer to bytes that are not a program.
            Err(_) => return,
        },
        Code::Ops(ops) => {
            let instrs = ops.iter().map(|op| op.instr(ops.len())).collect();
            Program::new(instrs).expect("at most PROGRAM_CAP instructions")
        }
    };
    assert_eq!(Program::decode(&program.encode()).as_ref(), Ok(&program), "bytecode round trip");
    let text = program.disassemble();
    assert_eq!(Program::assemble(&text).as_ref(), Ok(&program), "assembly round trip of\n{text}");

    let memory = input.params.memory();
    let gas = input.params.gas_limit();
    let answers = input.params.answers();

    let mut plain = Machine::new(memory.clone(), gas).expect("at most MEMORY_CAP cells");
    let mut host = ScriptedHost::new(answers.clone());
    plain.run(&program, &mut host);
    assert!(plain.outcome.is_some(), "a metered run always ends");
    assert!(plain.gas_used() <= plain.gas_limit, "used {} of {} gas", plain.gas_used(), plain.gas_limit);
    assert!(plain.steps <= plain.gas_used() + 1, "{} steps for {} gas", plain.steps, plain.gas_used());
    assert_eq!(plain.memory.len(), memory.len(), "memory keeps its size");
    assert!(plain.stack.len() <= vm::STACK_LIMIT, "stack of {}", plain.stack.len());

    let mut traced = Machine::new(memory.clone(), gas).expect("at most MEMORY_CAP cells");
    let mut traced_host = ScriptedHost::new(answers.clone());
    let mut trace: Vec<TraceStep> = Vec::new();
    traced.run_traced(&program, &mut traced_host, &mut trace);
    assert_eq!(traced, plain, "a traced run ends where an untraced one does");
    assert_eq!(traced_host.calls(), host.calls(), "the same host calls, traced or not");
    assert_eq!(trace.len() as u64, plain.steps, "one trace step per step");
    for (i, step) in trace.iter().enumerate() {
        assert_eq!(step.step, i as u64);
        let at = usize::try_from(step.ip).ok().and_then(|ip| program.instrs().get(ip)).copied();
        assert_eq!(step.instr, at, "step {i} traces the instruction at its ip");
    }
    if let Some(first) = trace.first() {
        assert_eq!((first.ip, first.regs, first.stack_depth, first.gas_remaining), (0, [0; 4], 0, gas));
    }

    if plain.steps <= STEP_REPLAY_CAP {
        let mut stepped = Machine::new(memory, gas).expect("at most MEMORY_CAP cells");
        let mut stepped_host = ScriptedHost::new(answers);
        while stepped.outcome.is_none() {
            let before = stepped.steps;
            stepped.step(&program, &mut stepped_host);
            assert_eq!(stepped.steps, before + 1, "a step is one step");
        }
        assert_eq!(stepped, plain, "stepping one at a time ends where a run does");
        assert_eq!(stepped_host.calls(), host.calls(), "the same host calls, stepped or not");
    }
}
