//! The consensus suite's generators: scripted situations from the Tendermint paper (each with
//! the paper's expected behaviour written down apart from the reference, [`script`]), seeded
//! random schedules of signed messages, timeouts and validation answers fed to one node,
//! CometBFT's proposer-selection tests and seeded rotations, and evidence valid and tampered
//! with at every check.
//!
//! Everything is drawn from `seed`; the same seed gives the same cases, byte for byte. The
//! expectations come from the reference (`crate::reference::consensus`); a scripted case whose
//! paper expectations the reference does not meet stops generation.

use std::collections::BTreeMap;

use consensus::{Keypair, value_id};
use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use super::gen_vm::rng;
use super::{Generated, refused};
use crate::case::consensus::{
    AddressHex, AddressPower, Bytes, ConsensusCase, ConsensusVector, Empty, EvidenceConfig, EvidenceSpec, Flag,
    InputSpec, OutputSpec, ProposalSpec, ProposeValueSpec, ProposerConfig, StepCode, StepPost, TendermintConfig,
    TendermintErrorCode, TimeoutKindCode, TimeoutSpec, TimeoutsSpec, ValidatedSpec, ValidationMode, ValidatorKey,
    VoteSpec, VoteTypeCode, default_value,
};
use crate::case::{Case, CaseError, HashHex, Hex, Provenance, Uint, Uint32};
use crate::reference::consensus as reference;

pub mod forge;
pub mod script;

use script::{
    KEY_SEED, OUTSIDER, Pat, Script, StateCheck, decide, locked, precommit, prevote, proposal, timeout, valid,
};

/// All consensus cases for `seed`, in generation order.
pub fn generate(seed: u64) -> Result<Vec<Case>, CaseError> {
    let mut g = Gen { seed, cases: Generated::default() };
    for scripted in scripts()? {
        g.scripted(scripted)?;
    }
    g.random_schedules()?;
    g.proposers()?;
    g.evidence()?;
    Ok(g.cases.cases)
}

/// How many seeded random schedules `generate` makes.
pub const RANDOM_SCHEDULES: u64 = 160;

/// An evidence tamper kind and the error it must get (`consensus.md` §6, whose checks run in
/// order, so a pair with two faults gets the earlier check's code). The harness tests derive
/// the verdict from the kind alone, apart from the reference.
pub const EVIDENCE_TAMPER_KINDS: &[(&str, &str)] = &[
    ("different_height", "different_slot"),
    ("different_round", "different_slot"),
    ("different_type", "different_slot"),
    ("different_signers", "different_signers"),
    ("same_message", "no_conflict"),
    ("swapped", "not_canonical"),
    ("outsider", "unknown_validator"),
    ("bad_signature_a", "bad_signature"),
    ("bad_signature_b", "bad_signature"),
    ("signatures_exchanged", "bad_signature"),
    ("different_round_and_bad_signature_a", "different_slot"),
    ("different_signers_and_outsider", "different_signers"),
    ("same_message_and_bad_signature_a", "no_conflict"),
    ("swapped_and_outsider", "not_canonical"),
    ("outsider_and_bad_signature_a", "unknown_validator"),
    ("non_canonical_s_a", "bad_signature"),
    ("non_canonical_s_b", "bad_signature"),
    ("small_order_r_a", "bad_signature"),
    ("small_order_r_b", "bad_signature"),
    ("small_order_key", "bad_signature"),
];

/// A scripted case: its name, what it checks, its tags, and the script (inputs and the paper's
/// expectations).
#[derive(Clone, Debug)]
pub struct Scripted {
    /// The case name.
    pub name: &'static str,
    /// One sentence.
    pub description: &'static str,
    /// Topic tags.
    pub tags: &'static [&'static str],
    /// The script.
    pub script: Script,
}

struct Gen {
    seed: u64,
    cases: Generated,
}

impl Gen {
    #[allow(clippy::too_many_arguments, reason = "a vector's manifest has this many parts")]
    fn push<C, P>(
        &mut self,
        handler: &str,
        name: &str,
        description: String,
        tags: &[&str],
        config: C,
        post: P,
        wrap: fn(ConsensusCase<C, P>) -> ConsensusVector,
    ) -> Result<(), CaseError> {
        let provenance = Provenance::generated(&format!("consensus/{handler}"), self.seed);
        self.cases.add(("consensus", handler, name), tags, |id, tags| {
            Case::Consensus(wrap(ConsensusCase::new(id, description, tags, provenance, config, post)))
        })
    }

    fn tendermint(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        config: TendermintConfig,
    ) -> Result<(), CaseError> {
        config.check()?;
        let post = reference::tendermint(&config).map_err(refused)?;
        let mode = match config.validation {
            ValidationMode::Callback => "callback",
            ValidationMode::Pipelined => "pipelined",
        };
        let tags: Vec<&str> = tags.iter().copied().chain([mode]).collect();
        self.push("tendermint", name, description, &tags, config, post, ConsensusVector::Tendermint)
    }

    /// A scripted case, after checking that the reference does what the paper says.
    fn scripted(&mut self, scripted: Scripted) -> Result<(), CaseError> {
        let config = scripted.script.config();
        config.check()?;
        let post = reference::tendermint(&config).map_err(refused)?;
        let state_at = |n: usize| reference::state_after(&config, n).map_err(|e| e.to_string());
        scripted.script.check(&config, &post, &state_at).map_err(|e| {
            CaseError::Invalid(format!(
                "consensus/tendermint/{}: the reference does not do what the paper says: {e}",
                scripted.name
            ))
        })?;
        let tags: Vec<&str> = scripted.tags.iter().copied().chain(["scripted"]).collect();
        self.tendermint(scripted.name, scripted.description.to_owned(), &tags, config)
    }
}

// ---------------------------------------------------------------------------------------------
// scripted situations

const A: &[u8] = b"A";
const B: &[u8] = b"B";
const C: &[u8] = b"C";
const D: &[u8] = b"D";
const E: &[u8] = b"E";

use TimeoutKindCode::{Precommit as TPRECOMMIT, Prevote as TPREVOTE, Propose as TPROPOSE};

fn four() -> Script {
    Script::new(KEY_SEED, &[1, 1, 1, 1])
}

/// Four validators of power 1; the node is the first that proposes in none of `rounds`.
fn four_not_proposing(rounds: &[u32]) -> Result<Script, CaseError> {
    let mut s = four();
    s.node_not_proposing(rounds, any)?;
    Ok(s)
}

fn any(_: &Script, _: usize) -> Result<bool, CaseError> {
    Ok(true)
}

/// Flips the last bit of a signature.
fn flip_signature(signature: &mut Bytes<64>) {
    if let Some(byte) = signature.0.last_mut() {
        *byte ^= 1;
    }
}

fn step(s: StepCode) -> StateCheck {
    StateCheck::Step(s)
}

/// The node (not the proposer of round 0) prevotes `A`, peers 1 and 2 complete the polka, and
/// it precommits and locks.
fn lock_on_a(s: &mut Script) -> Result<(), CaseError> {
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.prevotes(&[p1, p2], 1, 0, Some(A))?;
    s.expect(precommit(1, 0, Some(A)));
    s.expect_state(locked(A, 0));
    Ok(())
}

type Made = Result<Scripted, CaseError>;

fn made(name: &'static str, description: &'static str, tags: &'static [&'static str], script: Script) -> Made {
    Ok(Scripted { name, description, tags, script })
}

fn happy_path_as_proposer() -> Made {
    let mut s = four();
    s.node_proposing(0)?;
    s.app_value(1, 0, A);
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.expect(proposal(1, 0, A, None));
    s.expect(prevote(1, 0, Some(A)));
    s.expect_state(step(StepCode::Prevote));
    s.prevote(p1, 1, 0, Some(A))?;
    s.expect_not(Pat::AnyVote(Some(VoteTypeCode::Precommit)));
    s.prevote(p2, 1, 0, Some(A))?;
    s.expect(timeout(TPREVOTE, 1, 0, 1000));
    s.expect(precommit(1, 0, Some(A)));
    s.expect_state(locked(A, 0));
    s.expect_state(valid(A, 0));
    s.precommit(p1, 1, 0, Some(A))?;
    s.expect_not(Pat::AnyDecide);
    s.precommit(p2, 1, 0, Some(A))?;
    s.expect(decide(1, 0, A));
    s.expect_state(StateCheck::Height(2));
    s.expect_state(StateCheck::Round(0));
    s.expect_state(StateCheck::Locked(None));
    s.expect_state(StateCheck::Valid(None));
    made(
        "happy_path_as_proposer",
        "the proposer of round 0 proposes the application's value, prevotes it, precommits it on a polka and decides it on 2f+1 precommits, then starts height 2",
        &["happy_path"],
        s,
    )
}

fn happy_path_with_the_default_value() -> Made {
    let mut s = four();
    s.node_proposing(0)?;
    let v = default_value(1, 0);
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.expect(proposal(1, 0, &v, None));
    s.expect(prevote(1, 0, Some(&v)));
    s.prevotes(&[p1, p2], 1, 0, Some(&v))?;
    s.expect(precommit(1, 0, Some(&v)));
    s.precommits(&[p1, p2], 1, 0, Some(&v))?;
    s.expect(decide(1, 0, &v));
    made(
        "happy_path_with_the_default_value",
        "a proposer whose application lists no value proposes the 16 bytes u64 LE height ‖ u64 LE round and decides them",
        &["happy_path"],
        s,
    )
}

fn happy_path_as_non_proposer() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.expect(timeout(TPROPOSE, 1, 0, 3000));
    s.expect_not(Pat::AnyVote(None));
    s.expect_state(step(StepCode::Propose));
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    s.prevotes(&[p1, p2], 1, 0, Some(A))?;
    s.expect(precommit(1, 0, Some(A)));
    s.precommits(&[p1, p2], 1, 0, Some(A))?;
    s.expect(decide(1, 0, A));
    s.expect_state(StateCheck::Height(2));
    made(
        "happy_path_as_non_proposer",
        "a node that does not propose schedules timeoutPropose, prevotes the proposal, precommits on a polka and decides on 2f+1 precommits",
        &["happy_path"],
        s,
    )
}

fn lock_on_polka() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    s.prevote(p1, 1, 0, Some(A))?;
    s.expect_not(Pat::AnyVote(Some(VoteTypeCode::Precommit)));
    s.expect_state(StateCheck::Locked(None));
    s.prevote(p2, 1, 0, Some(A))?;
    s.expect(precommit(1, 0, Some(A)));
    s.expect_state(locked(A, 0));
    s.expect_state(valid(A, 0));
    s.expect_state(step(StepCode::Precommit));
    made(
        "lock_on_polka",
        "2f+1 prevotes for the proposal make the node lock on it (lockedValue, lockedRound, validValue, validRound) and precommit it (rule 36)",
        &["lock"],
        s,
    )
}

fn unlock_on_later_polka() -> Made {
    let mut s = four_not_proposing(&[0, 1, 2])?;
    lock_on_a(&mut s)?;
    let peers = s.peers();
    // Prevotes for B in round 1 from every peer: the second makes f+1 senders of round 1.
    let [q1, q2, q3] = peers.as_slice() else { return Err(CaseError::Invalid("four validators".into())) };
    s.prevote(*q1, 1, 1, Some(B))?;
    s.expect_nothing();
    s.prevote(*q2, 1, 1, Some(B))?;
    s.expect(timeout(TPROPOSE, 1, 1, 3500));
    s.expect_state(StateCheck::Round(1));
    s.prevote(*q3, 1, 1, Some(B))?;
    s.expect_not(Pat::AnyVote(None));
    // Round 2's proposer re-proposes B with validRound 1; one more sender of round 2 skips.
    let p2 = s.proposer(1, 2)?;
    s.proposer_proposes(1, 2, B, Some(1))?;
    s.expect_nothing();
    let others: Vec<usize> = peers.iter().copied().filter(|&p| p != p2).collect();
    let [x, y] = others.as_slice() else { return Err(CaseError::Invalid("two other peers".into())) };
    s.prevote(*x, 1, 2, Some(B))?;
    s.expect(timeout(TPROPOSE, 1, 2, 4000));
    s.expect(prevote(1, 2, Some(B)));
    s.expect_state(locked(A, 0));
    s.prevote(*y, 1, 2, Some(B))?;
    s.expect(precommit(1, 2, Some(B)));
    s.expect_state(locked(B, 2));
    s.expect_state(valid(B, 2));
    made(
        "unlock_on_later_polka",
        "a node locked on A in round 0 prevotes B in round 2 when B is proposed with validRound 1 and has a polka in round 1 (rule 28, lockedRound ≤ vr), then locks on B",
        &["lock", "unlock", "round_skip"],
        s,
    )
}

