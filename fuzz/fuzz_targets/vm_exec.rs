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

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use vm::{BinOp, Cond, HostError, HostReturn, Instr, Machine, Program, Reg, ScriptedHost, TraceStep};

/// The most gas a run gets; bounds the steps of a run, so of an execution.
const GAS_CAP: u64 = 100_000;
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

#[derive(Arbitrary, Debug)]
enum Gas {
    Cap,
    /// Small limits end runs mid-block, where block metering must agree with step metering.
    Small(u8),
    Medium(u16),
    /// Reduced modulo `GAS_CAP + 1`.
    Any(u32),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Answer {
    Ok { value: Imm, gas: HostGas },
    Err { code: u64 },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum HostGas {
    Small(u8),
    /// Up to `u64::MAX`: the machine must not overflow adding it up.
    Any(u64),
}

/// An immediate, biased toward the edges.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Imm {
    Small(i8),
    Edge(u8),
    Any(i64),
}

/// A jump target: mostly inside the program or just past its end, sometimes anywhere.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Target {
    /// `n mod (len + 2)`.
    Near(u8),
    Any(u32),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum R {
    R0,
    R1,
    R2,
    R3,
}

/// One instruction, in a form that is cheap for the fuzzer to build.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    Invalid,
    Nop,
    Halt(R),
    Revert(R),
    Li(R, Imm),
    Mov(R, R),
    Not(R, R),
    Neg(R, R),
    Push(R),
    Pop(R),
    Jmp(Target),
    Jz(R, Target),
    Jnz(R, Target),
    /// Condition index modulo the number of conditions.
    Branch(u8, R, R, Target),
    Call(Target),
    Ret,
    Load(R, R, i8),
    Store(R, R, i8),
    Custom(u8),
    /// Operation index modulo the number of operations.
    Bin(u8, R, R, R),
    BinI(u8, R, R, Imm),
}

impl Imm {
    fn value(self) -> i64 {
        const EDGES: [i64; 9] = [i64::MIN, i64::MAX, -1, 0, 1, 63, 64, 65, 1 << 32];
        match self {
            Imm::Small(v) => i64::from(v),
            Imm::Edge(i) => EDGES[usize::from(i) % EDGES.len()],
            Imm::Any(v) => v,
        }
    }
}

impl Target {
    fn index(self, len: usize) -> u32 {
        match self {
            Target::Near(n) => u32::from(n) % (len as u32 + 2),
            Target::Any(t) => t,
        }
    }
}

impl R {
    fn reg(self) -> Reg {
        match self {
            R::R0 => Reg::R0,
            R::R1 => Reg::R1,
            R::R2 => Reg::R2,
            R::R3 => Reg::R3,
        }
    }
}

impl Op {
    fn instr(self, len: usize) -> Instr {
        let bin = |i: u8| BinOp::ALL[usize::from(i) % BinOp::ALL.len()];
        match self {
            Op::Invalid => Instr::Invalid,
            Op::Nop => Instr::Nop,
            Op::Halt(rs) => Instr::Halt { rs: rs.reg() },
            Op::Revert(rs) => Instr::Revert { rs: rs.reg() },
            Op::Li(rd, imm) => Instr::Li { rd: rd.reg(), imm: imm.value() },
            Op::Mov(rd, rs) => Instr::Mov { rd: rd.reg(), rs: rs.reg() },
            Op::Not(rd, rs) => Instr::Not { rd: rd.reg(), rs: rs.reg() },
            Op::Neg(rd, rs) => Instr::Neg { rd: rd.reg(), rs: rs.reg() },
            Op::Push(rs) => Instr::Push { rs: rs.reg() },
            Op::Pop(rd) => Instr::Pop { rd: rd.reg() },
            Op::Jmp(t) => Instr::Jmp { target: t.index(len) },
            Op::Jz(rs, t) => Instr::Jz { rs: rs.reg(), target: t.index(len) },
            Op::Jnz(rs, t) => Instr::Jnz { rs: rs.reg(), target: t.index(len) },
            Op::Branch(c, ra, rb, t) => Instr::Branch {
                cond: Cond::ALL[usize::from(c) % Cond::ALL.len()],
                ra: ra.reg(),
                rb: rb.reg(),
                target: t.index(len),
            },
            Op::Call(t) => Instr::Call { target: t.index(len) },
            Op::Ret => Instr::Ret,
            Op::Load(rd, base, offset) => Instr::Load { rd: rd.reg(), base: base.reg(), offset: i64::from(offset) },
            Op::Store(base, rs, offset) => Instr::Store { base: base.reg(), rs: rs.reg(), offset: i64::from(offset) },
            Op::Custom(id) => Instr::Custom { id: u32::from(id) },
            Op::Bin(op, rd, ra, rb) => Instr::Bin { op: bin(op), rd: rd.reg(), ra: ra.reg(), rb: rb.reg() },
            Op::BinI(op, rd, ra, imm) => Instr::BinI { op: bin(op), rd: rd.reg(), ra: ra.reg(), imm: imm.value() },
        }
    }
}

impl Params {
    fn gas_limit(&self) -> u64 {
        match self.gas {
            Gas::Cap => GAS_CAP,
            Gas::Small(g) => u64::from(g),
            Gas::Medium(g) => u64::from(g),
            Gas::Any(g) => u64::from(g) % (GAS_CAP + 1),
        }
    }

    fn memory(&self) -> Vec<i64> {
        let size = MEMORY_CAP - usize::from(self.memory_size) % (MEMORY_CAP + 1);
        let mut memory = vec![0; size];
        if size > 0 {
            for &(address, value) in &self.memory_init {
                memory[usize::from(address) % size] = value.value();
            }
        }
        memory
    }

    fn answers(&self) -> Vec<Result<HostReturn, HostError>> {
        self.answers
            .iter()
            .map(|answer| match *answer {
                Answer::Ok { value, gas } => {
                    let gas = match gas {
                        HostGas::Small(g) => u64::from(g),
                        HostGas::Any(g) => g,
                    };
                    Ok(HostReturn { value: value.value(), gas })
                }
                Answer::Err { code } => Err(HostError { code }),
            })
            .collect()
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
