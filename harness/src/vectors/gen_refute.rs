//! The refute suite's generators: state commitments along runs of every instruction family,
//! one-step proofs of every kind of step (and after the end), systematically tampered proofs,
//! and dissection games of up to 10^5 steps between honest and dishonest players.
//!
//! Everything is drawn from `seed`; the same seed gives the same cases, byte for byte. The
//! expectations come from the reference (`crate::reference::refute`); a tampered proof's
//! expected error is what the reference verifier says, and the harness tests check each
//! tamper kind's error class independently.

use std::collections::BTreeSet;

use ::vm::Program;
use ::vm::proof::{AnswerWitness, CellWitness, STACK_TREE_LEAVES, StepProof, TapeEntry, cell_leaf};
use primitives::{Hash32, merkle};
use rand_core::RngCore;

use super::fill::VmSpec;
use super::gen_vm::{random_program, rng};
use super::{Generated, flip_hash, refused};
use crate::case::refute::{
    BisectionConfig, ChallengerSpec, CommitmentConfig, DefenderSpec, GameSpec, PickSpec, ProofSource, RefuteCase,
    RefuteVector, StepProofConfig, StepProofPost,
};
use crate::case::vm::{HostAnswer, VmConfig};
use crate::case::{Case, CaseError, HashHex, Hex, Int, Provenance, Uint};
use crate::reference::refute as reference;

/// All refute cases for `seed`, in generation order.
pub fn generate(seed: u64) -> Result<Vec<Case>, CaseError> {
    let mut g = Gen { seed, cases: Generated::default() };
    g.commitments()?;
    g.step_proofs()?;
    g.bisections()?;
    Ok(g.cases.cases)
}

/// A tamper kind: how a verify case's proof was changed, and the error class it must get.
/// The harness tests derive the class from the kind alone, apart from the reference.
pub const TAMPER_KINDS: &[(&str, &str)] = &[
    ("header_bit", "pre_state_mismatch"),
    ("wrong_pre", "pre_state_mismatch"),
    ("instr_bytes", "bad_path"),
    ("instr_path", "bad_path"),
    ("cell_value", "bad_path"),
    ("cell_path", "bad_path"),
    ("answer_value", "bad_path"),
    ("answer_path", "bad_path"),
    ("drop_instr", "missing_witness"),
    ("drop_cell", "missing_witness"),
    ("drop_answer", "missing_witness"),
    ("extra_instr", "unused_witness"),
    ("extra_cell", "unused_witness"),
    ("extra_answer", "unused_witness"),
    ("truncated", "decode"),
    ("trailing", "decode"),
    ("invalid_status", "invalid_state"),
    ("dirty_stack_slot", "dirty_stack_slot"),
];

/// A program the step-proof and commitment generators run: what it covers, and the step
/// whose proof is tampered with.
struct Subject {
    name: &'static str,
    what: &'static str,
    source: &'static str,
    memory: Vec<i64>,
    host: Vec<HostAnswer>,
    gas: u64,
    tags: &'static [&'static str],
    /// The step that runs the instruction the program is about.
    focus: u64,
}

fn ok(value: i64, gas: u64) -> HostAnswer {
    HostAnswer::Ok { value: Int(value), gas: Uint(gas) }
}

fn err(code: u64) -> HostAnswer {
    HostAnswer::Error { code: Uint(code) }
}

