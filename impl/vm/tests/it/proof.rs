//! One-step proofs: the proof of every step verifies to the commitment of the state the
//! interpreter reaches; any change to a proof is rejected with a typed error; the commitment is
//! exactly the byte layout the spec gives.

use primitives::merkle::{self, leaf_hash};
use primitives::{Hash32, keccak256, keccak256_concat};
use proptest::prelude::*;
use vm::proof::{
    CellWitness, Item, ProofError, STATE_DOMAIN, Setup, Slot, Snapshot, StepProof, prove_step, verify_step,
};
use vm::{HostError, HostReturn, Program, ScriptedHost, bytecode};

use crate::asm;
use crate::props::{case, config};

/// Steps through the whole run (at most `max` steps, and one step past the end), checking the
/// proof of each step against the interpreter. Returns the proofs.
fn check_run(setup: &Setup, memory: Vec<i64>, gas: u64, max: u64) -> Vec<StepProof> {
    check_from(setup, Snapshot::start(memory, gas).expect("small memory"), max)
}

/// Like [`check_run`], for the last `tail` steps of the run only.
fn check_tail(setup: &Setup, memory: Vec<i64>, gas: u64, tail: u64) -> Vec<StepProof> {
    let mut end = Snapshot::start(memory.clone(), gas).expect("small memory");
    end.run(setup);
    let mut snapshot = Snapshot::start(memory, gas).expect("small memory");
    snapshot.run_steps(setup, end.machine.steps.saturating_sub(tail));
    check_from(setup, snapshot, tail + 1)
}

fn check_from(setup: &Setup, mut snapshot: Snapshot, max: u64) -> Vec<StepProof> {
    let mut proofs = Vec::new();
    for _ in 0..max {
        let pre = snapshot.commitment(setup);
        let proof = prove_step(setup, &snapshot);
        let ended = snapshot.machine.outcome.is_some();
        snapshot.run_steps(setup, 1);
        assert_eq!(verify_step(&pre, &proof), Ok(snapshot.commitment(setup)), "step {}", proof.state.steps);
        proofs.push(proof);
        if ended {
            break;
        }
    }
    proofs
}

fn setup(source: &str, answers: &[Result<HostReturn, HostError>]) -> Setup {
    Setup::new(asm(source), answers)
}

/// Flips every bit of the proof's encoding in turn; each must be rejected.
fn assert_every_bit_flip_is_rejected(proof: &StepProof) {
    let pre = proof.state.commitment();
    let bytes = proof.encode();
    for bit in 0..bytes.len() * 8 {
        let mut tampered = bytes.clone();
        tampered[bit / 8] ^= 1 << (bit % 8);
        let verdict = StepProof::decode(&tampered).and_then(|p| verify_step(&pre, &p));
        assert!(verdict.is_err(), "flipping bit {bit} of {} was accepted: {verdict:?}", bytes.len() * 8);
    }
}

#[test]
fn every_instruction_family_proves_and_verifies() {
    let answers = [Ok(HostReturn { value: 42, gas: 3 }), Err(HostError { code: 9 })];
    let source = "
        li r0, 5
        li r1, 2
        add r2, r0, r1
        divi r3, r0, 2
        not r3, r3
        neg r3, r3
        mov r3, r2
        push r2
        call sub
        pop r3
        store [r1 + 1], r0
        load r2, [r1 + 1]
        beq r2, r0, skip
        nop
    skip:
        jz r3, never
        custom 7
        jmp end
    never:
        invalid
    sub:
        push r0
        pop r1
        ret
    end:
        custom 8
    ";
    let proofs = check_run(&setup(source, &answers), vec![0; 8], 1_000, 100);
    // The run ends with the host's error on the second call, one step past the end included.
    let last = &proofs[proofs.len() - 2];
    assert_eq!(last.answer.as_ref().map(|a| a.answer), Some(vm::proof::TapeEntry::Error { code: 9 }));
    assert!(proofs.iter().any(|p| p.cell.is_some()), "stack and memory steps carry a cell");
}

