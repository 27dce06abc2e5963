//! Step proofs and their stateless verifier (`docs/spec/refutation.md` §3–§4).

use std::fmt;

use borsh::{BorshDeserialize, BorshSerialize};
use primitives::Hash32;
use primitives::encoding;
use primitives::merkle::{self, leaf_hash, root_from_path};

use crate::bytecode::{DecodeError, decode_instr};
use crate::isa::Instr;

use super::state::{InvalidState, STACK_TREE_LEAVES, StateHeader, TapeEntry, cell_leaf};
use super::step::{Witness, step};

/// Everything needed to check one step from a committed state, and nothing more
/// (RF-4.1): the pre-state's header, and a witness for each array cell the step reads or
/// writes, each with its audit path against the header's root.
///
/// The proof is canonical: for a given pre-state exactly one proof is accepted, so any change
/// to an accepted proof's bytes is rejected.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct StepProof {
    /// The pre-state; its commitment must be the one the proof is checked against.
    pub state: StateHeader,
    /// The instruction at `ip`: present iff the machine is running and `ip < program_len`.
    pub instr: Option<InstrWitness>,
    /// The stack slot or memory cell the instruction reads or writes: present iff it gets as
    /// far as touching one (not when it traps first).
    pub cell: Option<CellWitness>,
    /// The host answer a `custom` call consumes: present iff the call reaches the host and
    /// the tape has an answer left.
    pub answer: Option<AnswerWitness>,
}

/// An instruction and its place in the program tree.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct InstrWitness {
    /// The instruction's encoding (`vm.md` §4, without the bytecode header).
    pub bytes: Vec<u8>,
    /// Its audit path: leaf `ip` of `program_len` under `program_root`.
    pub path: Vec<Hash32>,
}

/// The old value of a stack slot or memory cell and its audit path.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct CellWitness {
    /// The value before the step.
    pub value: i64,
    /// Its audit path under `stack_root` (of [`STACK_TREE_LEAVES`] leaves) or `memory_root`
    /// (of `memory_len` leaves).
    pub path: Vec<Hash32>,
}

/// A host answer and its audit path: leaf `host_calls` of `tape_len` under `tape_root`.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct AnswerWitness {
    /// The answer.
    pub answer: TapeEntry,
    /// Its audit path.
    pub path: Vec<Hash32>,
}

impl StepProof {
    /// The canonical encoding (Borsh, RF-4.2).
    pub fn encode(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    /// Decodes a proof, rejecting truncated input, invalid tags and trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<StepProof, ProofError> {
        encoding::decode(bytes).map_err(|e| ProofError::Decode(e.to_string()))
    }

    /// The length of the canonical encoding, in bytes.
    pub fn encoded_len(&self) -> u64 {
        self.encode().len() as u64
    }
}

/// Which item of a proof an error is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Item {
    /// The instruction at `ip`.
    Instr {
        /// Its index.
        ip: u64,
    },
    /// A stack slot.
    Stack {
        /// The slot, from the bottom.
        slot: u64,
    },
    /// A memory cell.
    Memory {
        /// The address.
        address: u64,
    },
    /// A host answer.
    Answer {
        /// Its index in the tape.
        index: u64,
    },
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Instr { ip } => write!(f, "instruction {ip}"),
            Item::Stack { slot } => write!(f, "stack slot {slot}"),
            Item::Memory { address } => write!(f, "memory cell {address}"),
            Item::Answer { index } => write!(f, "host answer {index}"),
        }
    }
}

/// The kinds of item a proof carries, for [`ProofError::UnusedWitness`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Slot {
    /// `instr`.
    Instr,
    /// `cell`.
    Cell,
    /// `answer`.
    Answer,
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Slot::Instr => "instr",
            Slot::Cell => "cell",
            Slot::Answer => "answer",
        })
    }
}

/// Why a step proof is rejected (RF-4.4). Each variant has a stable code for vectors.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ProofError {
    /// The bytes are not the canonical encoding of a proof.
    #[error("not a step proof: {0}")]
    Decode(String),
    /// The proof's header does not hash to the pre-state commitment.
    #[error("the proof's state hashes to {computed}, not to the pre-state commitment {expected}")]
    PreStateMismatch {
        /// The commitment the proof is checked against.
        expected: Hash32,
        /// What the proof's header hashes to.
        computed: Hash32,
    },
    /// The header is not a state any machine can be in.
    #[error(transparent)]
    InvalidState(#[from] InvalidState),
    /// The step needs an item the proof does not carry.
    #[error("the step needs {0}, which the proof does not carry")]
    MissingWitness(Item),
    /// The proof carries an item the step does not use.
    #[error("the proof's `{0}` is not used by this step")]
    UnusedWitness(Slot),
    /// An item's audit path does not lead to the header's root.
    #[error("{item}: {source}")]
    BadPath {
        /// The item.
        item: Item,
        /// What is wrong with its path.
        source: merkle::ProofError,
    },
    /// The instruction's bytes are in the program tree but do not decode.
    #[error("instruction {ip} does not decode: {source}")]
    BadInstruction {
        /// Its index.
        ip: u64,
        /// The decoder's error.
        source: DecodeError,
    },
    /// A push found a nonzero value in the free slot above the stack.
    #[error("stack slot {slot} above the stack holds {value}, not 0")]
    DirtyStackSlot {
        /// The slot.
        slot: u64,
        /// What it holds.
        value: i64,
    },
}

