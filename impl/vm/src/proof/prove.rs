//! The prover: builds the one proof a step needs from a full snapshot (RF-4.1).

use primitives::Hash32;
use primitives::merkle::root_from_path;

use crate::bytecode::encode_instr;
use crate::isa::Instr;

use super::state::{STACK_TREE_LEAVES, Setup, Snapshot, StateHeader, TapeEntry, cell_leaf};
use super::step::{Witness, step};
use super::verify::{AnswerWitness, CellWitness, InstrWitness, Item, ProofError, StepProof};

/// The proof of the step from `snapshot` to the next state.
///
/// Costs one pass over the memory and the stack (the same as computing the state's
/// commitment) plus one hash per tree level for the cell the step touches: the step is first
/// taken on a copy of the header to learn which cell that is, so its path comes out of the
/// same pass as the root.
pub fn prove_step(setup: &Setup, snapshot: &Snapshot) -> StepProof {
    // A first pass over the bare header finds the cell the step touches; the roots it sees
    // are placeholders, and nothing it reports is kept.
    let mut probe = Probe { touched: None };
    let mut scratch = snapshot.bare_header(setup);
    // The probe never fails: it serves every read from the snapshot itself.
    let _ = step(&mut scratch, &mut Serve { setup, snapshot, probe: &mut probe, paths: None, proof: None });
    let (stack_slot, memory_cell) = match probe.touched {
        Some(Item::Stack { slot }) => (Some(slot), None),
        Some(Item::Memory { address }) => (None, Some(address)),
        _ => (None, None),
    };
    let (header, stack_path, memory_path) = snapshot.header_with_paths(setup, stack_slot, memory_cell);
    let mut proof = StepProof { state: header, instr: None, cell: None, answer: None };
    let mut state = header;
    let paths = Paths { stack: stack_path.unwrap_or_default(), memory: memory_path.unwrap_or_default() };
    let mut serve = Serve { setup, snapshot, probe: &mut probe, paths: Some(&paths), proof: Some(&mut proof) };
    // With real roots and paths the witness is exactly what the verifier checks; an error
    // here would be a bug in this module, and leaves the proof incomplete, which the
    // verifier then rejects.
    let _ = step(&mut state, &mut serve);
    proof
}

struct Probe {
    touched: Option<Item>,
}

struct Paths {
    stack: Vec<Hash32>,
    memory: Vec<Hash32>,
}

/// Serves reads from the snapshot. Without `paths` it only notes what is touched; with them
/// it also records each item into `proof` and updates the header's roots as the verifier will.
struct Serve<'a> {
    setup: &'a Setup,
    snapshot: &'a Snapshot,
    probe: &'a mut Probe,
    paths: Option<&'a Paths>,
    proof: Option<&'a mut StepProof>,
}

impl Witness for Serve<'_> {
    fn instr(&mut self, s: &StateHeader) -> Result<Instr, ProofError> {
        let item = Item::Instr { ip: s.ip };
        let index = usize::try_from(s.ip).map_err(|_| ProofError::MissingWitness(item))?;
        let instr = *self.setup.program().instrs().get(index).ok_or(ProofError::MissingWitness(item))?;
        if let Some(proof) = self.proof.as_deref_mut() {
            let mut bytes = Vec::new();
            encode_instr(&instr, &mut bytes);
            let path = self.setup.program_tree().proof(s.ip).map(|p| p.path).unwrap_or_default();
            proof.instr = Some(InstrWitness { bytes, path });
        }
        Ok(instr)
    }

    fn stack(&mut self, s: &mut StateHeader, slot: u64, write: i64) -> Result<i64, ProofError> {
        let item = Item::Stack { slot };
        self.probe.touched = Some(item);
        let stack = &self.snapshot.machine.stack;
        let value = usize::try_from(slot).ok().and_then(|i| stack.get(i)).copied().unwrap_or(0);
        if let (Some(paths), Some(proof)) = (self.paths, self.proof.as_deref_mut()) {
            proof.cell = Some(CellWitness { value, path: paths.stack.clone() });
            s.stack_root = root_from_path(slot, STACK_TREE_LEAVES, &paths.stack, &cell_leaf(write))
                .map_err(|source| ProofError::BadPath { item, source })?;
        }
        Ok(value)
    }

    fn memory(&mut self, s: &mut StateHeader, address: u64, write: Option<i64>) -> Result<i64, ProofError> {
        let item = Item::Memory { address };
        self.probe.touched = Some(item);
        let memory = &self.snapshot.machine.memory;
        let value = usize::try_from(address).ok().and_then(|i| memory.get(i)).copied().unwrap_or(0);
        if let (Some(paths), Some(proof)) = (self.paths, self.proof.as_deref_mut()) {
            proof.cell = Some(CellWitness { value, path: paths.memory.clone() });
            if let Some(new) = write {
                s.memory_root = root_from_path(address, s.memory_len, &paths.memory, &cell_leaf(new))
                    .map_err(|source| ProofError::BadPath { item, source })?;
            }
        }
        Ok(value)
    }

    fn answer(&mut self, _s: &StateHeader, index: u64) -> Result<TapeEntry, ProofError> {
        let item = Item::Answer { index };
        let answer = usize::try_from(index)
            .ok()
            .and_then(|i| self.setup.tape().get(i))
            .copied()
            .ok_or(ProofError::MissingWitness(item))?;
        if let Some(proof) = self.proof.as_deref_mut() {
            let path = self.setup.tape_tree().proof(index).map(|p| p.path).unwrap_or_default();
            proof.answer = Some(AnswerWitness { answer, path });
        }
        Ok(answer)
    }
}
