//! The dispute game over orsma VM traces (`docs/spec/refutation.md` §5–§6): the VM's step
//! verifier, a trace that replays from checkpoints, and whole-transition replay.
//!
//! A [`VmTrace`] is what a party computes, Cannon-style: it runs the fast interpreter without
//! hashing, keeps a snapshot every `interval` steps, and when the game asks for the commitment
//! at step `n` or the proof of step `n`, replays from the nearest checkpoint and hashes once.

use std::sync::Arc;

use primitives::Hash32;
use vm::proof::{ProofError, Setup, Snapshot, StepProof, prove_step, verify_step};

use crate::dispute::Party;
use crate::dispute::StepVerifier;
use crate::dispute::player::Trace;

/// The VM's one-step verifier for the game: [`vm::proof::verify_step`]. A proof's length is
/// its canonical encoding's.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct VmVerifier;

impl StepVerifier for VmVerifier {
    type Proof = StepProof;
    type Error = ProofError;

    fn verify(&self, pre: &Hash32, proof: &StepProof) -> Result<Hash32, ProofError> {
        verify_step(pre, proof)
    }

    fn proof_len(&self, proof: &StepProof) -> u64 {
        proof.encoded_len()
    }
}

/// The most snapshots a [`VmTrace`] keeps (see [`VmTrace::snapshot`]).
pub const MAX_CHECKPOINTS: usize = 256;

/// What a [`VmTrace`] has done so far.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct TraceStats {
    /// Steps interpreted, including those that built checkpoints.
    pub steps_run: u64,
    /// Commitments computed.
    pub commitments: u64,
    /// Proofs built.
    pub proofs: u64,
    /// Checkpoints taken (including those later dropped to stay within [`MAX_CHECKPOINTS`]).
    pub checkpoints: u64,
}

/// A VM execution trace: the state after every step `n` from a start state, computed on
/// demand from checkpoints. The state after the run ends is the final state, whatever `n`
/// (a step of an ended machine changes nothing).
#[derive(Clone, Debug)]
pub struct VmTrace {
    setup: Arc<Setup>,
    /// The start state: checkpoint 0.
    start: Snapshot,
    /// `later[i]` is the state after `(i + 1) · interval` steps.
    later: Vec<Snapshot>,
    interval: u64,
    /// The last state served and its step: queries that move forward by less than a
    /// checkpoint interval continue from it instead of from a checkpoint.
    cursor: Option<(u64, Snapshot)>,
    stats: TraceStats,
}

impl VmTrace {
    /// A trace of `setup` from `start`, keeping a snapshot every `interval` steps (at least 1).
    pub fn new(setup: Arc<Setup>, start: Snapshot, interval: u64) -> VmTrace {
        VmTrace {
            setup,
            start,
            later: Vec::new(),
            interval: interval.max(1),
            cursor: None,
            stats: TraceStats { checkpoints: 1, ..TraceStats::default() },
        }
    }

    /// The program and host answers.
    pub fn setup(&self) -> &Setup {
        &self.setup
    }

    /// What the trace has done so far.
    pub fn stats(&self) -> TraceStats {
        self.stats
    }

    /// How many snapshots the trace holds now (at most [`MAX_CHECKPOINTS`]), and the interval
    /// between them.
    pub fn checkpoints(&self) -> (usize, u64) {
        (1 + self.later.len(), self.interval)
    }

    /// The state after `step` steps.
    pub fn snapshot(&mut self, step: u64) -> Snapshot {
        let (base, mut snapshot) = match self.cursor.take() {
            Some((at, snapshot)) if at <= step && step - at < self.interval => (at, snapshot),
            _ => self.checkpoint_at_or_before(step),
        };
        self.stats.steps_run += advance(&self.setup, &mut snapshot, step - base);
        self.cursor = Some((step, snapshot.clone()));
        snapshot
    }

    /// The commitment of the state after `step` steps.
    pub fn commitment_at(&mut self, step: u64) -> Hash32 {
        let snapshot = self.snapshot(step);
        self.stats.commitments += 1;
        snapshot.commitment(&self.setup)
    }

    /// The proof of step `step → step + 1`.
    pub fn proof_at(&mut self, step: u64) -> StepProof {
        let snapshot = self.snapshot(step);
        self.stats.proofs += 1;
        prove_step(&self.setup, &snapshot)
    }

    /// The number of steps the run takes to end, or `None` if it has not ended within `limit` steps.
    pub fn length(&mut self, limit: u64) -> Option<u64> {
        let end = self.snapshot(limit);
        end.machine.outcome.map(|_| end.machine.steps)
    }