impl ProofError {
    /// The error's stable code in vectors (`refutation.md` RF-4.4).
    pub fn code(&self) -> &'static str {
        match self {
            ProofError::Decode(_) => "decode",
            ProofError::PreStateMismatch { .. } => "pre_state_mismatch",
            ProofError::InvalidState(_) => "invalid_state",
            ProofError::MissingWitness(_) => "missing_witness",
            ProofError::UnusedWitness(_) => "unused_witness",
            ProofError::BadPath { .. } => "bad_path",
            ProofError::BadInstruction { .. } => "bad_instruction",
            ProofError::DirtyStackSlot { .. } => "dirty_stack_slot",
        }
    }
}

/// Checks `proof` against the pre-state commitment `pre` and returns the commitment of the
/// state one step later (RF-4.3). Needs nothing but the proof: no program, memory or host.
pub fn verify_step(pre: &Hash32, proof: &StepProof) -> Result<Hash32, ProofError> {
    let computed = proof.state.commitment();
    if computed != *pre {
        return Err(ProofError::PreStateMismatch { expected: *pre, computed });
    }
    verify_header_step(proof).map(|post| post.commitment())
}

/// Like [`verify_step`] without the commitment check, returning the post-state header: for
/// tools that want to show what the step did.
pub fn verify_header_step(proof: &StepProof) -> Result<StateHeader, ProofError> {
    proof.state.validate()?;
    let mut state = proof.state;
    let mut checker = Checker { instr: proof.instr.as_ref(), cell: proof.cell.as_ref(), answer: proof.answer.as_ref() };
    step(&mut state, &mut checker)?;
    let unused = [
        (checker.instr.is_some(), Slot::Instr),
        (checker.cell.is_some(), Slot::Cell),
        (checker.answer.is_some(), Slot::Answer),
    ];
    if let Some((_, slot)) = unused.into_iter().find(|(left, _)| *left) {
        return Err(ProofError::UnusedWitness(slot));
    }
    Ok(state)
}

/// The verifier's witness: serves each item from the proof once, after checking its path.
struct Checker<'p> {
    instr: Option<&'p InstrWitness>,
    cell: Option<&'p CellWitness>,
    answer: Option<&'p AnswerWitness>,
}

/// Checks that `path` takes `leaf` at `index` of `size` to `root`.
fn check(item: Item, index: u64, size: u64, path: &[Hash32], leaf: &Hash32, root: &Hash32) -> Result<(), ProofError> {
    let computed = root_from_path(index, size, path, leaf).map_err(|source| ProofError::BadPath { item, source })?;
    if computed == *root {
        Ok(())
    } else {
        Err(ProofError::BadPath { item, source: merkle::ProofError::RootMismatch { computed, expected: *root } })
    }
}

impl Witness for Checker<'_> {
    fn instr(&mut self, s: &StateHeader) -> Result<Instr, ProofError> {
        let item = Item::Instr { ip: s.ip };
        let w = self.instr.take().ok_or(ProofError::MissingWitness(item))?;
        check(item, s.ip, s.program_len, &w.path, &leaf_hash(&w.bytes), &s.program_root)?;
        decode_instr(&w.bytes).map_err(|source| ProofError::BadInstruction { ip: s.ip, source })
    }

    fn stack(&mut self, s: &mut StateHeader, slot: u64, write: i64) -> Result<i64, ProofError> {
        let item = Item::Stack { slot };
        let w = self.cell.take().ok_or(ProofError::MissingWitness(item))?;
        check(item, slot, STACK_TREE_LEAVES, &w.path, &cell_leaf(w.value), &s.stack_root)?;
        s.stack_root = root_from_path(slot, STACK_TREE_LEAVES, &w.path, &cell_leaf(write))
            .map_err(|source| ProofError::BadPath { item, source })?;
        Ok(w.value)
    }

    fn memory(&mut self, s: &mut StateHeader, address: u64, write: Option<i64>) -> Result<i64, ProofError> {
        let item = Item::Memory { address };
        let w = self.cell.take().ok_or(ProofError::MissingWitness(item))?;
        check(item, address, s.memory_len, &w.path, &cell_leaf(w.value), &s.memory_root)?;
        if let Some(new) = write {
            s.memory_root = root_from_path(address, s.memory_len, &w.path, &cell_leaf(new))
                .map_err(|source| ProofError::BadPath { item, source })?;
        }
        Ok(w.value)
    }

    fn answer(&mut self, s: &StateHeader, index: u64) -> Result<TapeEntry, ProofError> {
        let item = Item::Answer { index };
        let w = self.answer.take().ok_or(ProofError::MissingWitness(item))?;
        check(item, index, s.tape_len, &w.path, &leaf_hash(&encoding::encode(&w.answer)), &s.tape_root)?;
        Ok(w.answer)
    }
}