fn locked_node_refuses_another_value() -> Made {
    let mut s = four_not_proposing(&[0, 1])?;
    lock_on_a(&mut s)?;
    let p1 = s.proposer(1, 1)?;
    s.proposer_proposes(1, 1, B, None)?;
    s.expect_nothing();
    let other = s.peer_other_than(p1);
    s.prevote(other, 1, 1, None)?;
    s.expect(timeout(TPROPOSE, 1, 1, 3500));
    s.expect(prevote(1, 1, None));
    s.expect_not(prevote(1, 1, Some(B)));
    s.expect_state(locked(A, 0));
    made(
        "locked_node_refuses_another_value",
        "a node locked on A prevotes nil for a new proposal of B with validRound −1 in a later round (rule 22)",
        &["lock"],
        s,
    )
}

fn locked_node_prevotes_its_value_again() -> Made {
    let mut s = four_not_proposing(&[0, 1])?;
    lock_on_a(&mut s)?;
    let p1 = s.proposer(1, 1)?;
    s.proposer_proposes(1, 1, A, None)?;
    s.expect_nothing();
    let other = s.peer_other_than(p1);
    s.prevote(other, 1, 1, None)?;
    s.expect(prevote(1, 1, Some(A)));
    s.expect_state(locked(A, 0));
    made(
        "locked_node_prevotes_its_value_again",
        "a node locked on A prevotes A when A is proposed again with validRound −1 in a later round (rule 22, lockedValue = v)",
        &["lock"],
        s,
    )
}

fn repropose_valid_value() -> Made {
    let mut s = four();
    let p0 = s.proposer(1, 0)?;
    s.node_proposing(1)?;
    if s.node_index() == Some(p0) {
        return Err(CaseError::Invalid("rounds 0 and 1 have the same proposer".into()));
    }
    lock_on_a(&mut s)?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.precommits(&[p1, p2], 1, 0, None)?;
    s.expect(timeout(TPRECOMMIT, 1, 0, 1000));
    s.expect_not(Pat::AnyDecide);
    s.timeout(TPRECOMMIT, 1, 0);
    s.expect(proposal(1, 1, A, Some(0)));
    s.expect(prevote(1, 1, Some(A)));
    s.expect_state(StateCheck::Round(1));
    made(
        "repropose_valid_value",
        "the proposer of round 1, which saw a polka for A in round 0, proposes validValue A with validRound 0 and prevotes it (lines 14–15, rule 28)",
        &["lock", "valid_value", "timeout"],
        s,
    )
}

fn nil_prevote_on_timeout_propose() -> Made {
    let mut s = four_not_proposing(&[0])?;
    s.start();
    s.timeout(TPROPOSE, 1, 0);
    s.expect(prevote(1, 0, None));
    s.expect_state(step(StepCode::Prevote));
    s.proposer_proposes(1, 0, A, None)?;
    s.expect_not(Pat::AnyVote(None));
    made(
        "nil_prevote_on_timeout_propose",
        "timeoutPropose in step propose makes the node prevote nil (lines 57–60); a proposal arriving afterwards gets no second prevote",
        &["timeout"],
        s,
    )
}

fn nil_precommit_on_timeout_prevote() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    s.prevote(p1, 1, 0, None)?;
    s.prevote(p2, 1, 0, Some(B))?;
    s.expect(timeout(TPREVOTE, 1, 0, 1000));
    s.expect_not(Pat::AnyVote(Some(VoteTypeCode::Precommit)));
    s.timeout(TPREVOTE, 1, 0);
    s.expect(precommit(1, 0, None));
    s.expect_state(step(StepCode::Precommit));
    s.expect_state(StateCheck::Locked(None));
    made(
        "nil_precommit_on_timeout_prevote",
        "2f+1 prevotes for different values schedule timeoutPrevote (rule 34); when it expires in step prevote the node precommits nil (lines 61–64)",
        &["timeout"],
        s,
    )
}

fn precommit_nil_on_nil_polka() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.timeout(TPROPOSE, 1, 0);
    s.expect(prevote(1, 0, None));
    s.prevote(p1, 1, 0, None)?;
    s.expect_not(Pat::AnyVote(Some(VoteTypeCode::Precommit)));
    s.prevote(p2, 1, 0, None)?;
    s.expect(timeout(TPREVOTE, 1, 0, 1000));
    s.expect(precommit(1, 0, None));
    s.expect_state(step(StepCode::Precommit));
    made(
        "precommit_nil_on_nil_polka",
        "2f+1 nil prevotes in step prevote make the node precommit nil (rule 44)",
        &["nil"],
        s,
    )
}

fn round_skip_on_f_plus_one_senders() -> Made {
    let mut s = four_not_proposing(&[0, 3])?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.expect_accepted();
    s.prevote(p1, 1, 3, None)?;
    s.precommit(p1, 1, 3, None)?;
    s.expect_nothing();
    s.expect_state(StateCheck::Round(0));
    s.prevote(p2, 1, 3, None)?;
    s.expect(timeout(TPROPOSE, 1, 3, 4500));
    s.expect_state(StateCheck::Round(3));
    s.expect_state(step(StepCode::Propose));
    made(
        "round_skip_on_f_plus_one_senders",
        "messages of round 3 from f+1 validators make the node start round 3 (rule 55); messages from one validator (f) do not",
        &["round_skip"],
        s,
    )
}

fn no_round_skip_on_f_senders() -> Made {
    let mut s = four_not_proposing(&[0, 1])?;
    let p1 = s.proposer(1, 1)?;
    s.start();
    s.expect_accepted();
    s.propose(p1, 1, 1, A, None)?;
    s.prevote(p1, 1, 1, Some(A))?;
    s.precommit(p1, 1, 1, Some(A))?;
    s.prevote(p1, 1, 2, None)?;
    s.precommit(p1, 1, 5, None)?;
    s.expect_nothing();
    s.expect_state(StateCheck::Round(0));
    made(
        "no_round_skip_on_f_senders",
        "a proposal and votes of later rounds all from one validator of four (f, not f+1, senders) do not make the node skip (rule 55)",
        &["round_skip"],
        s,
    )
}

fn weighted_validator_skips_alone() -> Made {
    let mut s = Script::new(KEY_SEED, &[4, 2, 2, 2]);
    s.node_not_proposing(&[0, 2], |_, who| Ok(who != 0))?;
    let light = s.peers().into_iter().find(|&p| p != 0).unwrap_or(1);
    s.start();
    s.expect(timeout(TPROPOSE, 1, 0, 3000));
    s.prevote(light, 1, 5, None)?;
    s.expect_nothing();
    s.expect_state(StateCheck::Round(0));
    s.prevote(0, 1, 2, None)?;
    s.expect(timeout(TPROPOSE, 1, 2, 4000));
    s.expect_state(StateCheck::Round(2));
    made(
        "weighted_validator_skips_alone",
        "with powers 4, 2, 2, 2 one message of round 2 from the validator of power 4 (more than a third) makes the node skip to round 2; one from a validator of power 2 does not",
        &["round_skip", "weighted"],
        s,
    )
}

fn weighted_quorum_needs_two_thirds_of_power() -> Made {
    let mut s = Script::new(KEY_SEED, &[4, 2, 2, 2]);
    s.node_not_proposing(&[0], |_, who| Ok(who != 0))?;
    let node = s.node_index().unwrap_or(1);
    let lights: Vec<usize> = (1..4).filter(|&i| i != node).collect();
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    s.votes(&lights, VoteTypeCode::Prevote, 1, 0, Some(A))?;
    s.expect_not(Pat::AnyVote(Some(VoteTypeCode::Precommit)));
    s.expect_state(StateCheck::Locked(None));
    s.prevote(0, 1, 0, Some(A))?;
    s.expect(precommit(1, 0, Some(A)));
    s.expect_state(locked(A, 0));
    made(
        "weighted_quorum_needs_two_thirds_of_power",
        "with powers 4, 2, 2, 2 three validators of power 2 (6 of 10) are not a polka; the validator of power 4 completes it",
        &["weighted", "lock"],
        s,
    )
}

fn decide_in_a_past_round() -> Made {
    let mut s = four_not_proposing(&[0, 1])?;
    let peers = s.peers();
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.prevotes(&[p1, p2], 1, 1, None)?;
    s.expect(timeout(TPROPOSE, 1, 1, 3500));
    s.expect_state(StateCheck::Round(1));
    s.votes(&peers, VoteTypeCode::Precommit, 1, 0, Some(A))?;
    s.expect_not(Pat::AnyDecide);
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(decide(1, 0, A));
    s.expect_state(StateCheck::Height(2));
    made(
        "decide_in_a_past_round",
        "a node in round 1 decides A once it has round 0's proposal of A and 2f+1 precommits for it from round 0 (rule 49 holds for any round)",
        &["decide", "round_skip"],
        s,
    )
}

fn rule_36_in_step_precommit() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2, p3) = (s.peer(1)?, s.peer(2)?, s.peer(3)?);
    s.start();
    s.timeout(TPROPOSE, 1, 0);
    s.expect(prevote(1, 0, None));
    s.prevotes(&[p1, p2], 1, 0, Some(A))?;
    s.expect(timeout(TPREVOTE, 1, 0, 1000));
    s.timeout(TPREVOTE, 1, 0);
    s.expect(precommit(1, 0, None));
    s.proposer_proposes(1, 0, A, None)?;
    s.prevote(p3, 1, 0, Some(A))?;
    s.expect_nothing();
    s.expect_state(valid(A, 0));
    s.expect_state(StateCheck::Locked(None));
    s.expect_state(step(StepCode::Precommit));
    made(
        "rule_36_in_step_precommit",
        "a polka for the proposal completing after the node precommitted nil only sets validValue and validRound (rule 36 in step precommit): no lock, no second precommit",
        &["valid_value", "timeout"],
        s,
    )
}

fn invalid_proposal_prevote_nil() -> Made {
    let mut s = four_not_proposing(&[0])?;
    s.app_rejects(A);
    let peers = s.peers();
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, None));
    s.votes(&peers, VoteTypeCode::Prevote, 1, 0, Some(A))?;
    s.expect(timeout(TPREVOTE, 1, 0, 1000));
    s.expect_not(Pat::AnyVote(Some(VoteTypeCode::Precommit)));
    s.expect_state(StateCheck::Locked(None));
    s.expect_state(StateCheck::Valid(None));
    made(
        "invalid_proposal_prevote_nil",
        "a proposal the application finds invalid gets a nil prevote (rule 22), and a polka for it makes no lock (rule 36 needs valid(v))",
        &["validation"],
        s,
    )
}

fn pipelined_validation() -> Made {
    let mut s = four();
    s.validation = ValidationMode::Pipelined;
    s.node_not_proposing(&[0], any)?;
    let peers = s.peers();
    s.start();
    s.expect(timeout(TPROPOSE, 1, 0, 3000));
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(Pat::Validate(value_id(A)));
    s.expect_not(Pat::AnyVote(None));
    s.votes(&peers, VoteTypeCode::Prevote, 1, 0, Some(A))?;
    s.expect_nothing();
    s.validated(1, A, true);
    s.expect(prevote(1, 0, Some(A)));
    s.expect(timeout(TPREVOTE, 1, 0, 1000));
    s.expect(precommit(1, 0, Some(A)));
    s.expect_state(locked(A, 0));
    made(
        "pipelined_validation",
        "in pipelined mode the node asks to validate the proposal, keeps counting prevotes while the answer is pending, and prevotes and precommits once it arrives",
        &["pipelined"],
        s,
    )
}