/// The programs: every instruction family, every trap, `custom` with each kind of answer.
fn subjects() -> Vec<Subject> {
    let s = |name, what, source, tags, focus| Subject {
        name,
        what,
        source,
        memory: Vec::new(),
        host: Vec::new(),
        gas: 1_000_000,
        tags,
        focus,
    };
    vec![
        s(
            "alu",
            "register and immediate arithmetic",
            "li r1, 7\nli r2, -3\nadd r3, r1, r2\nmul r3, r3, r1\ndivi r0, r3, 2\nshl r0, r0, r1\nhalt r0",
            &["alu"],
            2,
        ),
        s(
            "alu_immediate",
            "immediate forms and comparisons",
            "li r1, -9\nremi r2, r1, 4\nltui r3, r1, 5\nxori r0, r2, 255\nhalt r0",
            &["alu", "immediate"],
            1,
        ),
        s(
            "moves",
            "li, mov, not, neg and nop",
            "li r1, -5\nmov r2, r1\nnot r3, r2\nneg r0, r3\nnop\nhalt r0",
            &["move"],
            3,
        ),
        s(
            "branches",
            "jumps and conditional branches",
            "li r1, 2\nloop: subi r1, r1, 1\njnz r1, loop\njz r1, next\nnext: blt r1, r2, skip\nbgeu r2, r1, end\nskip: nop\nend: jmp out\nout: halt r1",
            &["control"],
            2,
        ),
        s(
            "call_ret",
            "call pushes the return address, ret pops it",
            "call f\nhalt r0\nf: li r0, 9\nret",
            &["control", "stack"],
            0,
        ),
        s(
            "ret_pops",
            "ret reads the stack slot it pops",
            "call f\nhalt r0\nf: li r0, 9\nret",
            &["control", "stack"],
            2,
        ),
        s(
            "push_pop",
            "push writes a stack slot, pop reads and clears it",
            "li r1, 4\npush r1\nli r1, 6\npush r1\npop r2\npop r3\nhalt r3",
            &["stack"],
            3,
        ),
        s(
            "pop_top",
            "pop reads the top slot",
            "li r1, 4\npush r1\nli r1, 6\npush r1\npop r2\npop r3\nhalt r3",
            &["stack"],
            4,
        ),
        Subject {
            memory: vec![0, 5, 0, -7],
            ..s(
                "load",
                "load reads a memory cell",
                "li r1, 1\nload r2, [r1 + 2]\nload r3, [r1 + 0]\nadd r0, r2, r3\nhalt r0",
                &["memory"],
                1,
            )
        },
        Subject {
            memory: vec![0, 5, 0, -7],
            ..s(
                "store",
                "store writes a memory cell",
                "li r1, 3\nstore [r0 + 2], r1\nstore [r1 - 2], r1\nhalt r1",
                &["memory"],
                1,
            )
        },
        Subject {
            memory: vec![1; 5],
            ..s(
                "store_unchanged",
                "a store of the value a cell already holds",
                "li r1, 1\nstore [r0 + 4], r1\nhalt r1",
                &["memory"],
                1,
            )
        },
        Subject {
            host: vec![ok(40, 3)],
            ..s(
                "custom_ok",
                "custom with an ok answer: the answer travels in the proof",
                "li r1, 5\ncustom 7\nadd r2, r0, r1\nhalt r2",
                &["host"],
                1,
            )
        },
        Subject {
            host: vec![err(9)],
            ..s(
                "custom_error",
                "custom with an error answer traps host_error",
                "li r1, 5\ncustom 3\nhalt r0",
                &["host", "trap"],
                1,
            )
        },
        Subject {
            host: vec![ok(1, 0)],
            ..s(
                "custom_exhausted",
                "custom after the script ran out fails without an answer witness",
                "custom 1\ncustom 2\nhalt r0",
                &["host", "trap"],
                1,
            )
        },
        Subject {
            host: vec![ok(1, 1000)],
            gas: 50,
            ..s(
                "custom_out_of_gas",
                "the host's charge exceeds the gas left",
                "li r1, 1\ncustom 1\nhalt r0",
                &["host", "out_of_gas", "trap"],
                1,
            )
        },
        s("halt", "halt ends the run", "li r1, 12\nhalt r1", &["halt"], 1),
        s("revert", "revert ends the run", "li r1, -1\nrevert r1", &["revert"], 1),
        s("division_by_zero", "div by zero traps", "li r1, 5\ndiv r0, r1, r2\nhalt r0", &["trap"], 1),
        s("stack_underflow", "pop on an empty stack traps", "li r1, 1\npop r0\nhalt r0", &["stack", "trap"], 1),
        s("ret_underflow", "ret on an empty stack traps", "ret", &["control", "trap"], 0),
        s("stack_overflow", "the 1025th push traps", "li r1, 1\nloop: push r1\njmp loop", &["stack", "trap"], 2049),
        s(
            "ip_out_of_bounds",
            "running off the end of the program traps",
            "li r0, 1\nli r1, 2",
            &["control", "trap"],
            2,
        ),
        Subject {
            memory: vec![0; 4],
            ..s(
                "memory_out_of_bounds",
                "a load beyond the memory traps",
                "li r1, 10\nload r0, [r1 + 0]\nhalt r0",
                &["memory", "trap"],
                1,
            )
        },
        Subject {
            gas: 2,
            ..s(
                "out_of_gas",
                "an instruction that costs more than the gas left traps",
                "li r0, 1\nli r1, 2\nhalt r0",
                &["out_of_gas", "trap"],
                2,
            )
        },
        s("invalid_instruction", "the invalid instruction traps", "li r0, 1\ninvalid\nhalt r0", &["trap"], 1),
    ]
}

