//! Refutation support: a 32-byte commitment to the whole machine state, and one-step proofs
//! that a stateless verifier checks (`docs/spec/refutation.md`).
//!
//! The design follows Cannon, Optimism's fault-proof VM: the state is a fixed-layout header
//! ([`StateHeader`]) whose arrays (program, host answers, stack, memory) are Merkle trees, and
//! the commitment is the hash of the header. A [`StepProof`] carries the pre-state header and
//! a witness with an audit path for each cell the step reads or writes; [`verify_step`]
//! re-executes the step on those alone and returns the post-state commitment. The host's
//! answers form a committed tape, so a `custom` call's answer travels in the proof with its own
//! path, the way Cannon's preimage oracle serves data.
//!
//! Nothing here runs during plain execution. A prover runs the fast interpreter
//! ([`Snapshot::run_steps`]), keeps snapshots at checkpoints, and hashes only when a
//! commitment or a proof is asked for ([`Snapshot::commitment`], [`prove_step`]).
//!
//! ```
//! use vm::Program;
//! use vm::proof::{Setup, Snapshot, prove_step, verify_step};
//!
//! let program = Program::assemble("li r0, 7\npush r0\nhalt r0").unwrap();
//! let setup = Setup::new(program, &[]);
//! let mut snapshot = Snapshot::start(vec![0; 4], 100).unwrap();
//! snapshot.run_steps(&setup, 1);
//! let pre = snapshot.commitment(&setup);
//! let proof = prove_step(&setup, &snapshot);
//! snapshot.run_steps(&setup, 1);
//! assert_eq!(verify_step(&pre, &proof), Ok(snapshot.commitment(&setup)));
//! ```

mod prove;
mod state;
mod step;
mod verify;

pub use prove::prove_step;
pub use state::{
    HOST_LOG_DOMAIN, InvalidState, STACK_TREE_LEAVES, STATE_DOMAIN, STATUS_HALTED, STATUS_REVERTED, STATUS_RUNNING,
    STATUS_TRAPPED, Setup, Snapshot, StateHeader, TapeEntry, cell_leaf, host_log_next, trap_number,
};
pub use verify::{
    AnswerWitness, CellWitness, InstrWitness, Item, ProofError, Slot, StepProof, verify_header_step, verify_step,
};
