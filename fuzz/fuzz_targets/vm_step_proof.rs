//! One-step proofs: the proof of any step of any run verifies to the commitment of the state
//! the interpreter reaches next, any single bit flipped in its encoding is rejected, and no
//! bytes decoded as a proof make the verifier panic.
//!
//! The input's first byte picks the mode:
//!
//! - `0 mod 4` or `2 mod 4`: **raw bytecode**, exactly as in `vm_exec`: a little-endian `u16`
//!   length, that many bytes of bytecode, then the [`Params`] from the rest. So every
//!   `vm_exec` raw-mode input (`00 <len> <bytecode>`, as seeded from the vectors) is also an
//!   input here; empty params prove step 0 of a run on 64 zero cells with 100 000 gas.
//! - `1 mod 4`: **structured program**: [`Params`], then [`Op`]s until the input ends.
//! - `3 mod 4`: **proof bytes**: a 32-byte commitment, then bytes handed to
//!   [`StepProof::decode`]. A proof that decodes re-encodes to the same bytes and is checked
//!   against that commitment and against its own pre-state's: either way the verifier returns
//!   `Ok` or a typed error.

#![no_main]

mod ops;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use primitives::Hash32;
use vm::proof::{Setup, Snapshot, StepProof, prove_step, verify_header_step, verify_step};
use vm::{HostError, HostReturn, Program};

use crate::ops::{Answer, GAS_CAP, Gas, Imm, Op};

/// The most gas a run gets; bounds the steps of a run.
/// The memory size of empty params.
const MEMORY_DEFAULT: usize = 64;
/// The most memory cells: enough for audit paths of 10 hashes and for every tree shape
/// (RFC 9162 trees of sizes that are not powers of two carry nodes up unpaired).
const MEMORY_CAP: usize = 1024;
/// The most instructions of a structured program.
const PROGRAM_CAP: usize = 1024;
/// The most bit flips tried on one proof.
const FLIPS_CAP: usize = 16;

fuzz_target!(|input: Input| check(&input));

/// One fuzz input.
#[derive(Debug)]
enum Input {
    /// A program, how to run it, which step to prove and which bits to flip.
    Run { code: Code, params: Params },
    /// A commitment and bytes to decode as a proof.
    Proof { pre: [u8; 32], bytes: Vec<u8> },
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
        Ok(Input::Run { code: Code::Raw(u.arbitrary()?), params: u.arbitrary()? })
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> arbitrary::Result<Input> {
        let mode = u8::arbitrary(&mut u)?;
        match mode % 4 {
            0 | 2 => {
                let len = match u.bytes(2) {
                    Ok(&[lo, hi]) => usize::from(u16::from_le_bytes([lo, hi])),
                    _ => 0,
                };
                let code = u.bytes(len.min(u.len()))?.to_vec();
                Ok(Input::Run { code: Code::Raw(code), params: Params::arbitrary_take_rest(u)? })
            }
            1 => {
                let params = Params::arbitrary(&mut u)?;
                let ops = u.arbitrary_take_rest_iter::<Op>()?.take(PROGRAM_CAP).collect::<arbitrary::Result<_>>()?;
                Ok(Input::Run { code: Code::Ops(ops), params })
            }
            _ => {
                let pre = <[u8; 32]>::arbitrary(&mut u)?;
                Ok(Input::Proof { pre, bytes: u.take_rest().to_vec() })
            }
        }
    }
}

/// How to run the program and what to check. All-zero (or missing) bytes give the defaults:
/// step 0, the full gas cap, [`MEMORY_DEFAULT`] zero cells, no host answers, no bit flips.
#[derive(Arbitrary, Debug)]
struct Params {
    step: Step,
    gas: Gas,
    /// 0 means [`MEMORY_DEFAULT`] cells; otherwise `(memory_size - 1) % (MEMORY_CAP + 1)`.
    memory_size: u16,
    /// `(address mod size, value)`.
    memory_init: Vec<(u16, Imm)>,
    answers: Vec<Answer>,
    /// Bits of the proof's encoding to flip, one at a time, each modulo its length in bits.
    flips: Vec<u32>,
}