fn pipelined_proposer() -> Made {
    let mut s = four();
    s.validation = ValidationMode::Pipelined;
    s.node_proposing(0)?;
    s.start();
    s.expect(Pat::GetValue { height: Some(1), round: 0 });
    s.expect_not(Pat::AnyProposal);
    s.propose_value(1, 0, A);
    s.expect(proposal(1, 0, A, None));
    s.expect(prevote(1, 0, Some(A)));
    s.expect_not(Pat::Validate(value_id(A)));
    made(
        "pipelined_proposer",
        "in pipelined mode the proposer asks for a value and proposes and prevotes the value the environment gives (its own value needs no validation)",
        &["pipelined"],
        s,
    )
}

fn pipelined_invalid_value() -> Made {
    let mut s = four();
    s.validation = ValidationMode::Pipelined;
    s.node_not_proposing(&[0], any)?;
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(Pat::Validate(value_id(A)));
    s.validated(1, A, false);
    s.expect(prevote(1, 0, None));
    made(
        "pipelined_invalid_value",
        "in pipelined mode a proposal answered invalid gets a nil prevote",
        &["pipelined", "validation"],
        s,
    )
}

fn pipelined_decision_waits_for_validation() -> Made {
    let mut s = four();
    s.validation = ValidationMode::Pipelined;
    s.node_not_proposing(&[0], any)?;
    let peers = s.peers();
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(Pat::Validate(value_id(A)));
    s.votes(&peers, VoteTypeCode::Precommit, 1, 0, Some(A))?;
    s.expect_not(Pat::AnyDecide);
    s.validated(1, A, true);
    s.expect(decide(1, 0, A));
    s.expect_state(StateCheck::Height(2));
    made(
        "pipelined_decision_waits_for_validation",
        "in pipelined mode 2f+1 precommits for a value whose validation is pending decide nothing until the value is answered valid (rule 49 needs valid(v))",
        &["pipelined", "decide"],
        s,
    )
}

fn equivocating_voter() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    let offender = s.address(p1)?;
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.prevote(p1, 1, 0, Some(A))?;
    s.expect_not(Pat::AnyEvidence);
    s.prevote(p1, 1, 0, Some(B))?;
    s.expect(Pat::Evidence { kind: "duplicate_vote", signer: offender });
    s.expect_not(Pat::AnyVote(None));
    s.prevote(p1, 1, 0, None)?;
    s.prevote(p1, 1, 0, Some(A))?;
    s.expect_nothing();
    s.prevote(p2, 1, 0, Some(A))?;
    s.expect(precommit(1, 0, Some(A)));
    made(
        "equivocating_voter",
        "a validator prevoting A then B is reported once with duplicate_vote evidence; its third vote brings no second report, a repeat of its first is ignored, and its vote for A still counts toward the polka",
        &["evidence"],
        s,
    )
}

fn equivocating_precommit() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let p1 = s.peer(1)?;
    let offender = s.address(p1)?;
    s.start();
    s.precommit(p1, 1, 0, Some(A))?;
    s.precommit(p1, 1, 0, None)?;
    s.expect(Pat::Evidence { kind: "duplicate_vote", signer: offender });
    made(
        "equivocating_precommit",
        "a validator precommitting A and nil in one round is reported with duplicate_vote evidence (nil counts as a value and sorts first)",
        &["evidence"],
        s,
    )
}

fn equivocating_proposer() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let p0 = s.proposer(1, 0)?;
    let offender = s.address(p0)?;
    s.start();
    s.propose(p0, 1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    s.propose(p0, 1, 0, B, None)?;
    s.expect(Pat::Evidence { kind: "duplicate_proposal", signer: offender });
    s.expect_not(Pat::AnyVote(None));
    s.propose(p0, 1, 0, C, None)?;
    s.propose(p0, 1, 0, A, None)?;
    s.expect_nothing();
    made(
        "equivocating_proposer",
        "a proposer proposing A then B in one round is reported once with duplicate_proposal evidence; the node prevotes only the first, and a third proposal or a repeat brings nothing",
        &["evidence"],
        s,
    )
}

fn equivocating_proposer_by_valid_round() -> Made {
    let mut s = four_not_proposing(&[0, 1])?;
    let p1 = s.proposer(1, 1)?;
    let offender = s.address(p1)?;
    s.start();
    s.expect_accepted();
    s.propose(p1, 1, 1, A, None)?;
    s.expect_nothing();
    s.propose(p1, 1, 1, A, Some(0))?;
    s.expect(Pat::Evidence { kind: "duplicate_proposal", signer: offender });
    made(
        "equivocating_proposer_by_valid_round",
        "two proposals of the same value for one round that differ only in validRound are equivocation (duplicate_proposal), even for a round the node has not reached",
        &["evidence"],
        s,
    )
}

/// A copy of `vote` whose signature is replaced by `forge(sign bytes)`.
fn vote_signed_with(vote: VoteSpec, forge: impl Fn(&[u8]) -> Option<[u8; 64]>) -> Result<VoteSpec, CaseError> {
    let bytes = vote.signed().message.payload().sign_bytes();
    let signature = forge(bytes.as_slice()).ok_or_else(|| CaseError::Invalid("no forged signature".into()))?;
    Ok(VoteSpec { signature: Bytes(signature), ..vote })
}

/// A copy of `proposal` whose signature is replaced by `forge(sign bytes)`.
fn proposal_signed_with(
    proposal: ProposalSpec,
    forge: impl Fn(&[u8]) -> Option<[u8; 64]>,
) -> Result<ProposalSpec, CaseError> {
    let bytes = proposal.signed().message.payload().sign_bytes();
    let signature = forge(bytes.as_slice()).ok_or_else(|| CaseError::Invalid("no forged signature".into()))?;
    Ok(ProposalSpec { signature: Bytes(signature), ..proposal })
}

fn rejected_malleated_signatures() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    let p0 = s.proposer(1, 0)?;
    s.start();
    // S + ℓ: the equation holds, S is not canonical (CON-2.4 check 2).
    let v = Script::signed_vote(s.key(p1)?, VoteTypeCode::Prevote, 1, 0, Some(value_id(A)));
    let v = vote_signed_with(v, |_| forge::non_canonical_s(&v.signature.0))?;
    s.push_rejected(InputSpec::Vote(v), TendermintErrorCode::BadSignature);
    // R the identity and S = k·a: the cofactorless equation holds, R has small order (check 4).
    let key2 = s.key(p2)?.clone();
    let v = Script::signed_vote(&key2, VoteTypeCode::Prevote, 1, 0, Some(value_id(A)));
    s.push_rejected(
        InputSpec::Vote(vote_signed_with(v, |m| Some(forge::small_order_r(&key2, m)))?),
        TendermintErrorCode::BadSignature,
    );
    let key0 = s.key(p0)?.clone();
    let p = Script::signed_proposal(&key0, 1, 0, A, None);
    let p = proposal_signed_with(p.clone(), |_| forge::non_canonical_s(&p.signature.0))?;
    s.push_rejected(InputSpec::Proposal(p), TendermintErrorCode::BadSignature);
    let p = Script::signed_proposal(&key0, 1, 0, A, None);
    s.push_rejected(
        InputSpec::Proposal(proposal_signed_with(p, |m| Some(forge::small_order_r(&key0, m)))?),
        TendermintErrorCode::BadSignature,
    );
    s.expect_state(step(StepCode::Propose));
    // Nothing of the forgeries was counted: the genuine proposal is prevoted, and the polka
    // needs both genuine prevotes.
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    s.expect_not(Pat::AnyVote(Some(VoteTypeCode::Precommit)));
    s.expect_not(Pat::AnyEvidence);
    s.prevote(p1, 1, 0, Some(A))?;
    s.expect_nothing();
    s.prevote(p2, 1, 0, Some(A))?;
    s.expect(precommit(1, 0, Some(A)));
    made(
        "rejected_malleated_signatures",
        "a prevote and a proposal whose signature has S + l for S (non-canonical), and a prevote and a proposal whose R is the identity with S = k*a (small order, yet the cofactorless equation holds), are rejected as bad_signature and counted nowhere: the genuine messages that follow are new",
        &["error", "signature"],
        s,
    )
}

fn rejected_small_order_keys() -> Made {
    let mut s = Script::new(KEY_SEED, &[10, 10, 10, 10]);
    let weak = s.add_raw_validator(forge::IDENTITY, 1);
    let weak_nc = s.add_raw_validator(forge::IDENTITY_NON_CANONICAL, 1);
    s.node_not_proposing(&[0], any)?;
    s.start();
    s.expect_accepted();
    // R = [S]B for a known S: [S]B − [k]·identity = R for every message, R of large order.
    let helper = Keypair::derive(KEY_SEED, OUTSIDER + 1);
    let helper2 = Keypair::derive(KEY_SEED, OUTSIDER + 2);
    let forged = |t: VoteTypeCode, signer: AddressHex, helper: &Keypair| VoteSpec {
        vote_type: t,
        height: Uint(1),
        round: Uint32(0),
        value: crate::case::consensus::MaybeId(None),
        signer,
        signature: Bytes(forge::by_identity_key(helper)),
    };
    s.push_rejected(InputSpec::Vote(forged(VoteTypeCode::Prevote, weak, &helper)), TendermintErrorCode::BadSignature);
    s.push_rejected(
        InputSpec::Vote(forged(VoteTypeCode::Precommit, weak, &helper2)),
        TendermintErrorCode::BadSignature,
    );
    s.push_rejected(
        InputSpec::Vote(forged(VoteTypeCode::Prevote, weak_nc, &helper)),
        TendermintErrorCode::BadSignature,
    );
    s.push_rejected(
        InputSpec::Vote(forged(VoteTypeCode::Precommit, weak_nc, &helper2)),
        TendermintErrorCode::BadSignature,
    );
    s.expect_state(step(StepCode::Propose));
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    s.expect_not(Pat::AnyEvidence);
    made(
        "rejected_small_order_keys",
        "two validators whose public keys decode to the identity (canonically, and as y = p + 1) are in the set, but their votes, whose R = [S]B satisfies the equation for a small-order key, are rejected as bad_signature",
        &["error", "signature"],
        s,
    )
}

fn fifth_vote_of_an_equivocator_is_not_counted() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2, p3) = (s.peer(1)?, s.peer(2)?, s.peer(3)?);
    let offender = s.address(p1)?;
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    // p1 prevotes B, C, nil, D (four distinct values: all counted), then A (a fifth: not).
    s.prevote(p1, 1, 0, Some(B))?;
    s.prevote(p1, 1, 0, Some(C))?;
    s.expect(Pat::Evidence { kind: "duplicate_vote", signer: offender });
    s.prevote(p1, 1, 0, None)?;
    s.prevote(p1, 1, 0, Some(D))?;
    s.prevotes(&[p1, p2], 1, 0, Some(A))?;
    // the node's and p2's prevotes for A are 2 of 4: no polka for A (p1's counts for B, C, nil
    // and D only), though 3 validators have prevoted (rule 34).
    s.expect_not(Pat::AnyVote(Some(VoteTypeCode::Precommit)));
    s.expect(timeout(TPREVOTE, 1, 0, 1000));
    s.prevote(p3, 1, 0, Some(A))?;
    s.expect(precommit(1, 0, Some(A)));
    // In the precommit slot p1's fourth distinct value (A) still counts: node, p1 and p2 decide.
    s.precommit(p1, 1, 0, Some(B))?;
    s.precommit(p1, 1, 0, Some(C))?;
    s.precommit(p1, 1, 0, None)?;
    s.precommit(p1, 1, 0, Some(A))?;
    s.expect_not(Pat::AnyDecide);
    s.precommit(p2, 1, 0, Some(A))?;
    s.expect(decide(1, 0, A));
    made(
        "fifth_vote_of_an_equivocator_is_not_counted",
        "an equivocating validator's votes count for at most 4 distinct values per slot: its fifth prevote (for A) does not complete a polka with two others, while its fourth precommit (for A) does complete the precommit quorum",
        &["evidence", "limit"],
        s,
    )
}

