//! The reference answering refute cases (`docs/spec/vectors.md` §6): state commitments from
//! `vm::proof`, step proofs and their verifier, and the dissection game of
//! `rollup::dispute` played by `rollup::vm_dispute::VmTrace` players.

use std::cell::RefCell;
use std::sync::Arc;

use ::vm::Program;
use ::vm::proof::{Setup, Snapshot, StepProof, prove_step, verify_step};
use rollup::dispute::player::{ChoosesBlindly, Honest, LiesFrom, Pick, Player, Trace, play};
use rollup::dispute::{Game, GameConfig, Input, Output, Party, Reason, StepVerifier};
use rollup::vm_dispute::{VmTrace, VmVerifier};

use super::{RefusedRequest, host_answer};
use crate::case::refute::{
    BisectionConfig, BisectionPost, ChallengerSpec, ChooseMove, CommitmentConfig, CommitmentPost, DefenderSpec,
    DissectMove, Move, PartyCode, PickSpec, ProofErrorCode, ReasonCode, RefuteRequest, RefuteResult, RefuteResultOf,
    RefuteVector, StateSpec, StepMove, StepProofConfig, StepProofPost,
};
use crate::case::vm::VmConfig;
use crate::case::{HashHex, Hex, Uint};

/// The checkpoint interval of the reference's game players. It is not part of a case: it
/// changes how fast a party answers, never what it answers.
pub const CHECKPOINT_INTERVAL: u64 = 1024;

/// Each party's time budget in a game, in ticks (DG-7). The driver moves one tick per move,
/// so no party that moves runs out of time; only a silent party loses on time.
pub const CLOCK_TICKS: u64 = 1_000_000;

/// Runs a refute request.
pub fn run(request: &RefuteRequest) -> Result<RefuteResult, RefusedRequest> {
    if request.suite() != "refute" {
        return Err(RefusedRequest(format!("suite `{}` is not `refute`", request.suite())));
    }
    let refuse = |e: crate::case::CaseError| RefusedRequest(e.to_string());
    match request {
        RefuteRequest::Commitment(r) => {
            r.config.check().map_err(refuse)?;
            Ok(RefuteResult::Commitment(RefuteResultOf { post: commitment(&r.config)? }))
        }
        RefuteRequest::StepProof(r) => {
            r.config.check().map_err(refuse)?;
            Ok(RefuteResult::StepProof(RefuteResultOf { post: step_proof(&r.config)? }))
        }
        RefuteRequest::Bisection(r) => {
            r.config.check().map_err(refuse)?;
            Ok(RefuteResult::Bisection(RefuteResultOf { post: bisection(&r.config)? }))
        }
    }
}

/// Runs a (parsed, hence checked) refute vector's configuration.
pub fn run_vector(vector: &RefuteVector) -> Result<RefuteResult, RefusedRequest> {
    Ok(match vector {
        RefuteVector::Commitment(v) => RefuteResult::Commitment(RefuteResultOf { post: commitment(&v.config)? }),
        RefuteVector::StepProof(v) => RefuteResult::StepProof(RefuteResultOf { post: step_proof(&v.config)? }),
        RefuteVector::Bisection(v) => RefuteResult::Bisection(RefuteResultOf { post: bisection(&v.config)? }),
    })
}

/// The setup (program and host tape) and start state a VM configuration describes.
pub fn start_of(vm: &VmConfig) -> Result<(Setup, Snapshot), RefusedRequest> {
    let program = Program::decode(&vm.program.bytecode.0)
        .map_err(|e| RefusedRequest(format!("the program does not decode: {e}")))?;
    let answers: Vec<_> = vm.host.iter().map(host_answer).collect();
    let setup = Setup::new(program, &answers);
    let start = Snapshot::start(vm.initial_memory(), vm.gas_limit.0).map_err(|e| RefusedRequest(e.to_string()))?;
    Ok((setup, start))
}

/// The state after each step count of `at` (which strictly increases).
pub fn commitment(config: &CommitmentConfig) -> Result<CommitmentPost, RefusedRequest> {
    let (setup, mut snapshot) = start_of(&config.vm)?;
    let mut done = 0;
    let mut states = Vec::with_capacity(config.at.len());
    for &Uint(at) in &config.at {
        snapshot.run_steps(&setup, at.saturating_sub(done));
        done = done.max(at);
        states.push(StateSpec::of(at, &snapshot.header(&setup)));
    }
    Ok(CommitmentPost { states })
}