struct Gen {
    seed: u64,
    cases: Generated,
}

fn asm(source: &str) -> Result<Program, CaseError> {
    Program::assemble(source)
        .map_err(|e| CaseError::Invalid(format!("generator program does not assemble: {e}\n{source}")))
}

/// The VM configuration of a program, memory, host script and gas limit.
fn vm_config(program: &Program, memory: Vec<i64>, host: Vec<HostAnswer>, gas: u64) -> VmConfig {
    VmSpec::new("refute", "refute", "", program, Provenance::default()).memory(memory).host(host).gas(gas).config()
}

/// The number of steps a run takes to end (at most `limit`).
fn run_length(vm: &VmConfig, limit: u64) -> Result<u64, CaseError> {
    let (setup, mut snapshot) = reference::start_of(vm).map_err(refused)?;
    snapshot.run_steps(&setup, limit);
    Ok(snapshot.machine.steps)
}

impl Gen {
    fn provenance(&self, generator: &str) -> Provenance {
        Provenance::generated(generator, self.seed)
    }

    #[allow(clippy::too_many_arguments, reason = "a vector's manifest has this many parts")]
    fn push<C, P>(
        &mut self,
        handler: &str,
        name: &str,
        description: String,
        tags: &[&str],
        provenance: Provenance,
        config: C,
        post: P,
        wrap: fn(RefuteCase<C, P>) -> RefuteVector,
    ) -> Result<(), CaseError> {
        self.cases.add(("refute", handler, name), tags, |id, tags| {
            Case::Refute(wrap(RefuteCase::new(id, description, tags, provenance, config, post)))
        })
    }

    fn commitment(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        vm: VmConfig,
        at: Vec<u64>,
    ) -> Result<(), CaseError> {
        let config = CommitmentConfig { vm, at: at.into_iter().map(Uint).collect() };
        let post = reference::commitment(&config).map_err(refused)?;
        let provenance = self.provenance("refute/commitment");
        self.push("commitment", name, description, tags, provenance, config, post, RefuteVector::Commitment)
    }

    fn commitments(&mut self) -> Result<(), CaseError> {
        for subject in subjects() {
            let program = asm(subject.source)?;
            let vm = vm_config(&program, subject.memory.clone(), subject.host.clone(), subject.gas);
            let length = run_length(&vm, 1 << 20)?;
            // Every step of a short run, and a stride through a long one; then steps after the end.
            let stride = length.div_ceil(24).max(1);
            let mut at: BTreeSet<u64> = (0..=length).step_by(stride as usize).collect();
            at.extend([length, length + 1, length + 100]);
            self.commitment(
                &format!("{}_run", subject.name),
                format!("the state after each of several step counts of a run where {}", subject.what),
                subject.tags,
                vm,
                at.into_iter().collect(),
            )?;
        }
        let empty = vm_config(&asm("halt r0")?, Vec::new(), Vec::new(), 0);
        self.commitment(
            "no_gas",
            "a run with no gas traps at its first step".to_owned(),
            &["out_of_gas"],
            empty,
            vec![0, 1, 2],
        )?;
        let big = vm_config(&asm("li r1, 7\nstore [r0 + 1000], r1\nhalt r1")?, vec![3; 1025], Vec::new(), 100);
        self.commitment(
            "large_memory",
            "a memory of 1025 cells (not a power of two)".to_owned(),
            &["memory"],
            big,
            vec![0, 2, 3],
        )?;
        for i in 0..12u64 {
            let case_seed = rng(self.seed, &format!("refute/commitment/random_{i}")).next_u64();
            let (program, memory, host) = random_program(case_seed)?;
            let vm = vm_config(&program, memory, host, 1_000_000);
            let length = run_length(&vm, 1 << 20)?;
            let mut r = rng(case_seed, "refute/commitment/at");
            let mut at: BTreeSet<u64> = (0..6).map(|_| r.next_u64() % (length + 2)).collect();
            at.extend([0, length]);
            let name = format!("random_{i:02}");
            let provenance = Provenance::generated("refute/commitment/random", case_seed);
            let config = CommitmentConfig { vm, at: at.into_iter().map(Uint).collect() };
            let post = reference::commitment(&config).map_err(refused)?;
            self.push(
                "commitment",
                &name,
                format!("the state at seeded step counts of seeded random program {i} (a {length}-step run)"),
                &["random"],
                provenance,
                config,
                post,
                RefuteVector::Commitment,
            )?;
        }
        Ok(())
    }