#[test]
fn every_trap_proves_and_verifies() {
    type Answers = Vec<Result<HostReturn, HostError>>;
    let cases: &[(&str, Vec<i64>, u64, Answers)] = &[
        ("li r0, 1\ndivi r0, r0, 0", vec![], 100, vec![]),
        ("loop:\npush r0\njmp loop", vec![], 100_000, vec![]),
        ("pop r0", vec![], 100, vec![]),
        ("ret", vec![], 100, vec![]),
        ("jmp 9", vec![], 100, vec![]),
        ("", vec![], 100, vec![]),
        ("li r0, 3\nload r1, [r0 + 0]", vec![1, 2], 100, vec![]),
        ("li r0, -1\nstore [r0 + 0], r0", vec![1, 2], 100, vec![]),
        ("nop\nnop\nnop", vec![], 2, vec![]),
        ("invalid", vec![], 100, vec![]),
        ("custom 1", vec![], 100, vec![Err(HostError { code: 77 })]),
        ("custom 1\ncustom 2", vec![], 100, vec![Ok(HostReturn { value: 1, gas: 0 })]),
        ("custom 1", vec![], 100, vec![Ok(HostReturn { value: 1, gas: 1_000 })]),
        ("custom 1", vec![], 5, vec![Ok(HostReturn { value: 1, gas: 0 })]),
        ("li r0, 1\nhalt r0", vec![], 100, vec![]),
        ("li r0, -1\nrevert r0", vec![], 100, vec![]),
        // `call` on a full stack, a pop of the last slot (1023), and `ret` to a negative address.
        ("f: call f", vec![], 100_000, vec![]),
        ("li r1, 1024\nloop: push r1\nsubi r1, r1, 1\njnz r1, loop\npop r0\npop r2\nhalt r0", vec![], 100_000, vec![]),
        ("li r0, -5\npush r0\nret", vec![], 100, vec![]),
    ];
    for (source, memory, gas, answers) in cases {
        let setup = setup(source, answers);
        let proofs = check_tail(&setup, memory.clone(), *gas, 8);
        let last = proofs.last().expect("at least one step");
        assert_ne!(last.state.status, vm::proof::STATUS_RUNNING, "{source}: the run ends");
        assert!(
            last.instr.is_none() && last.cell.is_none() && last.answer.is_none(),
            "{source}: an ended step needs no witness"
        );
    }
}

#[test]
fn a_step_after_the_end_changes_nothing() {
    let setup = setup("halt r0", &[]);
    let mut snapshot = Snapshot::start(vec![], 10).expect("small");
    snapshot.run_steps(&setup, 1);
    let pre = snapshot.commitment(&setup);
    assert_eq!(verify_step(&pre, &prove_step(&setup, &snapshot)), Ok(pre));
}

#[test]
fn every_bit_of_every_kind_of_proof_matters() {
    let answers = [Ok(HostReturn { value: 42, gas: 3 })];
    let setup = setup("li r0, 3\npush r0\nstore [r0 + 1], r0\nload r1, [r0 + 1]\npop r2\ncustom 5\nhalt r0", &answers);
    let proofs = check_run(&setup, vec![0; 6], 1_000, 20);
    assert!(proofs.len() >= 7);
    for proof in &proofs {
        assert_every_bit_flip_is_rejected(proof);
    }
}