fn fifth_proposal_is_kept_only_when_justified() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let p0 = s.proposer(1, 0)?;
    let peers = s.peers();
    s.start();
    s.propose(p0, 1, 0, B, None)?;
    s.expect(prevote(1, 0, Some(B)));
    s.propose(p0, 1, 0, C, None)?;
    s.propose(p0, 1, 0, D, None)?;
    s.propose(p0, 1, 0, E, None)?;
    // a fifth proposal, with no quorum for its value: not kept
    s.propose(p0, 1, 0, A, None)?;
    s.expect_not(Pat::AnyVote(None));
    s.votes(&peers, VoteTypeCode::Precommit, 1, 0, Some(A))?;
    // 3 of 4 precommit A, but no kept proposal of A: no decision (rule 47's timeout only)
    s.expect_not(Pat::AnyDecide);
    s.expect(timeout(TPRECOMMIT, 1, 0, 1000));
    // the same fifth proposal again: now justified by the precommit quorum, kept, and rule 49
    s.propose(p0, 1, 0, A, None)?;
    s.expect(decide(1, 0, A));
    made(
        "fifth_proposal_is_kept_only_when_justified",
        "an equivocating proposer's proposals are kept up to 4 per round; a fifth (A) is dropped while A has no quorum, so 2f+1 precommits for A decide nothing, and the same proposal delivered again once they have arrived is justified, kept, and decides A",
        &["evidence", "limit"],
        s,
    )
}

fn pipelined_rule_22_takes_the_first_proposal_known_valid() -> Made {
    let mut s = four();
    s.validation = ValidationMode::Pipelined;
    s.node_not_proposing(&[0], any)?;
    let p0 = s.proposer(1, 0)?;
    s.start();
    s.propose(p0, 1, 0, A, None)?;
    s.propose(p0, 1, 0, B, None)?;
    s.expect(Pat::Validate(value_id(A)));
    s.expect(Pat::Validate(value_id(B)));
    s.expect_not(Pat::AnyVote(None));
    // B's answer comes first: rule 22 takes the first kept proposal whose validity is known (B),
    // without waiting for A's.
    s.validated(1, B, true);
    s.expect(prevote(1, 0, Some(B)));
    s.validated(1, A, true);
    s.expect_not(Pat::AnyVote(None));
    s.expect_state(step(StepCode::Prevote));
    made(
        "pipelined_rule_22_takes_the_first_proposal_known_valid",
        "an equivocating proposer proposes A then B; validated out of order, B is known valid first and the node prevotes B at once (rule 22 uses the first kept proposal whose validity is known), and A's later answer changes nothing",
        &["pipelined", "evidence"],
        s,
    )
}

fn pipelined_rule_22_prevotes_nil_on_the_first_known_invalid() -> Made {
    let mut s = four();
    s.validation = ValidationMode::Pipelined;
    s.node_not_proposing(&[0], any)?;
    let p0 = s.proposer(1, 0)?;
    s.start();
    s.propose(p0, 1, 0, A, None)?;
    s.propose(p0, 1, 0, B, None)?;
    s.expect_not(Pat::AnyVote(None));
    s.validated(1, B, false);
    s.expect(prevote(1, 0, None));
    s.validated(1, A, true);
    s.expect_not(Pat::AnyVote(None));
    made(
        "pipelined_rule_22_prevotes_nil_on_the_first_known_invalid",
        "an equivocating proposer proposes A then B; B is answered invalid while A is pending, and the node prevotes nil at once (rule 22 with the first kept proposal whose validity is known); A's later valid answer brings no second prevote",
        &["pipelined", "evidence"],
        s,
    )
}

fn own_votes_count_before_broadcast() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.prevotes(&[p1, p2], 1, 0, Some(A))?;
    s.precommits(&[p1, p2], 1, 0, Some(A))?;
    s.expect_not(Pat::AnyVote(None));
    s.expect_not(Pat::AnyDecide);
    // One input: the node's own prevote completes the polka (rule 36), and its own precommit
    // the commit quorum (rule 49), without either being echoed back.
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    s.expect(precommit(1, 0, Some(A)));
    s.expect(decide(1, 0, A));
    s.expect_state(StateCheck::Height(2));
    made(
        "own_votes_count_before_broadcast",
        "with two peers' prevotes and precommits for A already counted, the proposal of A makes the node prevote, precommit and decide in one input: it counts its own votes as it sends them",
        &["own_messages"],
        s,
    )
}

fn duplicates_are_ignored() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.expect_accepted();
    s.start();
    s.expect_nothing();
    let p = s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    s.push(InputSpec::Proposal(p));
    let v = s.vote(p1, VoteTypeCode::Prevote, 1, 0, Some(A))?;
    s.push(InputSpec::Vote(v));
    let own = Script::signed_vote(s.node_key(), VoteTypeCode::Prevote, 1, 0, Some(value_id(A)));
    s.push(InputSpec::Vote(own));
    s.expect_nothing();
    s.expect_state(StateCheck::Locked(None));
    s.prevote(p2, 1, 0, Some(A))?;
    s.expect(precommit(1, 0, Some(A)));
    made(
        "duplicates_are_ignored",
        "a second start, a repeated proposal, a repeated prevote and the node's own prevote echoed back change nothing and count once",
        &["duplicate"],
        s,
    )
}

fn rejected_bad_signature() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let p1 = s.peer(1)?;
    let p0 = s.proposer(1, 0)?;
    s.start();
    let mut vote = Script::signed_vote(s.key(p1)?, VoteTypeCode::Prevote, 1, 0, None);
    flip_signature(&mut vote.signature);
    s.push_rejected(InputSpec::Vote(vote), TendermintErrorCode::BadSignature);
    let mut forged = Script::signed_proposal(s.key(p0)?, 1, 0, A, None);
    flip_signature(&mut forged.signature);
    s.push_rejected(InputSpec::Proposal(forged), TendermintErrorCode::BadSignature);
    s.expect_state(step(StepCode::Propose));
    s.proposer_proposes(1, 0, B, None)?;
    s.expect(prevote(1, 0, Some(B)));
    s.expect_not(Pat::AnyEvidence);
    made(
        "rejected_bad_signature",
        "a vote and a proposal whose signatures do not verify are rejected as bad_signature and change nothing: the genuine proposal that follows is prevoted without evidence",
        &["error"],
        s,
    )
}

fn rejected_unknown_validator() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let outsider = Keypair::derive(KEY_SEED, OUTSIDER);
    s.start();
    s.push_rejected(
        InputSpec::Vote(Script::signed_vote(&outsider, VoteTypeCode::Prevote, 1, 0, None)),
        TendermintErrorCode::UnknownValidator,
    );
    s.push_rejected(
        InputSpec::Proposal(Script::signed_proposal(&outsider, 1, 0, A, None)),
        TendermintErrorCode::UnknownValidator,
    );
    made(
        "rejected_unknown_validator",
        "a vote and a proposal signed by a key outside the validator set are rejected as unknown_validator",
        &["error"],
        s,
    )
}

fn rejected_not_proposer() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let p0 = s.proposer(1, 0)?;
    let impostor = s.peer_other_than(p0);
    s.start();
    s.propose(impostor, 1, 0, B, None)?;
    s.expect_error(TendermintErrorCode::NotProposer);
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    made(
        "rejected_not_proposer",
        "a proposal signed by a validator that is not the round's proposer is rejected as not_proposer; the proposer's proposal is prevoted",
        &["error"],
        s,
    )
}

fn rejected_past_height() -> Made {
    let mut s = four();
    s.height = 5;
    s.node_not_proposing(&[0], any)?;
    let p1 = s.peer(1)?;
    s.start();
    s.expect(timeout(TPROPOSE, 5, 0, 3000));
    s.prevote(p1, 4, 0, None)?;
    s.expect_error(TendermintErrorCode::PastHeight);
    s.push_rejected(
        InputSpec::Proposal(Script::signed_proposal(s.key(p1)?, 1, 0, A, None)),
        TendermintErrorCode::PastHeight,
    );
    made(
        "rejected_past_height",
        "a node started at height 5 rejects messages of heights 4 and 1 as past_height",
        &["error", "height"],
        s,
    )
}

fn rejected_after_decision() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2, p3) = (s.peer(1)?, s.peer(2)?, s.peer(3)?);
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.prevotes(&[p1, p2], 1, 0, Some(A))?;
    s.precommits(&[p1, p2], 1, 0, Some(A))?;
    s.expect(decide(1, 0, A));
    s.precommit(p3, 1, 0, Some(A))?;
    s.expect_error(TendermintErrorCode::PastHeight);
    made(
        "rejected_after_decision",
        "a late precommit for the height just decided is rejected as past_height",
        &["error", "height"],
        s,
    )
}

fn rejected_future_height() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let p1 = s.peer(1)?;
    s.start();
    s.prevote(p1, 3, 0, None)?;
    s.expect_error(TendermintErrorCode::FutureHeight);
    s.push_rejected(
        InputSpec::Proposal(Script::signed_proposal(s.key(p1)?, 3, 0, A, None)),
        TendermintErrorCode::FutureHeight,
    );
    made(
        "rejected_future_height",
        "messages two heights ahead are rejected as future_height (only the next height is buffered)",
        &["error", "height"],
        s,
    )
}

fn rejected_bad_valid_round() -> Made {
    let mut s = four_not_proposing(&[0, 2])?;
    let (p0, p2) = (s.proposer(1, 0)?, s.proposer(1, 2)?);
    s.start();
    s.propose(p0, 1, 0, A, Some(0))?;
    s.expect_error(TendermintErrorCode::BadValidRound);
    s.propose(p2, 1, 2, A, Some(5))?;
    s.expect_error(TendermintErrorCode::BadValidRound);
    s.expect_state(StateCheck::Round(0));
    made(
        "rejected_bad_valid_round",
        "a proposal whose validRound is not below its round (0 in round 0, 5 in round 2) is rejected as bad_valid_round",
        &["error"],
        s,
    )
}

fn rejected_round_too_far_ahead() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let p1 = s.peer(1)?;
    s.start();
    s.prevote(p1, 1, 1001, None)?;
    s.expect_error(TendermintErrorCode::RoundTooFarAhead);
    s.prevote(p1, 1, 1000, None)?;
    s.expect_nothing();
    s.expect_state(StateCheck::Round(0));
    made(
        "rejected_round_too_far_ahead",
        "a vote for round 1001 while in round 0 is rejected as round_too_far_ahead; round 1000 is accepted",
        &["error"],
        s,
    )
}

fn error_check_order() -> Made {
    let mut s = four();
    s.height = 2;
    s.node_not_proposing(&[0], any)?;
    let outsider = Keypair::derive(KEY_SEED, OUTSIDER);
    let p1 = s.peer(1)?;
    let key = s.key(p1)?.clone();
    let not_proposer_1001 = s.peers().into_iter().find(|&p| s.proposer(2, 1001).ok() != Some(p)).unwrap_or(p1);
    let p0 = s.proposer(2, 0)?;
    let not_proposer_0 = s.peers().into_iter().find(|&p| p != p0).unwrap_or(p1);
    s.start();
    // past_height before unknown_validator.
    s.push_rejected(
        InputSpec::Vote(Script::signed_vote(&outsider, VoteTypeCode::Prevote, 1, 0, None)),
        TendermintErrorCode::PastHeight,
    );
    // unknown_validator before bad_valid_round.
    s.push_rejected(
        InputSpec::Proposal(Script::signed_proposal(&outsider, 2, 0, A, Some(0))),
        TendermintErrorCode::UnknownValidator,
    );
    // bad_valid_round before future_height.
    s.push_rejected(
        InputSpec::Proposal(Script::signed_proposal(&key, 4, 1, A, Some(3))),
        TendermintErrorCode::BadValidRound,
    );
    // future_height before bad_signature.
    let mut far = Script::signed_vote(&key, VoteTypeCode::Prevote, 4, 0, None);
    flip_signature(&mut far.signature);
    s.push_rejected(InputSpec::Vote(far), TendermintErrorCode::FutureHeight);
    // The next height's messages have their signatures checked when they are buffered.
    let mut next = Script::signed_vote(&key, VoteTypeCode::Prevote, 3, 0, None);
    flip_signature(&mut next.signature);
    s.push_rejected(InputSpec::Vote(next), TendermintErrorCode::BadSignature);
    // round_too_far_ahead before not_proposer.
    s.push_rejected(
        InputSpec::Proposal(Script::signed_proposal(s.key(not_proposer_1001)?, 2, 1001, A, None)),
        TendermintErrorCode::RoundTooFarAhead,
    );
    // not_proposer before bad_signature.
    let mut impostor = Script::signed_proposal(s.key(not_proposer_0)?, 2, 0, A, None);
    flip_signature(&mut impostor.signature);
    s.push_rejected(InputSpec::Proposal(impostor), TendermintErrorCode::NotProposer);
    made(
        "error_check_order",
        "inputs with two faults each get the earlier check's code: past_height, unknown_validator, bad_valid_round, future_height, bad_signature (next height), round_too_far_ahead, not_proposer, bad_signature",
        &["error"],
        s,
    )
}