    fn step_proofs(&mut self) -> Result<(), CaseError> {
        for subject in subjects() {
            let program = asm(subject.source)?;
            let vm = vm_config(&program, subject.memory.clone(), subject.host.clone(), subject.gas);
            let length = run_length(&vm, 1 << 20)?;
            // Prove the steps around the focus, the last step, and steps after the end (the
            // run has ended, so post = pre).
            let mut steps: BTreeSet<u64> = [0, subject.focus, length.saturating_sub(1), length, length + 3].into();
            if let Some(before) = subject.focus.checked_sub(1) {
                steps.insert(before);
            }
            for &at in &steps {
                let (pre, post, proof) = reference::prove(&vm, at).map_err(refused)?;
                let after = if at >= length { ", after the run ended (post = pre)" } else { "" };
                let config = StepProofConfig::Prove { vm: vm.clone(), at: Uint(at) };
                let result =
                    StepProofPost::Proven { pre: HashHex(pre), post: HashHex(post), proof: Hex(proof.encode()) };
                let tags: Vec<&str> = subject.tags.iter().copied().chain(["prove"]).collect();
                let provenance = self.provenance("refute/step_proof");
                self.push(
                    "step_proof",
                    &format!("prove_{}_step_{at}", subject.name),
                    format!("the canonical proof of step {at} of a run where {}{after}", subject.what),
                    &tags,
                    provenance,
                    config,
                    result,
                    RefuteVector::StepProof,
                )?;
            }
            self.verify_cases(&subject, &vm, &program, length)?;
        }
        Ok(())
    }

    /// An untampered proof at the focus step and after the end, and every tamper that applies
    /// at the focus step.
    fn verify_cases(
        &mut self,
        subject: &Subject,
        vm: &VmConfig,
        program: &Program,
        length: u64,
    ) -> Result<(), CaseError> {
        let source = ProofSource { asm: program.disassemble(), step: Uint(subject.focus) };
        for at in [subject.focus, length + 1] {
            let (pre, _, proof) = reference::prove(vm, at).map_err(refused)?;
            let source = ProofSource { step: Uint(at), ..source.clone() };
            let tags: Vec<&str> = subject.tags.iter().copied().chain(["verify", "untampered"]).collect();
            self.verify(
                &format!("verify_{}_step_{at}", subject.name),
                format!("the untampered proof of step {at} of a run where {} verifies", subject.what),
                &tags,
                pre,
                proof.encode(),
                source,
            )?;
        }
        let (pre, post, proof) = reference::prove(vm, subject.focus).map_err(refused)?;
        let label = format!("refute/step_proof/{}", subject.name);
        let mut r = rng(self.seed, &label);
        for &(kind, _) in TAMPER_KINDS {
            let draw = r.next_u64();
            let Some((what, pre, bytes)) = tamper(kind, draw, vm, subject.focus, &pre, &post, &proof)? else {
                continue;
            };
            let tag = format!("tamper_{kind}");
            let tags: Vec<&str> = subject.tags.iter().copied().chain(["verify", "tampered", tag.as_str()]).collect();
            self.verify(
                &format!("tampered_{}_{kind}", subject.name),
                format!(
                    "the proof of step {} of a run where {}, with {what}, is rejected",
                    subject.focus, subject.what
                ),
                &tags,
                pre,
                bytes,
                source.clone(),
            )?;
        }
        Ok(())
    }

    fn verify(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        pre: Hash32,
        bytes: Vec<u8>,
        source: ProofSource,
    ) -> Result<(), CaseError> {
        let post = reference::verify(&pre, &bytes);
        let config = StepProofConfig::Verify { pre: HashHex(pre), proof: Hex(bytes), source: Some(source) };
        let provenance = self.provenance("refute/step_proof");
        self.push("step_proof", name, description, tags, provenance, config, post, RefuteVector::StepProof)
    }