#[test]
fn each_rejection_has_its_typed_error() {
    let setup = setup("li r0, 3\npush r0\nstore [r0 + 1], r0\nhalt r0", &[]);
    let mut snapshot = Snapshot::start(vec![0; 6], 1_000).expect("small");
    snapshot.run_steps(&setup, 1);
    let push = prove_step(&setup, &snapshot);
    let pre = push.state.commitment();

    assert!(matches!(verify_step(&Hash32::ZERO, &push), Err(ProofError::PreStateMismatch { .. })));

    let mut missing = push.clone();
    missing.cell = None;
    assert_eq!(verify_step(&pre, &missing), Err(ProofError::MissingWitness(Item::Stack { slot: 0 })));

    let mut no_instr = push.clone();
    no_instr.instr = None;
    assert_eq!(verify_step(&pre, &no_instr), Err(ProofError::MissingWitness(Item::Instr { ip: 1 })));

    let mut unused = push.clone();
    unused.answer = Some(vm::proof::AnswerWitness { answer: vm::proof::TapeEntry::Error { code: 1 }, path: vec![] });
    assert_eq!(verify_step(&pre, &unused), Err(ProofError::UnusedWitness(Slot::Answer)));

    let mut short = push.clone();
    short.cell = Some(CellWitness { value: 0, path: vec![] });
    assert!(matches!(
        verify_step(&pre, &short),
        Err(ProofError::BadPath { item: Item::Stack { slot: 0 }, source: merkle::ProofError::WrongPathLength { .. } })
    ));

    let mut wrong_value = push.clone();
    if let Some(cell) = wrong_value.cell.as_mut() {
        cell.value = 1;
    }
    assert!(matches!(
        verify_step(&pre, &wrong_value),
        Err(ProofError::BadPath { source: merkle::ProofError::RootMismatch { .. }, .. })
    ));

    let mut invalid = push.clone();
    invalid.state.status = 9;
    assert!(matches!(verify_step(&invalid.state.commitment(), &invalid), Err(ProofError::InvalidState(_))));

    assert!(matches!(StepProof::decode(&[1, 2, 3]), Err(ProofError::Decode(_))));
    let mut trailing = push.encode();
    trailing.push(0);
    assert!(matches!(StepProof::decode(&trailing), Err(ProofError::Decode(_))));

    // A state whose free stack slot is dirty: only a forged state can be like that.
    let mut dirty_snapshot = snapshot.clone();
    dirty_snapshot.machine.stack = vec![5];
    let dirty_header = dirty_snapshot.header(&setup);
    let mut dirty = prove_step(&setup, &snapshot);
    dirty.state = vm::proof::StateHeader { stack_depth: 0, ..dirty_header };
    let (_, path) = merkle::root_and_path(1024, Some(0), |i| vm::proof::cell_leaf(if i == 0 { 5 } else { 0 }));
    dirty.cell = Some(CellWitness { value: 5, path: path.expect("inside") });
    assert_eq!(verify_step(&dirty.state.commitment(), &dirty), Err(ProofError::DirtyStackSlot { slot: 0, value: 5 }));

    // Bytes in the program tree that are not an instruction.
    let garbage = [0xffu8, 0xff];
    let program_root = merkle::root(&[garbage.as_slice()]);
    let mut bad = prove_step(&setup, &Snapshot::start(vec![], 10).expect("small"));
    bad.state.program_root = program_root;
    bad.state.program_len = 1;
    bad.instr = Some(vm::proof::InstrWitness { bytes: garbage.to_vec(), path: vec![] });
    assert!(matches!(verify_step(&bad.state.commitment(), &bad), Err(ProofError::BadInstruction { ip: 0, .. })));
}

/// The commitment, transcribed from `docs/spec/refutation.md` RF-2.1 by hand, without the
/// Borsh derive or the prover's tree code.
#[test]
fn the_commitment_is_the_spec_byte_layout() {
    let answers = [Ok(HostReturn { value: -2, gas: 7 }), Err(HostError { code: 3 })];
    let program = asm("li r1, -7\npush r1\nstore [r1 + 9], r1\ncustom 4\nhalt r1");
    let setup = Setup::new(program.clone(), &answers);
    let mut snapshot = Snapshot::start(vec![1, 2, 3], 500).expect("small");
    snapshot.run(&setup);

    let m = &snapshot.machine;
    let u64le = |v: u64| v.to_le_bytes().to_vec();
    let cell = |v: i64| v.to_le_bytes().to_vec();
    let instrs: Vec<Vec<u8>> = program
        .instrs()
        .iter()
        .map(|i| {
            let mut b = Vec::new();
            bytecode::encode_instr(i, &mut b);
            b
        })
        .collect();
    let tape: Vec<Vec<u8>> = vec![
        [vec![0u8], cell(-2), u64le(7)].concat(), // ok: tag 0, value, gas
        [vec![1u8], u64le(3)].concat(),           // error: tag 1, code
    ];
    let mut stack_cells: Vec<Vec<u8>> = m.stack.iter().map(|&v| cell(v)).collect();
    stack_cells.resize(1024, cell(0));
    let memory_cells: Vec<Vec<u8>> = m.memory.iter().map(|&v| cell(v)).collect();
    let mut log = Hash32::ZERO;
    // The one call: id 4 with the registers as they were.
    let regs_at_call = [0i64, -7, 0, 0];
    let regs_bytes: Vec<u8> = regs_at_call.iter().flat_map(|r| r.to_le_bytes()).collect();
    log = keccak256_concat(&[b"orsma/vm-host-call/v1", &log.0, &4u32.to_le_bytes(), &regs_bytes]);

    let mut bytes = Vec::new();
    bytes.extend(merkle::root(&instrs).0);
    bytes.extend(u64le(5));
    bytes.extend(merkle::root(&tape).0);
    bytes.extend(u64le(2));
    bytes.extend(u64le(1));
    bytes.extend(log.0);
    for r in m.regs {
        bytes.extend(cell(r));
    }
    bytes.extend(u64le(m.ip));
    bytes.extend(merkle::root(&stack_cells).0);
    bytes.extend(u64le(1));
    bytes.extend(merkle::root(&memory_cells).0);
    bytes.extend(u64le(3));
    bytes.extend(u64le(500));
    bytes.extend(u64le(m.gas_remaining));
    bytes.extend(u64le(5));
    bytes.push(1); // halted
    bytes.push(0); // no trap
    bytes.extend(cell(-7)); // the halt value
    assert_eq!(bytes.len(), 274);
    assert_eq!(m.outcome, Some(vm::Outcome::Halted { value: -7 }));
    assert_eq!(snapshot.header(&setup).encode(), bytes);
    assert_eq!(snapshot.commitment(&setup), keccak256(&[STATE_DOMAIN, &bytes].concat()));
    assert_eq!(leaf_hash(&cell(3)), vm::proof::cell_leaf(3));
}