/// Which step to prove.
#[derive(Arbitrary, Debug)]
enum Step {
    /// Step `n mod (GAS_CAP + 2)` from the start; past the end of the run, the state after it.
    At(u32),
    /// Step `n` before the end: 0 is the step past the end, 1 the last step (the one that
    /// halts, reverts or traps).
    BeforeEnd(u8),
}

impl Params {
    fn gas_limit(&self) -> u64 {
        self.gas.limit()
    }

    fn memory(&self) -> Vec<i64> {
        let size = match self.memory_size {
            0 => MEMORY_DEFAULT,
            n => usize::from(n - 1) % (MEMORY_CAP + 1),
        };
        ops::memory(size, &self.memory_init)
    }

    fn answers(&self) -> Vec<Result<HostReturn, HostError>> {
        ops::answers(&self.answers)
    }
}

fn check(input: &Input) {
    match input {
        Input::Run { code, params } => check_run(code, params),
        Input::Proof { pre, bytes } => check_bytes(&Hash32(*pre), bytes),
    }
}

fn check_run(code: &Code, params: &Params) {
    let program = match code {
        Code::Raw(bytes) => match Program::decode(bytes) {
            Ok(program) => program,
            // `vm_exec` checks the decoder; here only programs matter.
            Err(_) => return,
        },
        Code::Ops(ops) => {
            let instrs = ops.iter().map(|op| op.instr(ops.len())).collect();
            Program::new(instrs).expect("at most PROGRAM_CAP instructions")
        }
    };
    let setup = Setup::new(program, &params.answers());
    let start = Snapshot::start(params.memory(), params.gas_limit()).expect("at most MEMORY_CAP cells");

    let step = match params.step {
        Step::At(n) => u64::from(n) % (GAS_CAP + 2),
        Step::BeforeEnd(back) => {
            let mut end = start.clone();
            end.run(&setup);
            assert!(end.machine.outcome.is_some(), "a metered run always ends");
            (end.machine.steps + 1).saturating_sub(u64::from(back))
        }
    };
    let mut snapshot = start;
    snapshot.run_steps(&setup, step);
    let pre = snapshot.commitment(&setup);
    let proof = prove_step(&setup, &snapshot);
    assert_eq!(proof.state.commitment(), pre, "the proof carries the pre-state's header");
    let ended = snapshot.machine.outcome.is_some();
    snapshot.run_steps(&setup, 1);
    let post = snapshot.commitment(&setup);
    assert_eq!(verify_step(&pre, &proof), Ok(post), "step {step} of a run of {} steps", snapshot.machine.steps);
    if ended {
        assert_eq!(post, pre, "a step after the end changes nothing");
    }

    let bytes = proof.encode();
    assert_eq!(StepProof::decode(&bytes).as_ref(), Ok(&proof), "proof round trip");
    let bits = bytes.len() * 8;
    for &flip in params.flips.iter().take(FLIPS_CAP) {
        let bit = flip as usize % bits;
        let mut tampered = bytes.clone();
        tampered[bit / 8] ^= 1 << (bit % 8);
        let verdict = StepProof::decode(&tampered).and_then(|p| verify_step(&pre, &p));
        assert!(verdict.is_err(), "flipping bit {bit} of {bits} of the proof of step {step} was accepted: {verdict:?}");
    }
}

fn check_bytes(pre: &Hash32, bytes: &[u8]) {
    let Ok(proof) = StepProof::decode(bytes) else { return };
    assert_eq!(proof.encode(), bytes, "a decoded proof has exactly one encoding");
    let _ = verify_step(pre, &proof);
    // Past the commitment check: the verifier runs the step on whatever the proof says.
    let own = proof.state.commitment();
    let verdict = verify_step(&own, &proof);
    assert_eq!(verdict.clone().ok(), verify_header_step(&proof).ok().map(|post| post.commitment()));
}