fn next_height_buffering() -> Made {
    let mut s = four();
    let q = s.proposer(2, 0)?;
    s.node_not_proposing(&[0], |s, who| Ok(s.proposer(2, 0)? != who))?;
    let peers = s.peers();
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    let a2: &[u8] = b"A2";
    s.start();
    s.expect_accepted();
    s.propose(q, 2, 0, a2, None)?;
    s.prevotes(&[p1, p2], 2, 0, Some(a2))?;
    s.expect_nothing();
    s.expect_state(StateCheck::Height(1));
    s.proposer_proposes(1, 0, A, None)?;
    s.votes(&peers[..2], VoteTypeCode::Prevote, 1, 0, Some(A))?;
    s.expect(precommit(1, 0, Some(A)));
    s.votes(&peers[..2], VoteTypeCode::Precommit, 1, 0, Some(A))?;
    s.expect(decide(1, 0, A));
    s.expect_not(Pat::AnyVote(None));
    s.expect_state(StateCheck::Height(2));
    // The decision ends its input; the buffered proposal and prevotes count from the next one.
    let p3 = s.peer(3)?;
    s.prevote(p3, 2, 0, Some(a2))?;
    s.expect(prevote(2, 0, Some(a2)));
    s.expect(precommit(2, 0, Some(a2)));
    s.expect_state(locked(a2, 0));
    made(
        "next_height_buffering",
        "a proposal and prevotes for height 2 arriving during height 1 are buffered and counted when the node decides height 1: at the next input it prevotes the buffered proposal and, with the buffered prevotes, precommits it",
        &["height", "buffer"],
        s,
    )
}

fn next_height_buffer_is_bounded() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let p1 = s.peer(1)?;
    s.start();
    s.expect_accepted();
    for round in 0..4 {
        s.prevote(p1, 2, round, None)?;
        s.precommit(p1, 2, round, None)?;
    }
    s.expect_nothing();
    s.prevote(p1, 2, 4, None)?;
    s.expect_error(TendermintErrorCode::FutureHeight);
    made(
        "next_height_buffer_is_bounded",
        "the node buffers at most 8 messages per validator for the next height; the 9th is rejected as future_height",
        &["height", "buffer", "error"],
        s,
    )
}

fn stale_timeouts_are_ignored() -> Made {
    let mut s = four_not_proposing(&[0])?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.expect(prevote(1, 0, Some(A)));
    s.timeout(TPROPOSE, 1, 0);
    s.expect_nothing();
    s.prevote(p1, 1, 0, None)?;
    s.prevote(p2, 1, 0, Some(B))?;
    s.expect(timeout(TPREVOTE, 1, 0, 1000));
    s.timeout(TPREVOTE, 1, 0);
    s.expect(precommit(1, 0, None));
    s.timeout(TPREVOTE, 1, 0);
    s.expect_nothing();
    s.precommits(&[p1, p2], 1, 0, None)?;
    s.expect(timeout(TPRECOMMIT, 1, 0, 1000));
    s.timeout(TPRECOMMIT, 1, 0);
    s.expect_state(StateCheck::Round(1));
    s.timeout(TPRECOMMIT, 1, 0);
    s.timeout(TPROPOSE, 1, 0);
    s.timeout(TPREVOTE, 1, 0);
    s.expect_nothing();
    s.expect_state(StateCheck::Round(1));
    made(
        "stale_timeouts_are_ignored",
        "timeouts that no longer match the node's height, round and step (propose after prevoting, prevote after precommitting, any of a finished round) change nothing",
        &["timeout"],
        s,
    )
}

fn growing_timeouts() -> Made {
    let mut s = four();
    s.timeouts = TimeoutsSpec {
        propose_ms: Uint(100),
        propose_delta_ms: Uint(10),
        prevote_ms: Uint(200),
        prevote_delta_ms: Uint(20),
        precommit_ms: Uint(300),
        precommit_delta_ms: Uint(30),
    };
    s.node_not_proposing(&[0, 1, 2], any)?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    let node = s.node_index();
    s.start();
    s.expect(timeout(TPROPOSE, 1, 0, 100));
    for r in 0..3u32 {
        let d = u64::from(r);
        s.timeout(TPROPOSE, 1, r);
        s.expect(prevote(1, r, None));
        s.prevotes(&[p1, p2], 1, r, None)?;
        s.expect(timeout(TPREVOTE, 1, r, 200 + 20 * d));
        s.expect(precommit(1, r, None));
        s.precommits(&[p1, p2], 1, r, None)?;
        s.expect(timeout(TPRECOMMIT, 1, r, 300 + 30 * d));
        s.timeout(TPRECOMMIT, 1, r);
        if Some(s.proposer(1, r + 1)?) == node {
            s.expect(proposal(1, r + 1, &default_value(1, r + 1), None));
        } else {
            s.expect(timeout(TPROPOSE, 1, r + 1, 100 + 10 * (d + 1)));
        }
    }
    let far = (5..64).find(|&r| s.proposer(1, r).ok() != node).unwrap_or(5);
    s.prevotes(&[p1, p2], 1, far, None)?;
    s.expect(timeout(TPROPOSE, 1, far, 100 + 10 * u64::from(far)));
    made(
        "growing_timeouts",
        "timeouts grow by their delta each round (timeoutX(r) = X + r·X_delta) through rounds of nil votes and a skip to a later round",
        &["timeout", "round_skip"],
        s,
    )
}

fn precommit_timeout_in_step_propose() -> Made {
    let mut s = four_not_proposing(&[0, 1])?;
    let peers = s.peers();
    s.start();
    s.votes(&peers, VoteTypeCode::Precommit, 1, 0, None)?;
    s.expect(timeout(TPRECOMMIT, 1, 0, 1000));
    s.expect_not(Pat::AnyVote(None));
    s.timeout(TPRECOMMIT, 1, 0);
    s.expect(timeout(TPROPOSE, 1, 1, 3500));
    s.expect_state(StateCheck::Round(1));
    s.expect_state(step(StepCode::Propose));
    made(
        "precommit_timeout_in_step_propose",
        "2f+1 precommits of the node's round schedule timeoutPrecommit in any step (rule 47), and its expiry starts the next round (lines 65–67)",
        &["timeout"],
        s,
    )
}

fn rule_28_waits_for_the_polka() -> Made {
    let mut s = four_not_proposing(&[0, 1])?;
    let p1 = s.proposer(1, 1)?;
    let peers = s.peers();
    let other = peers.iter().copied().find(|&p| p != p1).unwrap_or(p1);
    s.start();
    s.proposer_proposes(1, 1, A, Some(0))?;
    s.prevote(other, 1, 1, None)?;
    s.expect(timeout(TPROPOSE, 1, 1, 3500));
    s.expect_not(Pat::AnyVote(None));
    s.votes(&peers, VoteTypeCode::Prevote, 1, 0, Some(A))?;
    s.expect(prevote(1, 1, Some(A)));
    made(
        "rule_28_waits_for_the_polka",
        "a proposal with validRound 0 is prevoted only once the polka for it in round 0 has arrived (rule 28)",
        &["valid_value", "round_skip"],
        s,
    )
}

fn observer_decides_without_voting() -> Made {
    let mut s = four();
    s.set_observer(Keypair::derive(KEY_SEED, OUTSIDER));
    let p0 = s.proposer(1, 0)?;
    let voters: Vec<usize> = (0..4).filter(|&i| i != p0).collect();
    s.start();
    s.expect(timeout(TPROPOSE, 1, 0, 3000));
    s.propose(p0, 1, 0, A, None)?;
    s.votes(&voters, VoteTypeCode::Prevote, 1, 0, Some(A))?;
    s.votes(&voters, VoteTypeCode::Precommit, 1, 0, Some(A))?;
    s.expect(decide(1, 0, A));
    s.expect_not(Pat::AnyVote(None));
    s.expect_not(Pat::AnyProposal);
    made(
        "observer_decides_without_voting",
        "a node whose key is not in the validator set counts messages and decides but never signs",
        &["observer", "decide"],
        s,
    )
}

fn start_at_a_later_height() -> Made {
    let mut s = four();
    s.height = 7;
    s.node_not_proposing(&[0], any)?;
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.expect(timeout(TPROPOSE, 7, 0, 3000));
    s.proposer_proposes(7, 0, A, None)?;
    s.expect(prevote(7, 0, Some(A)));
    s.prevotes(&[p1, p2], 7, 0, Some(A))?;
    s.precommits(&[p1, p2], 7, 0, Some(A))?;
    s.expect(decide(7, 0, A));
    s.expect_state(StateCheck::Height(8));
    made(
        "start_at_a_later_height",
        "a node started at height 7 runs height 7 and moves to height 8",
        &["height", "happy_path"],
        s,
    )
}

fn proposer_of_the_next_height() -> Made {
    let mut s = four();
    let next = s.proposer(2, 0)?;
    if s.proposer(1, 0)? == next {
        return Err(CaseError::Invalid("heights 1 and 2 have the same first proposer".into()));
    }
    s.set_node(next)?;
    s.app_value(2, 0, B);
    let (p1, p2) = (s.peer(1)?, s.peer(2)?);
    s.start();
    s.proposer_proposes(1, 0, A, None)?;
    s.prevotes(&[p1, p2], 1, 0, Some(A))?;
    s.expect(precommit(1, 0, Some(A)));
    s.precommits(&[p1, p2], 1, 0, Some(A))?;
    s.expect(decide(1, 0, A));
    s.expect(proposal(2, 0, B, None));
    s.expect_not(Pat::AnyVote(None));
    s.prevote(p1, 2, 0, Some(B))?;
    s.expect(prevote(2, 0, Some(B)));
    made(
        "proposer_of_the_next_height",
        "a node that proposes first at height 2 proposes its value right after deciding height 1 (the rotation advances once per height), and prevotes it at the next input (a decision ends its input)",
        &["height", "decide"],
        s,
    )
}

fn single_validator_decides_one_height_per_input() -> Made {
    let mut s = Script::new(KEY_SEED, &[1]);
    let v1 = default_value(1, 0);
    let v2 = default_value(2, 0);
    s.start();
    s.expect(proposal(1, 0, &v1, None));
    s.expect(decide(1, 0, &v1));
    s.expect(proposal(2, 0, &v2, None));
    s.expect_not(Pat::Decide { height: Some(2), round: 0, value: value_id(&v2) });
    s.expect_state(StateCheck::Height(2));
    // A stale timeout is still an input: the rules run again at height 2.
    s.timeout(TPREVOTE, 1, 0);
    s.expect(prevote(2, 0, Some(&v2)));
    s.expect(decide(2, 0, &v2));
    s.expect_state(StateCheck::Height(3));
    made(
        "single_validator_decides_one_height_per_input",
        "the only validator decides alone, but one height per input: a decision ends its input, and the next height's rules run at the next input (here a stale timeout)",
        &["decide", "height", "edge"],
        s,
    )
}