proptest! {
    #![proptest_config(config())]

    /// The property: for any program and any step, verifying the prover's proof gives
    /// the commitment of the state the interpreter reaches, and the host calls match a
    /// scripted host's.
    #[test]
    fn verify_of_prove_is_the_interpreters_next_state((program, memory, gas, answers) in case(), at in 0u64..60) {
        let setup = Setup::new(program.clone(), &answers);
        let mut snapshot = Snapshot::start(memory.clone(), gas).expect("small memory");
        snapshot.run_steps(&setup, at);
        let pre = snapshot.commitment(&setup);
        let proof = prove_step(&setup, &snapshot);
        snapshot.run_steps(&setup, 1);
        prop_assert_eq!(verify_step(&pre, &proof), Ok(snapshot.commitment(&setup)));

        let mut plain = vm::Machine::new(memory, gas).expect("small memory");
        let mut host = ScriptedHost::new(answers);
        plain.run_steps(&program, &mut host, at + 1);
        prop_assert_eq!(&plain, &snapshot.machine);
        prop_assert_eq!(host.calls().len() as u64, snapshot.host_calls);
    }

    /// Any single-bit change of a proof is rejected.
    #[test]
    fn a_flipped_bit_is_rejected((program, memory, gas, answers) in case(), at in 0u64..40, bit in any::<prop::sample::Index>()) {
        let setup = Setup::new(program, &answers);
        let mut snapshot = Snapshot::start(memory, gas).expect("small memory");
        snapshot.run_steps(&setup, at);
        let proof = prove_step(&setup, &snapshot);
        let pre = proof.state.commitment();
        let mut bytes = proof.encode();
        let bit = bit.index(bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        let verdict = StepProof::decode(&bytes).and_then(|p| verify_step(&pre, &p));
        prop_assert!(verdict.is_err(), "bit {} accepted", bit);
    }
}

#[test]
fn the_empty_program_is_provable() {
    let setup = Setup::new(Program::default(), &[]);
    check_run(&setup, vec![], 0, 3);
}

/// The worked example of `docs/spec/refutation.md` §7: if this changes, the spec must too.
#[test]
fn the_spec_worked_example() {
    let setup = Setup::new(asm("li r0, 7\npush r0\nhalt r0"), &[]);
    let mut snapshot = Snapshot::start(vec![0, 0], 100).expect("small");
    let hex = |h: Hash32| h.to_string();
    assert_eq!(hex(snapshot.commitment(&setup)), "0x7649e37adf47413a7d22c2d1b559d99248b74b3e13286f496699d53a7627ac9c");
    snapshot.run_steps(&setup, 1);
    let header = snapshot.header(&setup);
    assert_eq!(hex(header.program_root), "0x57493a884c90898175fc7761f794650d7d9bb55ac6d6baf080b0bfb9e6c9c09e");
    assert_eq!(hex(header.tape_root), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    assert_eq!(hex(header.stack_root), "0x4b58f5fa49e2ac87c2755750fe59ed7797dbb5f1a3b693efff92bafd30af61d2");
    assert_eq!(hex(header.memory_root), "0x1c3e5348a1f31b55bff641440570f82984c81d945595c07583c13deb64c7b891");
    let c1 = header.commitment();
    assert_eq!(hex(c1), "0x22c7ca7101b214f533c06eb0e0d90607ce136f95200965e75f9dc028fec2a497");
    let proof = prove_step(&setup, &snapshot);
    assert_eq!(proof.encoded_len(), 683);
    let post = verify_step(&c1, &proof).expect("valid");
    assert_eq!(hex(post), "0xdc061c136f81118c502da1e6e3218e702cc255fa75eeb068a0ca7273e0896f5c");
}