    /// The latest checkpoint at or before `step` and its step, adding checkpoints as far as needed.
    ///
    /// At most [`MAX_CHECKPOINTS`] are kept: when the list is full, every other one is dropped
    /// and the interval doubles, so memory stays bounded whatever the run's length and size,
    /// at the price of longer replays.
    fn checkpoint_at_or_before(&mut self, step: u64) -> (u64, Snapshot) {
        while (1 + self.later.len() as u64) <= step / self.interval {
            let last = self.later.last().unwrap_or(&self.start);
            if last.machine.outcome.is_some() {
                // An ended run stays as it is: its last checkpoint serves every later step.
                break;
            }
            let mut next = last.clone();
            self.stats.steps_run += advance(&self.setup, &mut next, self.interval);
            if 1 + self.later.len() >= MAX_CHECKPOINTS {
                // Keep the even-numbered checkpoints: the start and every other later one.
                self.later = std::mem::take(&mut self.later).into_iter().skip(1).step_by(2).collect();
                // `next` is at `MAX_CHECKPOINTS` old intervals, which is `MAX_CHECKPOINTS / 2`
                // new ones: exactly the next checkpoint of the thinned list.
                self.interval = self.interval.saturating_mul(2);
            }
            self.later.push(next);
            self.stats.checkpoints += 1;
        }
        let wanted = step / self.interval;
        let index = wanted.min(self.later.len() as u64);
        let snapshot = match usize::try_from(index).ok().and_then(|i| i.checked_sub(1)) {
            Some(i) => self.later.get(i).unwrap_or(&self.start),
            None => &self.start,
        };
        (index * self.interval, snapshot.clone())
    }
}

/// Runs `snapshot` `steps` steps further (fewer if it ends) and returns how many it took.
fn advance(setup: &Setup, snapshot: &mut Snapshot, steps: u64) -> u64 {
    let before = snapshot.machine.steps;
    if steps > 0 && snapshot.machine.outcome.is_none() {
        snapshot.run_steps(setup, steps);
    }
    snapshot.machine.steps - before
}

impl Trace for VmTrace {
    type Proof = StepProof;

    fn commitment(&mut self, step: u64) -> Hash32 {
        self.commitment_at(step)
    }

    fn proof(&mut self, step: u64) -> Option<StepProof> {
        Some(self.proof_at(step))
    }
}

/// The outcome of whole-transition replay (RF-6.1).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Replay {
    /// The defender if its claim is the commitment replay computes, else the challenger: the
    /// same winner an honest party obtains in the game.
    pub winner: Party,
    /// The commitment after `steps` steps.
    pub computed: Hash32,
    /// The steps actually interpreted (fewer than `steps` if the run ends first).
    pub steps_run: u64,
    /// The bytes the verifier needs: the pre-state header, the bytecode, the host answers
    /// (Borsh) and every memory cell (8 bytes each).
    pub bytes: u64,
}

/// Why replay could not judge a claim.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ReplayError {
    /// The full pre-state given does not have the agreed commitment.
    #[error("the given pre-state hashes to {computed}, not to the agreed prestate {expected}")]
    PrestateMismatch {
        /// The agreed prestate.
        expected: Hash32,
        /// What the given state hashes to.
        computed: Hash32,
    },
}

/// Judges the claim "after `steps` steps from `prestate`, the commitment is `claim`" by
/// running the whole transition from the full pre-state (`setup` and `start`), the
/// non-interactive alternative to the game (RF-6.1).
pub fn replay(
    setup: &Setup,
    start: &Snapshot,
    prestate: &Hash32,
    steps: u64,
    claim: &Hash32,
) -> Result<Replay, ReplayError> {
    let header = start.header(setup);
    let computed = header.commitment();
    if computed != *prestate {
        return Err(ReplayError::PrestateMismatch { expected: *prestate, computed });
    }
    let mut end = start.clone();
    let steps_run = advance(setup, &mut end, steps);
    let computed = end.commitment(setup);
    let winner = if computed == *claim { Party::Defender } else { Party::Challenger };
    let tape: u64 = setup.tape().iter().map(|t| primitives::encoding::encode(t).len() as u64).sum();
    let bytes = header.encode().len() as u64
        + setup.program().encode().len() as u64
        + tape
        + 8 * start.machine.memory.len() as u64;
    Ok(Replay { winner, computed, steps_run, bytes })
}