/// Every scripted case, in order.
pub fn scripts() -> Result<Vec<Scripted>, CaseError> {
    [
        happy_path_as_proposer,
        happy_path_with_the_default_value,
        happy_path_as_non_proposer,
        lock_on_polka,
        unlock_on_later_polka,
        locked_node_refuses_another_value,
        locked_node_prevotes_its_value_again,
        repropose_valid_value,
        nil_prevote_on_timeout_propose,
        nil_precommit_on_timeout_prevote,
        precommit_nil_on_nil_polka,
        round_skip_on_f_plus_one_senders,
        no_round_skip_on_f_senders,
        weighted_validator_skips_alone,
        weighted_quorum_needs_two_thirds_of_power,
        decide_in_a_past_round,
        rule_36_in_step_precommit,
        invalid_proposal_prevote_nil,
        pipelined_validation,
        pipelined_proposer,
        pipelined_invalid_value,
        pipelined_decision_waits_for_validation,
        equivocating_voter,
        equivocating_precommit,
        equivocating_proposer,
        equivocating_proposer_by_valid_round,
        duplicates_are_ignored,
        rejected_bad_signature,
        rejected_malleated_signatures,
        rejected_small_order_keys,
        fifth_vote_of_an_equivocator_is_not_counted,
        fifth_proposal_is_kept_only_when_justified,
        pipelined_rule_22_takes_the_first_proposal_known_valid,
        pipelined_rule_22_prevotes_nil_on_the_first_known_invalid,
        own_votes_count_before_broadcast,
        rejected_unknown_validator,
        rejected_not_proposer,
        rejected_past_height,
        rejected_after_decision,
        rejected_future_height,
        rejected_bad_valid_round,
        rejected_round_too_far_ahead,
        error_check_order,
        next_height_buffering,
        next_height_buffer_is_bounded,
        stale_timeouts_are_ignored,
        growing_timeouts,
        precommit_timeout_in_step_propose,
        rule_28_waits_for_the_polka,
        observer_decides_without_voting,
        start_at_a_later_height,
        proposer_of_the_next_height,
        single_validator_decides_one_height_per_input,
    ]
    .into_iter()
    .map(|make| make())
    .collect()
}

// ---------------------------------------------------------------------------------------------
// seeded random schedules

fn below(r: &mut ChaCha8Rng, n: u64) -> u64 {
    r.next_u64() % n.max(1)
}

fn chance(r: &mut ChaCha8Rng, percent: u64) -> bool {
    below(r, 100) < percent
}

fn pick<T: Copy>(r: &mut ChaCha8Rng, items: &[T]) -> Option<T> {
    items.get(below(r, items.len() as u64) as usize).copied()
}

/// What the environment of a random schedule knows.
struct World {
    r: ChaCha8Rng,
    script: Script,
    node: reference::Node,
    pool: Vec<Vec<u8>>,
    /// Timeouts the node scheduled and that have not expired yet.
    pending: Vec<TimeoutSpec>,
    /// Timeouts that expired (the environment may deliver one again: it is stale).
    expired: Vec<TimeoutSpec>,
    asked_values: Vec<(u64, u32)>,
    asked_valid: Vec<(u64, Vec<u8>)>,
    /// Every message input so far, for repeats.
    sent: Vec<InputSpec>,
    /// The value proposed in each (height, round), by a peer or by the node.
    proposed: BTreeMap<(u64, u32), Vec<u8>>,
    /// The value each validator voted in each slot.
    voted: BTreeMap<(u64, u32, VoteTypeCode, usize), Option<Vec<u8>>>,
    /// The node's own messages, for echoes.
    own: Vec<InputSpec>,
}