/// Proves a step, or verifies a proof.
pub fn step_proof(config: &StepProofConfig) -> Result<StepProofPost, RefusedRequest> {
    match config {
        StepProofConfig::Prove { vm, at } => {
            let (pre, post, proof) = prove(vm, at.0)?;
            Ok(StepProofPost::Proven { pre: HashHex(pre), post: HashHex(post), proof: Hex(proof.encode()) })
        }
        StepProofConfig::Verify { pre, proof, .. } => Ok(verify(&pre.0, &proof.0)),
    }
}

/// The commitments before and after step `at` of a run, and the proof of that step. The
/// proof is checked by the verifier before it is returned: a proof the verifier rejects, or
/// one that establishes another post-state, is a bug in orsma.
pub fn prove(vm: &VmConfig, at: u64) -> Result<(primitives::Hash32, primitives::Hash32, StepProof), RefusedRequest> {
    let (setup, mut snapshot) = start_of(vm)?;
    snapshot.run_steps(&setup, at);
    let pre = snapshot.commitment(&setup);
    let proof = prove_step(&setup, &snapshot);
    snapshot.run_steps(&setup, 1);
    let post = snapshot.commitment(&setup);
    match verify_step(&pre, &proof) {
        Ok(computed) if computed == post => Ok((pre, post, proof)),
        other => Err(RefusedRequest(format!(
            "internal error: the reference's proof of step {at} verifies as {other:?}, not as {post}"
        ))),
    }
}

/// What the verifier makes of `bytes` against `pre`.
pub fn verify(pre: &primitives::Hash32, bytes: &[u8]) -> StepProofPost {
    let verdict = StepProof::decode(bytes).and_then(|proof| verify_step(pre, &proof));
    match verdict {
        Ok(post) => StepProofPost::Accepted { post: HashHex(post) },
        Err(error) => StepProofPost::Rejected { code: ProofErrorCode::of(&error) },
    }
}

/// A player that records every move it makes that the game accepts, with what the game
/// awaited, as a transcript entry.
struct Recorder<'a, P> {
    inner: P,
    log: &'a RefCell<Vec<Result<Move, String>>>,
}

impl<P: Player<StepProof>> Player<StepProof> for Recorder<'_, P> {
    fn respond(&mut self, role: Party, now: u64, awaiting: &Output) -> Option<Input<StepProof>> {
        let response = self.inner.respond(role, now, awaiting);
        if let Some(input) = &response
            && let Some(entry) = entry(awaiting, input).transpose()
        {
            self.log.borrow_mut().push(entry);
        }
        response
    }
}

/// The transcript entry of `input`, made in answer to `awaiting`, or `None` for a one-step
/// proof the verifier rejects: the game rejects that move and leaves everything as it was
/// (DG-6), so it is not part of the transcript. (A blind challenger makes one when the
/// segment it chose starts at a commitment it cannot prove from.)
fn entry(awaiting: &Output, input: &Input<StepProof>) -> Result<Option<Move>, String> {
    match (awaiting, input) {
        (Output::AwaitDissection { lo, hi, at_steps, .. }, Input::Dissect { points, .. }) => {
            Ok(Some(Move::Dissect(DissectMove {
                lo: Uint(*lo),
                hi: Uint(*hi),
                at: at_steps.iter().copied().map(Uint).collect(),
                points: points.iter().copied().map(HashHex).collect(),
            })))
        }
        (Output::AwaitChoice { .. }, Input::Choose { segment, .. }) => {
            Ok(Some(Move::Choose(ChooseMove { segment: Uint(u64::from(*segment)) })))
        }
        (Output::AwaitStep { step, pre, post, .. }, Input::Step { proof, .. }) => {
            Ok(VmVerifier.verify(pre, proof).ok().map(|computed| {
                Move::Step(StepMove {
                    step: Uint(*step),
                    pre: HashHex(*pre),
                    post: HashHex(*post),
                    computed: HashHex(computed),
                })
            }))
        }
        (awaiting, input) => Err(format!("a player answered {awaiting:?} with a `{}` move", input.kind())),
    }
}