    fn bisections(&mut self) -> Result<(), CaseError> {
        let long = vm_config(
            &asm("li r1, 34000\nloop: subi r1, r1, 1\nstore [r2 + 1], r1\njnz r1, loop\nhalt r1")?,
            vec![0; 4],
            Vec::new(),
            10_000_000,
        );
        let host = vm_config(
            &asm("li r1, 40\nloop: custom 5\nadd r2, r2, r0\nsubi r1, r1, 1\njnz r1, loop\nhalt r2")?,
            Vec::new(),
            (1..=40).map(|i| ok(i, i as u64 % 3)).collect(),
            1_000_000,
        );
        let short = vm_config(&asm("li r1, 3\npush r1\npop r2\nhalt r2")?, Vec::new(), Vec::new(), 1000);
        let programs: [(&str, &str, &VmConfig); 3] = [
            ("loop", "a 102001-step loop storing to memory", &long),
            ("host", "a loop of 40 custom calls", &host),
            ("short", "a 5-step run (steps after the end change nothing)", &short),
        ];
        let degrees = [2u64, 3, 4, 8, 40];
        let mut r = rng(self.seed, "refute/bisection");
        // A lying defender against an honest challenger: the challenger wins at the first lie.
        for (pname, what, vm) in programs {
            let lengths: &[u64] = match pname {
                "loop" => &[1, 2, 3, 7, 100, 1000, 100_000],
                "host" => &[10, 200],
                _ => &[3, 100],
            };
            for &n in lengths {
                for k in degrees {
                    let j = 1 + r.next_u64() % n;
                    self.game(pname, what, vm, k, n, DefenderSpec::LiesFrom(Uint(j)), ChallengerSpec::Honest)?;
                }
            }
        }
        // Lies at the first and the last step.
        for (n, k, j) in [(1000, 2, 1), (1000, 2, 1000), (100_000, 8, 1), (100_000, 8, 100_000), (1000, 40, 1000)] {
            let (p, what, vm) = programs[0];
            self.game(p, what, vm, k, n, DefenderSpec::LiesFrom(Uint(j)), ChallengerSpec::Honest)?;
        }
        // An honest defender: an honest challenger has nothing to dispute and loses on time;
        // a blind challenger disputes anyway and loses on the proof.
        let picks = [PickSpec::First, PickSpec::Last, PickSpec::Seeded(r.next_u64() % 1000)];
        for (p, what, vm) in programs {
            for (n, k) in [(1, 2), (100, 2), (1000, 8), (100_000, 40)] {
                if p != "loop" && n > 1000 {
                    continue;
                }
                self.game(p, what, vm, k, n, DefenderSpec::Honest, ChallengerSpec::Honest)?;
                for pick in picks {
                    self.game(p, what, vm, k, n, DefenderSpec::Honest, ChallengerSpec::Blind(pick))?;
                }
            }
        }
        // A lying defender against a blind challenger: whoever the blind picks favour.
        for (n, k) in [(1000, 2), (1000, 4), (100, 3)] {
            let j = 1 + r.next_u64() % n;
            let (p, what, vm) = programs[0];
            for pick in picks {
                self.game(p, what, vm, k, n, DefenderSpec::LiesFrom(Uint(j)), ChallengerSpec::Blind(pick))?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments, reason = "a game has this many parameters")]
    fn game(
        &mut self,
        program: &str,
        what: &str,
        vm: &VmConfig,
        degree: u64,
        steps: u64,
        defender: DefenderSpec,
        challenger: ChallengerSpec,
    ) -> Result<(), CaseError> {
        let (d_name, d_text) = match defender {
            DefenderSpec::Honest => ("honest".to_owned(), "an honest defender".to_owned()),
            DefenderSpec::LiesFrom(j) => (format!("lies{j}"), format!("a defender lying from step {j}")),
        };
        let (c_name, c_text, c_tag) = match challenger {
            ChallengerSpec::Honest => ("honest".to_owned(), "an honest challenger".to_owned(), "honest_challenger"),
            ChallengerSpec::Blind(PickSpec::First) => {
                ("first".to_owned(), "a blind challenger picking the first segment".to_owned(), "blind")
            }
            ChallengerSpec::Blind(PickSpec::Last) => {
                ("last".to_owned(), "a blind challenger picking the last segment".to_owned(), "blind")
            }
            ChallengerSpec::Blind(PickSpec::Seeded(s)) => {
                (format!("seed{s}"), format!("a blind challenger picking segments from seed {s}"), "blind")
            }
        };
        let d_tag = if defender == DefenderSpec::Honest { "honest_defender" } else { "lying_defender" };
        let config = BisectionConfig {
            vm: vm.clone(),
            game: GameSpec { degree: Uint(degree), steps: Uint(steps), defender, challenger },
        };
        let post = reference::bisection(&config).map_err(refused)?;
        let provenance = self.provenance("refute/bisection");
        self.push(
            "bisection",
            &format!("{program}_n{steps}_k{degree}_{d_name}_{c_name}"),
            format!("a {degree}-ary dissection game over {steps} steps of {what}: {d_text} against {c_text}"),
            &[d_tag, c_tag],
            provenance,
            config,
            post,
            RefuteVector::Bisection,
        )
    }
}

/// Applies tamper `kind` to the honest proof of step `at` (pre-state `pre`, post-state
/// `post`), using `draw` for the bit to flip. Returns what was done, the pre-state
/// commitment to verify against and the proof's bytes, or `None` if the kind does not apply
/// to this proof (there is no witness of that kind to change).
pub(crate) fn tamper(
    kind: &str,
    draw: u64,
    vm: &VmConfig,
    at: u64,
    pre: &Hash32,
    post: &Hash32,
    proof: &StepProof,
) -> Result<Option<(String, Hash32, Vec<u8>)>, CaseError> {
    let mut p = proof.clone();
    let bit = draw % 256;
    let done = |what: String, p: &StepProof| Ok(Some((what, *pre, p.encode())));
    match kind {
        "header_bit" => {
            let mut bytes = proof.encode();
            let header_len = proof.state.encode().len() as u64;
            let at_bit = draw % (header_len * 8);
            if let Some(byte) = usize::try_from(at_bit / 8).ok().and_then(|i| bytes.get_mut(i)) {
                *byte ^= 1 << (at_bit % 8);
            }
            Ok(Some((format!("bit {} of header byte {} flipped", at_bit % 8, at_bit / 8), *pre, bytes)))
        }
        "wrong_pre" => Ok(Some(("the post-state commitment given as the pre-state".to_owned(), *post, proof.encode()))),
        "instr_bytes" => match p.instr.as_mut() {
            Some(w) if !w.bytes.is_empty() => {
                let i = (draw % w.bytes.len() as u64) as usize;
                if let Some(byte) = w.bytes.get_mut(i) {
                    *byte ^= 1 << (draw / 7 % 8);
                }
                done(format!("a bit of instruction byte {i} flipped"), &p)
            }
            _ => Ok(None),
        },
        "instr_path" => match p.instr.as_mut() {
            Some(w) if !w.path.is_empty() => {
                let i = (draw % w.path.len() as u64) as usize;
                if let Some(h) = w.path.get_mut(i) {
                    flip_hash(h, bit);
                }
                done(format!("bit {bit} of the instruction's path hash {i} flipped"), &p)
            }
            _ => Ok(None),
        },
        "cell_value" => match p.cell.as_mut() {
            Some(w) => {
                w.value ^= 1 << (draw % 64);
                done(format!("bit {} of the cell witness's value flipped", draw % 64), &p)
            }
            None => Ok(None),
        },
        "cell_path" => match p.cell.as_mut() {
            Some(w) if !w.path.is_empty() => {
                let i = (draw % w.path.len() as u64) as usize;
                if let Some(h) = w.path.get_mut(i) {
                    flip_hash(h, bit);
                }
                done(format!("bit {bit} of the cell's path hash {i} flipped"), &p)
            }
            _ => Ok(None),
        },
        "answer_value" => match p.answer.as_mut() {
            Some(w) => {
                w.answer = match w.answer {
                    TapeEntry::Ok { value, gas } => TapeEntry::Ok { value: value ^ (1 << (draw % 64)), gas },
                    TapeEntry::Error { code } => TapeEntry::Error { code: code ^ (1 << (draw % 64)) },
                };
                done(format!("bit {} of the host answer's value flipped", draw % 64), &p)
            }
            None => Ok(None),
        },
        "answer_path" => match p.answer.as_mut() {
            Some(w) if !w.path.is_empty() => {
                let i = (draw % w.path.len() as u64) as usize;
                if let Some(h) = w.path.get_mut(i) {
                    flip_hash(h, bit);
                }
                done(format!("bit {bit} of the host answer's path hash {i} flipped"), &p)
            }
            _ => Ok(None),
        },
        "drop_instr" => match p.instr.take() {
            Some(_) => done("the instruction witness dropped".to_owned(), &p),
            None => Ok(None),
        },
        "drop_cell" => match p.cell.take() {
            Some(_) => done("the cell witness dropped".to_owned(), &p),
            None => Ok(None),
        },
        "drop_answer" => match p.answer.take() {
            Some(_) => done("the host answer witness dropped".to_owned(), &p),
            None => Ok(None),
        },
        "extra_instr" => match p.instr {
            None => {
                p.instr = Some(::vm::proof::InstrWitness { bytes: vec![0x01], path: Vec::new() });
                done("an instruction witness the step does not use added".to_owned(), &p)
            }
            Some(_) => Ok(None),
        },
        "extra_cell" => match p.cell {
            None => {
                p.cell = Some(CellWitness { value: 0, path: Vec::new() });
                done("a cell witness the step does not use added".to_owned(), &p)
            }
            Some(_) => Ok(None),
        },
        "extra_answer" => match p.answer {
            None => {
                p.answer = Some(AnswerWitness { answer: TapeEntry::Ok { value: 1, gas: 0 }, path: Vec::new() });
                done("a host answer witness the step does not use added".to_owned(), &p)
            }
            Some(_) => Ok(None),
        },
        "truncated" => {
            let mut bytes = proof.encode();
            bytes.pop();
            Ok(Some(("its last byte cut off".to_owned(), *pre, bytes)))
        }
        "trailing" => {
            let mut bytes = proof.encode();
            bytes.push(0);
            Ok(Some(("a zero byte appended".to_owned(), *pre, bytes)))
        }
        "invalid_status" => {
            p.state.status = 4 + (draw % 200) as u8;
            // The pre-state is the tampered header's own commitment, so the proof gets past the
            // commitment check and must be caught by the state rules.
            let pre = p.state.commitment();
            Ok(Some((
                format!("status {} in the header (and the pre-state its commitment)", p.state.status),
                pre,
                p.encode(),
            )))
        }
        "dirty_stack_slot" => dirty_stack_slot(vm, at, draw, proof),
        _ => Err(CaseError::Invalid(format!("unknown tamper kind `{kind}`"))),
    }
}

/// For a `push` or `call` step: a pre-state whose free stack slot holds a nonzero value, with
/// a consistent header, commitment and cell witness, so that only the dirty slot is wrong.
fn dirty_stack_slot(
    vm: &VmConfig,
    at: u64,
    draw: u64,
    proof: &StepProof,
) -> Result<Option<(String, Hash32, Vec<u8>)>, CaseError> {
    let (setup, mut snapshot) = reference::start_of(vm).map_err(refused)?;
    snapshot.run_steps(&setup, at);
    let instr = usize::try_from(snapshot.machine.ip).ok().and_then(|i| setup.program().instrs().get(i)).copied();
    let pushes = matches!(instr, Some(::vm::Instr::Push { .. } | ::vm::Instr::Call { .. }));
    let Some(cell) = proof.cell.as_ref().filter(|_| pushes && snapshot.machine.outcome.is_none()) else {
        return Ok(None);
    };
    let depth = snapshot.machine.stack.len() as u64;
    let dirty = 1 + (draw % 1000) as i64;
    let stack = &snapshot.machine.stack;
    let leaf = |i: u64| {
        let value =
            if i == depth { dirty } else { usize::try_from(i).ok().and_then(|i| stack.get(i)).copied().unwrap_or(0) };
        cell_leaf(value)
    };
    let (root, path) = merkle::root_and_path(STACK_TREE_LEAVES, Some(depth), leaf);
    let path = path.ok_or_else(|| CaseError::Invalid("no stack path".to_owned()))?;
    if path.len() != cell.path.len() {
        return Err(CaseError::Invalid("the dirty slot's path has another length than the honest one".to_owned()));
    }
    let mut p = proof.clone();
    p.state.stack_root = root;
    p.cell = Some(CellWitness { value: dirty, path });
    let pre = p.state.commitment();
    Ok(Some((format!("the free stack slot {depth} holding {dirty} in a consistent pre-state"), pre, p.encode())))
}