impl World {
    fn feed(&mut self, input: InputSpec) -> Result<(), CaseError> {
        let step = self.node.feed(&input).map_err(refused)?;
        if matches!(input, InputSpec::Proposal(_) | InputSpec::Vote(_)) {
            self.sent.push(input.clone());
        }
        self.script.push(input);
        if let StepPost::Outputs(outputs) = step {
            for output in outputs {
                match output {
                    OutputSpec::ScheduleTimeout(t) => {
                        self.pending.push(TimeoutSpec { kind: t.kind, height: t.height, round: t.round })
                    }
                    OutputSpec::GetValue(g) => self.asked_values.push((g.height.0, g.round.0)),
                    OutputSpec::Validate(v) => self.asked_valid.push((v.height.0, v.value.0)),
                    OutputSpec::Proposal(p) => {
                        self.proposed.insert((p.height.0, p.round.0), p.value.0.clone());
                        self.own.push(InputSpec::Proposal(p));
                    }
                    OutputSpec::Vote(v) => self.own.push(InputSpec::Vote(v)),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn peers(&self) -> Vec<usize> {
        self.script.peers()
    }

    /// A round near the node's.
    fn round_near(&mut self, current: u32) -> u32 {
        match below(&mut self.r, 100) {
            0..=69 => current,
            70..=81 => current.saturating_add(1),
            82..=89 => current.saturating_sub(1),
            _ => current.saturating_add(2 + below(&mut self.r, 3) as u32),
        }
    }

    fn value_for(&mut self, height: u64, round: u32) -> Option<Vec<u8>> {
        let proposed = self.proposed.get(&(height, round)).cloned();
        let roll = below(&mut self.r, 100);
        match proposed {
            Some(v) if roll < 70 => Some(v),
            _ if roll < 85 => None,
            _ => pick(&mut self.r, &[0usize, 1, 2]).and_then(|i| self.pool.get(i).cloned()),
        }
    }

    fn vote(&mut self) -> Result<(), CaseError> {
        let state = self.node.state();
        let (h, current) = (state.height.0, state.round.0);
        let peers = self.peers();
        let Some(mut who) = pick(&mut self.r, &peers) else { return Ok(()) };
        let prevote_bias = if state.step == StepCode::Precommit { 35 } else { 60 };
        let vote_type = if chance(&mut self.r, prevote_bias) { VoteTypeCode::Prevote } else { VoteTypeCode::Precommit };
        let height = match below(&mut self.r, 100) {
            0..=92 => h,
            93..=97 => h + 1,
            _ => h.saturating_sub(1).max(1),
        };
        let round = self.round_near(current);
        let mut value = self.value_for(height, round);
        if let Some(previous) = self.voted.get(&(height, round, vote_type, who)).cloned() {
            // Mostly a validator that has not voted yet; sometimes a repeat, sometimes an
            // equivocation.
            let fresh = self.peers().into_iter().find(|p| !self.voted.contains_key(&(height, round, vote_type, *p)));
            match (fresh, below(&mut self.r, 100)) {
                (Some(f), 0..=79) => who = f,
                (_, 0..=89) => value = previous,
                _ => {}
            }
        }
        self.voted.entry((height, round, vote_type, who)).or_insert_with(|| value.clone());
        let key = self.script.key(who)?.clone();
        let spec = Script::signed_vote(&key, vote_type, height, round, value.as_deref().map(value_id));
        self.feed(InputSpec::Vote(spec))
    }

    fn proposal(&mut self) -> Result<(), CaseError> {
        let state = self.node.state();
        let (h, current) = (state.height.0, state.round.0);
        let round = self.round_near(current);
        let proposer = self.script.proposer(h, round)?;
        let by = if chance(&mut self.r, 90) {
            proposer
        } else {
            // Not the proposer: rejected.
            let peers = self.peers();
            pick(&mut self.r, &peers).unwrap_or(proposer)
        };
        if Some(by) == self.script.node_index() {
            return self.vote();
        }
        let value = match self.proposed.get(&(h, round)) {
            Some(v) if chance(&mut self.r, 80) => v.clone(),
            _ => pick(&mut self.r, &[0usize, 1, 2]).and_then(|i| self.pool.get(i).cloned()).unwrap_or_default(),
        };
        let valid_round =
            if round > 0 && chance(&mut self.r, 25) { Some(below(&mut self.r, u64::from(round)) as u32) } else { None };
        self.proposed.entry((h, round)).or_insert_with(|| value.clone());
        let key = self.script.key(by)?.clone();
        let spec = Script::signed_proposal(&key, h, round, &value, valid_round);
        self.feed(InputSpec::Proposal(spec))
    }

    fn timeout(&mut self) -> Result<(), CaseError> {
        let state = self.node.state();
        let current: Vec<usize> = (0..self.pending.len())
            .filter(|&i| self.pending.get(i).is_some_and(|t| t.height == state.height && t.round == state.round))
            .collect();
        let chosen = if !current.is_empty() && chance(&mut self.r, 85) {
            pick(&mut self.r, &current)
        } else if !self.pending.is_empty() {
            Some(below(&mut self.r, self.pending.len() as u64) as usize)
        } else {
            None
        };
        let timeout = match chosen {
            Some(i) if i < self.pending.len() => self.pending.remove(i),
            _ => match pick(&mut self.r, &self.expired) {
                Some(stale) => stale,
                None => return self.vote(),
            },
        };
        self.expired.push(timeout);
        self.feed(InputSpec::Timeout(timeout))
    }

    fn answer(&mut self) -> Result<(), CaseError> {
        if !self.asked_values.is_empty() && (self.asked_valid.is_empty() || chance(&mut self.r, 50)) {
            let i = below(&mut self.r, self.asked_values.len() as u64) as usize;
            let (h, round) = self.asked_values.remove(i);
            let value = pick(&mut self.r, &[0usize, 1, 2]).and_then(|i| self.pool.get(i).cloned()).unwrap_or_default();
            return self.feed(InputSpec::ProposeValue(ProposeValueSpec {
                height: Uint(h),
                round: Uint32(round),
                value: Hex(value),
            }));
        }
        if !self.asked_valid.is_empty() {
            let i = below(&mut self.r, self.asked_valid.len() as u64) as usize;
            let (h, value) = self.asked_valid.remove(i);
            let valid = self.script.app.valid(&value);
            return self.feed(InputSpec::Validated(ValidatedSpec {
                height: Uint(h),
                value_id: HashHex(value_id(&value)),
                valid: Flag(valid),
            }));
        }
        self.vote()
    }

    fn repeat(&mut self) -> Result<(), CaseError> {
        let source = if chance(&mut self.r, 30) { &self.own } else { &self.sent };
        match source.get(below(&mut self.r, source.len() as u64) as usize).cloned() {
            Some(input) => self.feed(input),
            None => self.vote(),
        }
    }

    fn forged(&mut self) -> Result<(), CaseError> {
        let state = self.node.state();
        let peers = self.peers();
        let Some(who) = pick(&mut self.r, &peers) else { return Ok(()) };
        let key = self.script.key(who)?.clone();
        let value = self.value_for(state.height.0, state.round.0);
        let mut spec: VoteSpec = Script::signed_vote(
            &key,
            VoteTypeCode::Prevote,
            state.height.0,
            state.round.0,
            value.as_deref().map(value_id),
        );
        flip_signature(&mut spec.signature);
        self.feed(InputSpec::Vote(spec))
    }
}

impl Gen {
    fn random_schedules(&mut self) -> Result<(), CaseError> {
        for index in 0..RANDOM_SCHEDULES {
            self.random_schedule(index)?;
        }
        Ok(())
    }

    fn random_schedule(&mut self, index: u64) -> Result<(), CaseError> {
        let case_seed = rng(self.seed, &format!("consensus/tendermint/random/{index}")).next_u64();
        let mut r = rng(case_seed, "consensus/schedule");
        let n = pick(&mut r, &[3usize, 4, 4, 4, 5, 7]).unwrap_or(4);
        let powers: Vec<u64> =
            if chance(&mut r, 60) { vec![1; n] } else { (0..n).map(|_| 1 + below(&mut r, 10)).collect() };
        let mut script = Script::new(case_seed, &powers);
        let observer = chance(&mut r, 8);
        if observer {
            script.set_observer(Keypair::derive(case_seed, OUTSIDER));
        } else {
            script.set_node(below(&mut r, n as u64) as usize)?;
        }
        script.height = if chance(&mut r, 50) { 1 } else { 1 + below(&mut r, 1_000_000) };
        if chance(&mut r, 50) {
            let base = |r: &mut ChaCha8Rng| Uint(100 * (1 + below(r, 50)));
            let delta = |r: &mut ChaCha8Rng| Uint(50 * below(r, 21));
            script.timeouts = TimeoutsSpec {
                propose_ms: base(&mut r),
                propose_delta_ms: delta(&mut r),
                prevote_ms: base(&mut r),
                prevote_delta_ms: delta(&mut r),
                precommit_ms: base(&mut r),
                precommit_delta_ms: delta(&mut r),
            };
        }
        let pipelined = chance(&mut r, 25);
        if pipelined {
            script.validation = ValidationMode::Pipelined;
        }
        let pool: Vec<Vec<u8>> = (0..3)
            .map(|_| {
                let len = 1 + below(&mut r, 12) as usize;
                (0..len).map(|_| r.next_u32() as u8).collect()
            })
            .collect();
        if chance(&mut r, 20)
            && let Some(bad) = pool.get(2)
        {
            script.app_rejects(bad);
        }
        for h in script.height..script.height + 3 {
            for round in 0..3 {
                if chance(&mut r, 40)
                    && let Some(v) = pick(&mut r, &[0usize, 1, 2]).and_then(|i| pool.get(i))
                {
                    script.app_value(h, round, v);
                }
            }
        }
        let node = reference::Node::new(&script.config()).map_err(refused)?;
        let mut world = World {
            r,
            script,
            node,
            pool,
            pending: Vec::new(),
            expired: Vec::new(),
            asked_values: Vec::new(),
            asked_valid: Vec::new(),
            sent: Vec::new(),
            proposed: BTreeMap::new(),
            voted: BTreeMap::new(),
            own: Vec::new(),
        };
        world.feed(InputSpec::Start(Empty {}))?;
        let events = 12 + below(&mut world.r, 28);
        for _ in 0..events {
            match below(&mut world.r, 100) {
                0..=39 => world.vote()?,
                40..=51 => world.proposal()?,
                52..=74 => world.timeout()?,
                75..=84 => world.answer()?,
                85..=93 => world.repeat()?,
                94..=96 => world.forged()?,
                _ => {
                    // A burst: every peer votes for the proposal of the node's round.
                    let state = world.node.state();
                    let value = world.proposed.get(&(state.height.0, state.round.0)).cloned();
                    let vote_type =
                        if state.step == StepCode::Propose { VoteTypeCode::Prevote } else { VoteTypeCode::Precommit };
                    for who in world.peers() {
                        let key = world.script.key(who)?.clone();
                        let spec = Script::signed_vote(
                            &key,
                            vote_type,
                            state.height.0,
                            state.round.0,
                            value.as_deref().map(value_id),
                        );
                        world.voted.entry((state.height.0, state.round.0, vote_type, who)).or_insert(value.clone());
                        world.feed(InputSpec::Vote(spec))?;
                    }
                }
            }
        }
        let config = world.script.config();
        let mut tags = vec!["random"];
        if observer {
            tags.push("observer");
        }
        if powers.iter().any(|&w| w != 1) {
            tags.push("weighted");
        }
        let description = format!(
            "a seeded random schedule (seed {case_seed}): {n} validators, {} inputs of signed messages from the other validators, repeats, forgeries, equivocations and timeouts the node scheduled",
            config.inputs.len()
        );
        self.tendermint(&format!("random_{index:03}"), description, &tags, config)
    }
}

// ---------------------------------------------------------------------------------------------
// proposer

/// An ASCII name zero-padded to 20 bytes (CometBFT's test addresses).
pub fn ascii_address(name: &str) -> AddressHex {
    let mut out = [0u8; 20];
    for (o, b) in out.iter_mut().zip(name.bytes()) {
        *o = b;
    }
    Bytes(out)
}

/// The address whose last byte is `i` and the rest zero (CometBFT's `TestProposerSelection2`).
pub fn numbered_address(i: u8) -> AddressHex {
    let mut out = [0u8; 20];
    out[19] = i;
    Bytes(out)
}

impl Gen {
    fn proposer_case(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        members: &[(AddressHex, u64)],
        calls: Vec<u32>,
    ) -> Result<(), CaseError> {
        let config = ProposerConfig {
            validators: members.iter().map(|&(address, power)| AddressPower { address, power: Uint(power) }).collect(),
            calls: calls.into_iter().map(Uint32).collect(),
        };
        config.check()?;
        let post = reference::proposer(&config).map_err(refused)?;
        self.push("proposer", name, description, tags, config, post, ConsensusVector::Proposer)
    }

    fn proposers(&mut self) -> Result<(), CaseError> {
        // CometBFT's test names its validators foo, bar and baz.
        let (a_foo, a_bar, a_baz) = (ascii_address("foo"), ascii_address("bar"), ascii_address("baz"));
        self.proposer_case(
            "cometbft_selection_1",
            "CometBFT's TestProposerSelection1: foo 1000, bar 300, baz 330, 99 calls of 1 (the proposers before each call are the Go test's sequence)".into(),
            &["cometbft"],
            &[(a_foo, 1000), (a_bar, 300), (a_baz, 330)],
            vec![1; 99],
        )?;
        let (a0, a1, a2) = (numbered_address(0), numbered_address(1), numbered_address(2));
        self.proposer_case(
            "cometbft_selection_2_equal_power",
            "CometBFT's TestProposerSelection2: equal powers go in address order".into(),
            &["cometbft"],
            &[(a0, 100), (a1, 100), (a2, 100)],
            vec![1; 14],
        )?;
        self.proposer_case(
            "cometbft_selection_2_not_twice",
            "CometBFT's TestProposerSelection2: power 400 of 600 proposes first, but not twice in a row".into(),
            &["cometbft"],
            &[(a0, 100), (a1, 100), (a2, 400)],
            vec![1],
        )?;
        self.proposer_case(
            "cometbft_selection_2_twice",
            "CometBFT's TestProposerSelection2: power 401 of 601 proposes twice in a row".into(),
            &["cometbft"],
            &[(a0, 100), (a1, 100), (a2, 401)],
            vec![1, 1],
        )?;
        self.proposer_case(
            "cometbft_selection_2_proportional",
            "CometBFT's TestProposerSelection2: powers 4, 5, 3 propose 40, 50 and 30 times of 120".into(),
            &["cometbft"],
            &[(a0, 4), (a1, 5), (a2, 3)],
            vec![1; 119],
        )?;
        let mut r = rng(self.seed, "consensus/proposer/selection3");
        let calls: Vec<u32> =
            (0..150).map(|_| if chance(&mut r, 60) { 1 } else { 1 + below(&mut r, 4) as u32 }).collect();
        let abcd: Vec<(AddressHex, u64)> = ["a", "b", "c", "d"].iter().map(|n| (ascii_address(n), 1)).collect();
        self.proposer_case(
            "cometbft_selection_3",
            "CometBFT's TestProposerSelection3: four equal validators keep their order through calls of 1 to 4 rounds"
                .into(),
            &["cometbft", "multi_round"],
            &abcd,
            calls,
        )?;
        self.proposer_case(
            "single_validator",
            "a set of one validator proposes every round".into(),
            &["edge"],
            &[(ascii_address("solo"), 7)],
            vec![1, 2, 1000],
        )?;
        let max = consensus::validators::MAX_TOTAL_VOTING_POWER as u64;
        self.proposer_case(
            "max_total_power",
            "two validators whose powers add up to MaxTotalVotingPower (2^63/8 − 1), through single and multi-round calls".into(),
            &["edge", "large_power", "multi_round"],
            &[(ascii_address("big"), max - 1), (ascii_address("small"), 1)],
            vec![1, 1, 1, 7, 1, 1000, 1],
        )?;
        for index in 0..36u64 {
            self.random_proposer(index)?;
        }
        Ok(())
    }

    fn random_proposer(&mut self, index: u64) -> Result<(), CaseError> {
        let case_seed = rng(self.seed, &format!("consensus/proposer/random/{index}")).next_u64();
        let mut r = rng(case_seed, "consensus/proposer");
        let n = 1 + below(&mut r, 12) as usize;
        let (kind, powers): (&str, Vec<u64>) = match index % 4 {
            0 => ("small", (0..n).map(|_| 1 + below(&mut r, 10)).collect()),
            1 => ("wide", (0..n).map(|_| 1 + below(&mut r, 1_000_000_000)).collect()),
            2 => {
                // One validator far above the others.
                let mut p: Vec<u64> = (0..n).map(|_| 1 + below(&mut r, 100)).collect();
                if let Some(first) = p.first_mut() {
                    *first = 1_000_000_000_000 + below(&mut r, 1_000_000_000_000);
                }
                ("spread", p)
            }
            _ => {
                // Powers near the largest total.
                let share = consensus::validators::MAX_TOTAL_VOTING_POWER as u64 / (n as u64 + 1);
                ("huge", (0..n).map(|_| share - below(&mut r, share / 2)).collect())
            }
        };
        let members: Vec<(AddressHex, u64)> = powers
            .iter()
            .map(|&p| {
                let mut a = [0u8; 20];
                for byte in &mut a {
                    *byte = r.next_u32() as u8;
                }
                (Bytes(a), p)
            })
            .collect();
        let count = 10 + below(&mut r, 30) as usize;
        let calls: Vec<u32> = (0..count)
            .map(|_| match below(&mut r, 100) {
                0..=69 => 1,
                70..=89 => 2 + below(&mut r, 20) as u32,
                _ => 100 + below(&mut r, 5000) as u32,
            })
            .collect();
        let multi = calls.iter().any(|&t| t > 1);
        let tags: Vec<&str> = ["random", kind].into_iter().chain(multi.then_some("multi_round")).collect();
        self.proposer_case(
            &format!("random_{index:02}_{kind}"),
            format!("a seeded random set (seed {case_seed}) of {n} validators with {kind} powers, {count} calls of 1 to 5099 rounds"),
            &tags,
            &members,
            calls,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// evidence

fn validator_keys(keys: &[Keypair]) -> Vec<ValidatorKey> {
    keys.iter().map(|k| ValidatorKey { public_key: Bytes(k.public_key()), power: Uint(1) }).collect()
}

/// Two conflicting messages of one kind, in canonical order, and what a tamper needs to make
/// more of them.
#[derive(Clone)]
enum Pair {
    Votes(VoteSpec, VoteSpec),
    Proposals(ProposalSpec, ProposalSpec),
}

impl Pair {
    fn evidence(&self) -> EvidenceSpec {
        match self {
            Pair::Votes(a, b) => EvidenceSpec::DuplicateVote { a: *a, b: *b },
            Pair::Proposals(a, b) => EvidenceSpec::DuplicateProposal { a: a.clone(), b: b.clone() },
        }
    }
}

/// The canonical pair of two votes: nil first, then by the id's bytes.
fn vote_pair(x: VoteSpec, y: VoteSpec) -> Pair {
    if x.value > y.value { Pair::Votes(y, x) } else { Pair::Votes(x, y) }
}

/// The canonical pair of two proposals: by their sign bytes.
fn proposal_pair(x: ProposalSpec, y: ProposalSpec) -> Pair {
    let bytes = |p: &ProposalSpec| p.signed().message.payload().sign_bytes().as_slice().to_vec();
    if bytes(&x) > bytes(&y) { Pair::Proposals(y, x) } else { Pair::Proposals(x, y) }
}

/// A message of the pair re-signed by `key` after `change`.
fn resign_vote(key: &Keypair, v: &VoteSpec, change: impl Fn(&mut consensus::Vote)) -> VoteSpec {
    let mut message = v.signed().message;
    change(&mut message);
    VoteSpec::of(&key.sign_vote(message))
}

fn resign_proposal(key: &Keypair, p: &ProposalSpec, change: impl Fn(&mut consensus::Proposal)) -> ProposalSpec {
    let mut message = p.signed().message;
    change(&mut message);
    ProposalSpec::of(&key.sign_proposal(message))
}

impl Gen {
    fn evidence_case(
        &mut self,
        name: &str,
        description: String,
        tags: &[&str],
        keys: &[Keypair],
        evidence: EvidenceSpec,
    ) -> Result<(), CaseError> {
        let mut validators = validator_keys(keys);
        if tags.contains(&"tamper_small_order_key") {
            // the signer's key decodes to the identity: in the set (CON-3.1), but it signs nothing
            validators.push(ValidatorKey { public_key: Bytes(forge::IDENTITY), power: Uint(1) });
        }
        let config = EvidenceConfig { validators, evidence };
        config.check()?;
        let post = reference::evidence(&config).map_err(refused)?;
        self.push("evidence", name, description, tags, config, post, ConsensusVector::Evidence)
    }

    /// The tampered evidence of `kind` made from a valid pair signed by `key`.
    fn tamper(kind: &str, pair: &Pair, key: &Keypair, other: &Keypair, outsider: &Keypair) -> Option<EvidenceSpec> {
        let bump_height = |v: &mut consensus::Vote| v.height += 1;
        let bump_round = |v: &mut consensus::Vote| v.round += 1;
        let flip_type = |v: &mut consensus::Vote| {
            v.vote_type = match v.vote_type {
                consensus::VoteType::Prevote => consensus::VoteType::Precommit,
                consensus::VoteType::Precommit => consensus::VoteType::Prevote,
            }
        };
        let same = |_: &mut consensus::Vote| {};
        let p_same = |_: &mut consensus::Proposal| {};
        let mut spec = match (kind, pair) {
            ("different_height", Pair::Votes(a, b)) => {
                EvidenceSpec::DuplicateVote { a: *a, b: resign_vote(key, b, bump_height) }
            }
            ("different_height", Pair::Proposals(a, b)) => {
                EvidenceSpec::DuplicateProposal { a: a.clone(), b: resign_proposal(key, b, |p| p.height += 1) }
            }
            ("different_round" | "different_round_and_bad_signature_a", Pair::Votes(a, b)) => {
                EvidenceSpec::DuplicateVote { a: *a, b: resign_vote(key, b, bump_round) }
            }
            ("different_round" | "different_round_and_bad_signature_a", Pair::Proposals(a, b)) => {
                EvidenceSpec::DuplicateProposal { a: a.clone(), b: resign_proposal(key, b, |p| p.round += 1) }
            }
            ("different_type", Pair::Votes(a, b)) => {
                EvidenceSpec::DuplicateVote { a: *a, b: resign_vote(key, b, flip_type) }
            }
            ("different_signers", Pair::Votes(a, b)) => {
                EvidenceSpec::DuplicateVote { a: *a, b: resign_vote(other, b, same) }
            }
            ("different_signers", Pair::Proposals(a, b)) => {
                EvidenceSpec::DuplicateProposal { a: a.clone(), b: resign_proposal(other, b, p_same) }
            }
            ("different_signers_and_outsider", Pair::Votes(a, b)) => {
                EvidenceSpec::DuplicateVote { a: *a, b: resign_vote(outsider, b, same) }
            }
            ("different_signers_and_outsider", Pair::Proposals(a, b)) => {
                EvidenceSpec::DuplicateProposal { a: a.clone(), b: resign_proposal(outsider, b, p_same) }
            }
            ("same_message" | "same_message_and_bad_signature_a", Pair::Votes(a, _)) => {
                EvidenceSpec::DuplicateVote { a: *a, b: *a }
            }
            ("same_message" | "same_message_and_bad_signature_a", Pair::Proposals(a, _)) => {
                EvidenceSpec::DuplicateProposal { a: a.clone(), b: a.clone() }
            }
            ("swapped", Pair::Votes(a, b)) => EvidenceSpec::DuplicateVote { a: *b, b: *a },
            ("swapped", Pair::Proposals(a, b)) => EvidenceSpec::DuplicateProposal { a: b.clone(), b: a.clone() },
            ("swapped_and_outsider", Pair::Votes(a, b)) => {
                EvidenceSpec::DuplicateVote { a: resign_vote(outsider, b, same), b: resign_vote(outsider, a, same) }
            }
            ("swapped_and_outsider", Pair::Proposals(a, b)) => EvidenceSpec::DuplicateProposal {
                a: resign_proposal(outsider, b, p_same),
                b: resign_proposal(outsider, a, p_same),
            },
            ("outsider" | "outsider_and_bad_signature_a", Pair::Votes(a, b)) => {
                EvidenceSpec::DuplicateVote { a: resign_vote(outsider, a, same), b: resign_vote(outsider, b, same) }
            }
            ("outsider" | "outsider_and_bad_signature_a", Pair::Proposals(a, b)) => EvidenceSpec::DuplicateProposal {
                a: resign_proposal(outsider, a, p_same),
                b: resign_proposal(outsider, b, p_same),
            },
            ("bad_signature_a" | "bad_signature_b", _) => pair.evidence(),
            ("non_canonical_s_a" | "non_canonical_s_b" | "small_order_r_a" | "small_order_r_b", _) => {
                let forged = |bytes: &[u8], signature: &[u8; 64]| {
                    if kind.starts_with("non_canonical_s") {
                        forge::non_canonical_s(signature)
                    } else {
                        Some(forge::small_order_r(key, bytes))
                    }
                };
                let which_b = kind.ends_with("_b");
                match pair {
                    Pair::Votes(a, b) => {
                        let (mut a, mut b) = (*a, *b);
                        let target = if which_b { &mut b } else { &mut a };
                        let bytes = target.signed().message.payload().sign_bytes();
                        target.signature = Bytes(forged(bytes.as_slice(), &target.signature.0)?);
                        EvidenceSpec::DuplicateVote { a, b }
                    }
                    Pair::Proposals(a, b) => {
                        let (mut a, mut b) = (a.clone(), b.clone());
                        let target = if which_b { &mut b } else { &mut a };
                        let bytes = target.signed().message.payload().sign_bytes();
                        target.signature = Bytes(forged(bytes.as_slice(), &target.signature.0)?);
                        EvidenceSpec::DuplicateProposal { a, b }
                    }
                }
            }
            ("small_order_key", Pair::Votes(a, b)) => {
                let weak = AddressHex::of(consensus::Address::from_public_key(&forge::IDENTITY));
                let by_weak = |v: &VoteSpec, helper: u64| VoteSpec {
                    signer: weak,
                    signature: Bytes(forge::by_identity_key(&Keypair::derive(KEY_SEED, OUTSIDER + helper))),
                    ..*v
                };
                EvidenceSpec::DuplicateVote { a: by_weak(a, 1), b: by_weak(b, 2) }
            }
            ("small_order_key", Pair::Proposals(a, b)) => {
                let weak = AddressHex::of(consensus::Address::from_public_key(&forge::IDENTITY));
                let by_weak = |p: &ProposalSpec, helper: u64| ProposalSpec {
                    signer: weak,
                    signature: Bytes(forge::by_identity_key(&Keypair::derive(KEY_SEED, OUTSIDER + helper))),
                    ..p.clone()
                };
                EvidenceSpec::DuplicateProposal { a: by_weak(a, 1), b: by_weak(b, 2) }
            }
            ("signatures_exchanged", Pair::Votes(a, b)) => {
                let (mut a, mut b) = (*a, *b);
                std::mem::swap(&mut a.signature, &mut b.signature);
                EvidenceSpec::DuplicateVote { a, b }
            }
            ("signatures_exchanged", Pair::Proposals(a, b)) => {
                let (mut a, mut b) = (a.clone(), b.clone());
                std::mem::swap(&mut a.signature, &mut b.signature);
                EvidenceSpec::DuplicateProposal { a, b }
            }
            _ => return None,
        };
        if kind.ends_with("bad_signature_a") || kind == "bad_signature_b" {
            let which_b = kind == "bad_signature_b";
            match &mut spec {
                EvidenceSpec::DuplicateVote { a, b } => {
                    flip_signature(if which_b { &mut b.signature } else { &mut a.signature })
                }
                EvidenceSpec::DuplicateProposal { a, b } => {
                    flip_signature(if which_b { &mut b.signature } else { &mut a.signature })
                }
            }
        }
        Some(spec)
    }

    fn evidence(&mut self) -> Result<(), CaseError> {
        let seed = rng(self.seed, "consensus/evidence").next_u64();
        let keys: Vec<Keypair> = (0..4).map(|i| Keypair::derive(seed, i)).collect();
        let outsider = Keypair::derive(seed, OUTSIDER);
        let [_, key, other, _] = keys.as_slice() else { return Err(CaseError::Invalid("four keys".into())) };
        let vote =
            |t: VoteTypeCode, h: u64, r: u32, v: Option<&[u8]>| Script::signed_vote(key, t, h, r, v.map(value_id));
        let prop = |h: u64, r: u32, v: &[u8], vr: Option<u32>| Script::signed_proposal(key, h, r, v, vr);
        let pairs: Vec<(&str, &str, Pair)> = vec![
            (
                "prevote_values",
                "two prevotes for different values",
                vote_pair(vote(VoteTypeCode::Prevote, 5, 2, Some(A)), vote(VoteTypeCode::Prevote, 5, 2, Some(B))),
            ),
            (
                "prevote_nil",
                "a prevote for a value and one for nil",
                vote_pair(vote(VoteTypeCode::Prevote, 1, 0, Some(A)), vote(VoteTypeCode::Prevote, 1, 0, None)),
            ),
            (
                "precommit_values",
                "two precommits for different values at a high height and round",
                vote_pair(
                    vote(VoteTypeCode::Precommit, 1 << 40, 70_000, Some(C)),
                    vote(VoteTypeCode::Precommit, 1 << 40, 70_000, Some(B)),
                ),
            ),
            (
                "precommit_nil",
                "a precommit for nil and one for a value",
                vote_pair(vote(VoteTypeCode::Precommit, 3, 1, None), vote(VoteTypeCode::Precommit, 3, 1, Some(C))),
            ),
            (
                "proposal_values",
                "two proposals of different values",
                proposal_pair(prop(2, 1, A, None), prop(2, 1, B, None)),
            ),
            (
                "proposal_valid_round",
                "two proposals of one value with different valid rounds",
                proposal_pair(prop(9, 4, A, None), prop(9, 4, A, Some(3))),
            ),
            (
                "proposal_valid_rounds_1_and_256",
                "two proposals of one value with valid rounds 256 and 1 (256 first: LE32(256) = 00 01 00 00 is below LE32(1) = 01 00 00 00 in the sign bytes)",
                proposal_pair(prop(7, 300, A, Some(1)), prop(7, 300, A, Some(256))),
            ),
        ];
        for (name, what, pair) in &pairs {
            let kind = match pair {
                Pair::Votes(..) => "duplicate_vote",
                Pair::Proposals(..) => "duplicate_proposal",
            };
            self.evidence_case(
                &format!("valid_{name}"),
                format!("{what} by one validator, in canonical order, is valid {kind} evidence"),
                &["valid", kind],
                &keys,
                pair.evidence(),
            )?;
        }
        for (name, _, pair) in &pairs {
            let kinds: Vec<(&str, &str)> = match *name {
                "prevote_values" | "proposal_values" | "precommit_nil" => EVIDENCE_TAMPER_KINDS.to_vec(),
                // the one order a numeric comparison of valid rounds gets wrong (CON-6.1)
                "proposal_valid_rounds_1_and_256" => vec![("swapped", "not_canonical")],
                _ => continue,
            };
            for (kind, code) in &kinds {
                let Some(evidence) = Gen::tamper(kind, pair, key, other, &outsider) else { continue };
                self.evidence_case(
                    &format!("tampered_{name}_{kind}"),
                    format!(
                        "{} evidence tampered with ({}): rejected as {code}",
                        evidence.kind(),
                        kind.replace('_', " ")
                    ),
                    &[&format!("tamper_{kind}"), evidence.kind()],
                    &keys,
                    evidence,
                )?;
            }
        }
        Ok(())
    }
}