/// Plays the game a configuration describes, with the reference's players, and reports the
/// verdict and the transcript.
pub fn bisection(config: &BisectionConfig) -> Result<BisectionPost, RefusedRequest> {
    let (setup, start) = start_of(&config.vm)?;
    let setup = Arc::new(setup);
    let prestate = start.commitment(&setup);
    let trace = || VmTrace::new(Arc::clone(&setup), start.clone(), CHECKPOINT_INTERVAL);
    let game = &config.game;
    let (steps, degree) = (game.steps.0, game.degree.0);
    let log = RefCell::new(Vec::new());
    let (mut defender, claim): (Box<dyn Player<StepProof>>, primitives::Hash32) = match game.defender {
        DefenderSpec::Honest => {
            let mut t = trace();
            let claim = t.commitment_at(steps);
            (Box::new(Recorder { inner: Honest::new(t), log: &log }), claim)
        }
        DefenderSpec::LiesFrom(j) => {
            let mut t = LiesFrom::new(trace(), j.0);
            let claim = t.commitment(steps);
            (Box::new(Recorder { inner: Honest::new(t), log: &log }), claim)
        }
    };
    let mut challenger: Box<dyn Player<StepProof>> = match game.challenger {
        ChallengerSpec::Honest => Box::new(Recorder { inner: Honest::new(trace()), log: &log }),
        ChallengerSpec::Blind(pick) => {
            let pick = match pick {
                PickSpec::First => Pick::First,
                PickSpec::Last => Pick::Last,
                PickSpec::Seeded(seed) => Pick::Seeded(seed),
            };
            Box::new(Recorder { inner: ChoosesBlindly::new(trace(), pick), log: &log })
        }
    };
    let degree = u32::try_from(degree).map_err(|_| RefusedRequest(format!("degree {degree} is too large")))?;
    let game_config = GameConfig { degree, prestate, steps, claim, clock: CLOCK_TICKS, start: 0 };
    let (mut game, _) = Game::new(game_config, VmVerifier).map_err(|e| RefusedRequest(e.to_string()))?;
    let verdict =
        play(&mut game, &mut defender, &mut challenger).map_err(|e| RefusedRequest(format!("internal error: {e}")))?;
    drop((defender, challenger));
    let transcript: Vec<Move> = log
        .into_inner()
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|e| RefusedRequest(format!("internal error: {e}")))?;
    // Every move the reference's players make is accepted; a rejected one would make the
    // transcript lie about the game.
    if transcript.len() != game.stats().moves as usize {
        return Err(RefusedRequest(format!(
            "internal error: {} moves recorded but the game accepted {}",
            transcript.len(),
            game.stats().moves
        )));
    }
    let party = |p: Party| match p {
        Party::Defender => PartyCode::Defender,
        Party::Challenger => PartyCode::Challenger,
    };
    Ok(BisectionPost {
        prestate: HashHex(prestate),
        claim: HashHex(claim),
        winner: party(verdict.winner),
        reason: match verdict.reason {
            Reason::StepProven { .. } => ReasonCode::Proven,
            Reason::Timeout { .. } => ReasonCode::Timeout,
        },
        disputed_step: verdict.disputed_step.map(Uint),
        rounds: Uint(u64::from(verdict.rounds)),
        bytes: Uint(verdict.bytes),
        transcript,
    })
}

/// Whole-transition replay (`refutation.md` RF-6.1) of a game's claim: who wins when the
/// whole run is re-executed instead of played.
pub fn replay_winner(config: &BisectionConfig, claim: &primitives::Hash32) -> Result<PartyCode, RefusedRequest> {
    let (setup, start) = start_of(&config.vm)?;
    let prestate = start.commitment(&setup);
    let replay = rollup::vm_dispute::replay(&setup, &start, &prestate, config.game.steps.0, claim)
        .map_err(|e| RefusedRequest(e.to_string()))?;
    Ok(match replay.winner {
        Party::Defender => PartyCode::Defender,
        Party::Challenger => PartyCode::Challenger,
    })
}
