//! Algorithm 1 of Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus"
//! (arXiv 1807.04938), as a sans-IO state machine (`docs/spec/consensus.md` §4).
//!
//! Every upon-rule is a method tagged with its lines in the paper. After each input the
//! machine applies the first enabled rule in the order [`RULE_ORDER`] until none is enabled;
//! the paper leaves this order open and the vectors pin it.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use primitives::Hash32;

use crate::evidence::Evidence;
use crate::keeper::{Added, Keeper};
use crate::types::{
    Height, Keypair, Message, Proposal, Round, SignedProposal, SignedVote, Value, Verifier, Vote, VoteType, value_id,
};
use crate::validators::{Address, ValidatorSet};

/// The order in which enabled rules are applied, by their first line in the paper.
pub const RULE_ORDER: [u32; 8] = [49, 55, 22, 28, 34, 36, 44, 47];

/// The paper's `step_p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Propose,
    Prevote,
    Precommit,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Propose => "propose",
            Step::Prevote => "prevote",
            Step::Precommit => "precommit",
        }
    }
}

/// Which timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeoutKind {
    Propose,
    Prevote,
    Precommit,
}

impl TimeoutKind {
    pub fn name(self) -> &'static str {
        match self {
            TimeoutKind::Propose => "propose",
            TimeoutKind::Prevote => "prevote",
            TimeoutKind::Precommit => "precommit",
        }
    }
}

/// A timeout the environment must feed back after its duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timeout {
    pub kind: TimeoutKind,
    pub height: Height,
    pub round: Round,
}

/// `timeoutX(r) = X + r·X_delta` in milliseconds (CON-4.4). Defaults are CometBFT's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutConfig {
    pub propose_ms: u64,
    pub propose_delta_ms: u64,
    pub prevote_ms: u64,
    pub prevote_delta_ms: u64,
    pub precommit_ms: u64,
    pub precommit_delta_ms: u64,
}

impl Default for TimeoutConfig {
    fn default() -> Self {
        TimeoutConfig {
            propose_ms: 3000,
            propose_delta_ms: 500,
            prevote_ms: 1000,
            prevote_delta_ms: 500,
            precommit_ms: 1000,
            precommit_delta_ms: 500,
        }
    }
}

impl TimeoutConfig {
    /// The duration of timeout `kind` in round `round`.
    pub fn duration_ms(&self, kind: TimeoutKind, round: Round) -> u64 {
        let (base, delta) = match kind {
            TimeoutKind::Propose => (self.propose_ms, self.propose_delta_ms),
            TimeoutKind::Prevote => (self.prevote_ms, self.prevote_delta_ms),
            TimeoutKind::Precommit => (self.precommit_ms, self.precommit_delta_ms),
        };
        base.saturating_add(delta.saturating_mul(u64::from(round)))
    }
}

/// A deliberate deviation from Algorithm 1, for single-deviation nodes in simulations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deviation {
    /// Rules 22 and 28 ignore `lockedValue`/`lockedRound`: prevotes any valid proposal.
    IgnoresLock,
    /// Prevotes and precommits every proposal it sees, valid or not (skips `valid(v)`).
    SkipsValidation,
}

/// Where values come from and how they are validated.
pub trait Application: Send + Sync {
    /// The paper's `getValue()`: the value to propose at `height`, `round`.
    fn value(&self, height: Height, round: Round) -> Value;
    /// The paper's `valid(v)`.
    fn validate(&self, height: Height, value: &[u8]) -> bool;
}

/// How `getValue()` and `valid(v)` are answered.
#[derive(Clone)]
pub enum Validation {
    /// By an application callback, inside the step that needs it.
    Callback(Arc<dyn Application>),
    /// Pipelined: the machine outputs [`Output::GetValue`] / [`Output::Validate`] and goes on
    /// counting votes; the environment answers later with [`Input::ProposeValue`] /
    /// [`Input::Validated`]. Rules that need the answer wait for it.
    Pipelined,
}

impl std::fmt::Debug for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Validation::Callback(_) => write!(f, "Callback"),
            Validation::Pipelined => write!(f, "Pipelined"),
        }
    }
}

/// The machine's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub timeouts: TimeoutConfig,
    pub validation: Validation,
    pub deviation: Option<Deviation>,
}

/// An input.
#[derive(Debug, Clone)]
pub enum Input {
    /// Line 10: `StartRound(0)` at the initial height.
    Start,
    Proposal(SignedProposal),
    Vote(SignedVote),
    /// A timeout scheduled earlier has expired.
    Timeout(Timeout),
    /// The answer to [`Output::GetValue`].
    ProposeValue {
        height: Height,
        round: Round,
        value: Value,
    },
    /// The answer to [`Output::Validate`].
    Validated {
        height: Height,
        value_id: Hash32,
        valid: bool,
    },
}

/// A decision with the certificate that proves it: the proposal and the precommits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub height: Height,
    pub round: Round,
    pub value: Value,
    /// `id(value)`.
    pub value_id: Hash32,
    pub proposal: SignedProposal,
    pub precommits: Vec<SignedVote>,
}

/// An output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send to every validator (the machine has already counted it itself).
    Broadcast(Message),
    /// Feed `Input::Timeout(timeout)` back after `duration_ms`.
    ScheduleTimeout { timeout: Timeout, duration_ms: u64 },
    /// Pipelined `getValue()`.
    GetValue { height: Height, round: Round },
    /// Pipelined `valid(v)`; asked once per value per height.
    Validate { height: Height, round: Round, value: Value },
    /// Lines 49–54.
    Decide(Decision),
    /// A validator signed two conflicting messages.
    Evidence(Evidence),
}

/// Why an input was rejected. Rejected inputs change nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("signer {0:?} is not a validator")]
    UnknownValidator(Address),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("proposal signed by {signer:?}, but the proposer of round {round} is {proposer:?}")]
    NotProposer { signer: Address, round: Round, proposer: Address },
    #[error("message for past height {0}")]
    PastHeight(Height),
    #[error("message for height {0}, more than one ahead (or the next-height buffer is full)")]
    FutureHeight(Height),
    #[error("message for round {0}, more than MAX_ROUNDS_AHEAD past the current round")]
    RoundTooFarAhead(Round),
    #[error("proposal's valid round {valid_round} is not below its round {round}")]
    BadValidRound { round: Round, valid_round: Round },
    #[error("the machine has not been started")]
    NotStarted,
}

impl Error {
    /// The stable error code used in vectors.
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownValidator(_) => "unknown_validator",
            Error::BadSignature => "bad_signature",
            Error::NotProposer { .. } => "not_proposer",
            Error::PastHeight(_) => "past_height",
            Error::FutureHeight(_) => "future_height",
            Error::RoundTooFarAhead(_) => "round_too_far_ahead",
            Error::BadValidRound { .. } => "bad_valid_round",
            Error::NotStarted => "not_started",
        }
    }
}

/// Messages more than this many rounds past the current round are rejected (a bound on the
/// memory a Byzantine signer can make a node spend).
pub const MAX_ROUNDS_AHEAD: Round = 1000;
/// Messages buffered for the next height, per validator.
pub const NEXT_HEIGHT_BUFFER_PER_VALIDATOR: usize = 8;

/// `⌊2N/3⌋ + 1`, the least power `w` with `3w > 2N`.
fn quorum_min(total: u64) -> u64 {
    (u128::from(total) * 2 / 3 + 1) as u64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Validity {
    Pending,
    Valid,
    Invalid,
}

/// One validator's Tendermint state machine.
#[derive(Clone)]
pub struct Tendermint {
    config: Config,
    key: Keypair,
    verifier: Arc<dyn Verifier>,
    set: ValidatorSet,
    me: Option<usize>,
    started: bool,
    height: Height,
    round: Round,
    step: Step,
    locked: Option<(Value, Round)>,
    valid: Option<(Value, Round)>,
    keeper: Keeper,
    validity: HashMap<Hash32, Validity>,
    proposers: HashMap<Round, usize>,
    /// Rounds with a precommit quorum for some value (candidates for rule 49).
    commit_rounds: Vec<Round>,
    /// The highest round past ours with more than a third of senders (rule 55).
    skip_round: Option<Round>,
    /// Own signed messages this height, by (round, kind 0/1/2): never sign two different.
    own: BTreeMap<(Round, u8), Message>,
    proposed: Option<Round>,
    next_height: Vec<Message>,
}

impl std::fmt::Debug for Tendermint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tendermint")
            .field("address", &self.key.address())
            .field("height", &self.height)
            .field("round", &self.round)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

/// A snapshot of the paper's state variables (for vectors and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub height: Height,
    pub round: Round,
    pub step: Step,
    pub locked_value: Option<Hash32>,
    pub locked_round: Option<Round>,
    pub valid_value: Option<Hash32>,
    pub valid_round: Option<Round>,
}

impl Tendermint {
    /// A machine for `key` at `height` with the validator set of that height. A key that is
    /// not in the set makes an observer: it counts and decides but never signs.
    pub fn new(config: Config, set: ValidatorSet, key: Keypair, height: Height, verifier: Arc<dyn Verifier>) -> Self {
        let me = set.index_of(&key.address());
        let n = set.len();
        let quorum = quorum_min(set.total_power());
        Tendermint {
            config,
            key,
            verifier,
            set,
            me,
            started: false,
            height,
            round: 0,
            step: Step::Propose,
            locked: None,
            valid: None,
            keeper: Keeper::new(n, quorum),
            validity: HashMap::default(),
            proposers: HashMap::default(),
            commit_rounds: Vec::new(),
            skip_round: None,
            own: BTreeMap::new(),
            proposed: None,
            next_height: Vec::new(),
        }
    }

    pub fn state(&self) -> State {
        State {
            height: self.height,
            round: self.round,
            step: self.step,
            locked_value: self.locked.as_ref().map(|(v, _)| value_id(v)),
            locked_round: self.locked.as_ref().map(|(_, r)| *r),
            valid_value: self.valid.as_ref().map(|(v, _)| value_id(v)),
            valid_round: self.valid.as_ref().map(|(_, r)| *r),
        }
    }

    pub fn height(&self) -> Height {
        self.height
    }

    pub fn round(&self) -> Round {
        self.round
    }

    pub fn step(&self) -> Step {
        self.step
    }

    pub fn address(&self) -> Address {
        self.key.address()
    }

    pub fn validator_set(&self) -> &ValidatorSet {
        &self.set
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The machine a crash-restarted node resumes with: the durable part of this one (height,
    /// round, locked and valid values, the messages it signed this height) and nothing else.
    /// It must be given [`Input::Start`], which re-enters the current round.
    pub fn restarted(&self) -> Tendermint {
        let mut fresh = Tendermint::new(
            self.config.clone(),
            self.set.clone(),
            self.key.clone(),
            self.height,
            Arc::clone(&self.verifier),
        );
        fresh.round = self.round;
        fresh.locked = self.locked.clone();
        fresh.valid = self.valid.clone();
        fresh.own = self.own.clone();
        fresh
    }

    /// Own messages signed this height, by round then kind (the node layer re-gossips them).
    pub fn own_messages(&self) -> impl Iterator<Item = &Message> {
        self.own.values()
    }

    /// The proposer of round `round` at the current height.
    pub fn proposer(&mut self, round: Round) -> usize {
        if let Some(&p) = self.proposers.get(&round) {
            return p;
        }
        let p = self.set.proposer_at(round);
        self.proposers.insert(round, p);
        p
    }

    /// Handles one input; outputs are appended to `out`.
    pub fn handle(&mut self, input: Input, out: &mut Vec<Output>) -> Result<(), Error> {
        match input {
            Input::Start => {
                if !self.started {
                    self.started = true;
                    // Line 10 (or a restart re-entering its round).
                    let own: Vec<Message> = self.own.values().cloned().collect();
                    for m in own {
                        let _ = self.count(&m, out);
                    }
                    self.start_round(self.round, out);
                    // A restart resumes the step its signed votes prove it reached (CON-4.9).
                    if self.own.contains_key(&(self.round, VoteType::Precommit as u8)) {
                        self.step = Step::Precommit;
                    } else if self.own.contains_key(&(self.round, VoteType::Prevote as u8)) {
                        self.step = Step::Prevote;
                    }
                    self.progress(out);
                }
                Ok(())
            }
            Input::Proposal(p) => self.receive(&Message::Proposal(p), out),
            Input::Vote(v) => self.receive(&Message::Vote(v), out),
            Input::Timeout(t) => {
                if self.started {
                    self.on_timeout(t, out);
                    self.progress(out);
                }
                Ok(())
            }
            Input::ProposeValue { height, round, value } => {
                if self.started
                    && height == self.height
                    && round == self.round
                    && self.step == Step::Propose
                    && self.proposed != Some(round)
                    && self.me.is_some_and(|me| self.proposer(round) == me)
                {
                    self.propose(value, None, out);
                    self.progress(out);
                }
                Ok(())
            }
            Input::Validated { height, value_id, valid } => {
                if height == self.height
                    && let Some(v) = self.validity.get_mut(&value_id)
                    && *v == Validity::Pending
                {
                    *v = if valid { Validity::Valid } else { Validity::Invalid };
                    if self.started {
                        self.progress(out);
                    }
                }
                Ok(())
            }
        }
    }

    /// Handles a received proposal or vote by reference: the same as `handle` with
    /// `Input::Proposal` / `Input::Vote`, copying the message only if it is kept.
    pub fn handle_message(&mut self, message: &Message, out: &mut Vec<Output>) -> Result<(), Error> {
        self.receive(message, out)
    }

    fn receive(&mut self, message: &Message, out: &mut Vec<Output>) -> Result<(), Error> {
        let h = message.height();
        if h < self.height {
            return Err(Error::PastHeight(h));
        }
        let signer = message.signer();
        let index = self.set.index_of(&signer).ok_or(Error::UnknownValidator(signer))?;
        if let Message::Proposal(p) = message
            && let Some(vr) = p.message.valid_round
            && vr >= p.message.round
        {
            return Err(Error::BadValidRound { round: p.message.round, valid_round: vr });
        }
        if h > self.height {
            // The next height's set is this set rotated; membership and keys are the same.
            let per = self.next_height.iter().filter(|m| m.signer() == signer).count();
            if h != self.height.saturating_add(1) || per >= NEXT_HEIGHT_BUFFER_PER_VALIDATOR {
                return Err(Error::FutureHeight(h));
            }
            self.check_signature(message, index)?;
            if !self.next_height.contains(message) {
                self.next_height.push(message.clone());
            }
            return Ok(());
        }
        if message.round() > self.round.saturating_add(MAX_ROUNDS_AHEAD) {
            return Err(Error::RoundTooFarAhead(message.round()));
        }
        if let Message::Proposal(p) = message {
            let proposer = self.proposer(p.message.round);
            if proposer != index {
                let proposer = self.set.validators().get(proposer).map(|v| v.address).unwrap_or(signer);
                return Err(Error::NotProposer { signer, round: p.message.round, proposer });
            }
        }
        self.check_signature(message, index)?;
        self.count_at(message, index, out);
        if self.started {
            self.progress(out);
        }
        Ok(())
    }

    fn check_signature(&self, message: &Message, index: usize) -> Result<(), Error> {
        let key = self.set.key(index).ok_or(Error::UnknownValidator(message.signer()))?;
        if self.verifier.verify(key, message.sign_bytes().as_slice(), message.signature()) {
            Ok(())
        } else {
            Err(Error::BadSignature)
        }
    }

    /// Adds a verified message of the current height to the keeper.
    fn count(&mut self, message: &Message, out: &mut Vec<Output>) -> Result<(), Error> {
        let signer = message.signer();
        let index = self.set.index_of(&signer).ok_or(Error::UnknownValidator(signer))?;
        self.count_at(message, index, out);
        Ok(())
    }

    /// [`Self::count`] for a signer already looked up.
    fn count_at(&mut self, message: &Message, index: usize, out: &mut Vec<Output>) {
        let power = self.set.validators().get(index).map_or(0, |v| v.power);
        let round = message.round();
        let added = match message {
            Message::Proposal(p) => {
                let value = p.message.value.clone();
                let (added, kept) = self.keeper.add_proposal(p, index, power);
                if kept && let Some(id) = self.keeper.round(round).and_then(|rv| rv.proposal_ids.last().copied()) {
                    self.request_validation(round, value, id, out);
                }
                added
            }
            Message::Vote(v) => {
                let vote_type = v.message.vote_type;
                let value = v.message.value;
                let added = self.keeper.add_vote(v, index, power);
                let counted = matches!(added, Added::New | Added::Conflict { counted: true, .. });
                if counted
                    && vote_type == VoteType::Precommit
                    && let Some(id) = value
                    && let Err(at) = self.commit_rounds.binary_search(&round)
                    && let Some(rv) = self.keeper.round(round)
                    && self.set.is_quorum(rv.tally(VoteType::Precommit).power_for(Some(id)))
                {
                    self.commit_rounds.insert(at, round);
                }
                added
            }
        };
        match added {
            Added::New => {
                if round > self.round
                    && let Some(rv) = self.keeper.round(round)
                    && self.set.is_one_third(rv.senders_power)
                    && self.skip_round.is_none_or(|s| s < round)
                {
                    self.skip_round = Some(round);
                }
            }
            Added::Conflict { evidence: Some(evidence), .. } => out.push(Output::Evidence(*evidence)),
            Added::Conflict { evidence: None, .. } | Added::Duplicate => {}
        }
    }

    fn request_validation(&mut self, round: Round, value: Value, id: Hash32, out: &mut Vec<Output>) {
        if self.validity.contains_key(&id) {
            return;
        }
        match &self.config.validation {
            Validation::Callback(app) => {
                let ok = app.validate(self.height, &value);
                self.validity.insert(id, if ok { Validity::Valid } else { Validity::Invalid });
            }
            Validation::Pipelined => {
                self.validity.insert(id, Validity::Pending);
                out.push(Output::Validate { height: self.height, round, value });
            }
        }
    }

    /// `valid(v)`: `Some` once known.
    fn valid(&self, id: &Hash32) -> Option<bool> {
        if self.config.deviation == Some(Deviation::SkipsValidation) {
            return Some(true);
        }
        match self.validity.get(id) {
            Some(Validity::Valid) => Some(true),
            Some(Validity::Invalid) => Some(false),
            Some(Validity::Pending) | None => None,
        }
    }

    /// Applies the first enabled rule in [`RULE_ORDER`] until none is enabled.
    fn progress(&mut self, out: &mut Vec<Output>) {
        loop {
            if self.rule_49(out) {
                // A decision ends the processing of this input: the new height's rules are first
                // applied at the next input (CON-4.6), so one input never decides twice.
                break;
            }
            let fired = self.rule_55(out)
                || self.rule_22(out)
                || self.rule_28(out)
                || self.rule_34(out)
                || self.rule_36(out)
                || self.rule_44(out)
                || self.rule_47(out);
            if !fired {
                break;
            }
        }
    }

    /// Lines 11–21: `StartRound(round)`.
    fn start_round(&mut self, round: Round, out: &mut Vec<Output>) {
        self.round = round;
        self.step = Step::Propose;
        if self.skip_round.is_some_and(|s| s <= round) {
            // Another round past this one may already have f+1 senders.
            let set = &self.set;
            self.skip_round = self
                .keeper
                .rounds()
                .filter(|(r, rv)| **r > round && set.is_one_third(rv.senders_power))
                .map(|(r, _)| *r)
                .max();
        }
        let Some(me) = self.me else {
            self.schedule(TimeoutKind::Propose, out);
            return;
        };
        if self.proposer(round) == me {
            if let Some(Message::Proposal(p)) = self.own.get(&(round, 0)).cloned() {
                // Restarted after proposing in this round: the same proposal again, never a
                // second one (CON-4.9).
                self.broadcast(Message::Proposal(p), out);
                self.proposed = Some(round);
            } else if let Some((value, vr)) = self.valid.clone() {
                // Line 15: re-propose validValue with validRound.
                self.propose(value, Some(vr), out);
            } else {
                match &self.config.validation {
                    Validation::Callback(app) => {
                        let value = app.value(self.height, round);
                        self.propose(value, None, out);
                    }
                    Validation::Pipelined => out.push(Output::GetValue { height: self.height, round }),
                }
            }
        } else {
            // Line 21.
            self.schedule(TimeoutKind::Propose, out);
        }
    }

    fn propose(&mut self, value: Value, valid_round: Option<Round>, out: &mut Vec<Output>) {
        if self.own.contains_key(&(self.round, 0)) {
            return;
        }
        self.validity.insert(value_id(&value), Validity::Valid);
        let proposal = Proposal { height: self.height, round: self.round, value, valid_round };
        let signed = self.key.sign_proposal(proposal);
        self.proposed = Some(self.round);
        self.own.insert((self.round, 0), Message::Proposal(signed.clone()));
        let _ = self.count(&Message::Proposal(signed.clone()), out);
        out.push(Output::Broadcast(Message::Proposal(signed)));
    }

    fn broadcast(&mut self, message: Message, out: &mut Vec<Output>) {
        let _ = self.count(&message, out);
        out.push(Output::Broadcast(message));
    }

    /// Signs and broadcasts a vote of the current round; never two different votes for one slot.
    fn vote(&mut self, vote_type: VoteType, value: Option<Hash32>, out: &mut Vec<Output>) {
        if self.me.is_none() {
            return;
        }
        let kind = vote_type as u8;
        let message = match self.own.get(&(self.round, kind)) {
            Some(existing) => existing.clone(),
            None => {
                let vote = Vote { vote_type, height: self.height, round: self.round, value };
                let signed = Message::Vote(self.key.sign_vote(vote));
                self.own.insert((self.round, kind), signed.clone());
                signed
            }
        };
        self.broadcast(message, out);
    }

    fn schedule(&mut self, kind: TimeoutKind, out: &mut Vec<Output>) {
        let timeout = Timeout { kind, height: self.height, round: self.round };
        let duration_ms = self.config.timeouts.duration_ms(kind, self.round);
        out.push(Output::ScheduleTimeout { timeout, duration_ms });
    }

    /// The proposals of round `r` (already checked to come from its proposer), in arrival order.
    fn proposals(&self, r: Round) -> &[SignedProposal] {
        self.keeper.round(r).map_or(&[], |rv| &rv.proposals)
    }

    /// The proposals of round `r` with their value ids.
    fn proposals_with_ids(&self, r: Round) -> impl Iterator<Item = (&SignedProposal, Hash32)> {
        self.keeper.round(r).into_iter().flat_map(|rv| rv.proposals.iter().zip(rv.proposal_ids.iter().copied()))
    }

    /// Whether rule 22/28's lock condition lets this node prevote `value`.
    fn lock_allows(&self, value: &Value, vr: Option<Round>) -> bool {
        if self.config.deviation == Some(Deviation::IgnoresLock) {
            return true;
        }
        match &self.locked {
            None => true,
            Some((locked_value, locked_round)) => {
                // Line 29: lockedRound ≤ vr; line 23: lockedRound = −1 (never true when locked).
                vr.is_some_and(|vr| *locked_round <= vr) || locked_value == value
            }
        }
    }

    /// Lines 22–27: a proposal with `validRound = −1` while in step propose.
    fn rule_22(&mut self, out: &mut Vec<Output>) -> bool {
        if self.step != Step::Propose {
            return false;
        }
        // The first proposal with validRound −1 whose validity is known.
        let Some((value, id, valid)) = self.proposals_with_ids(self.round).find_map(|(p, id)| {
            if p.message.valid_round.is_some() {
                return None;
            }
            self.valid(&id).map(|valid| (p.message.value.clone(), id, valid))
        }) else {
            return false;
        };
        let choice = (valid && self.lock_allows(&value, None)).then_some(id);
        self.vote(VoteType::Prevote, choice, out);
        self.step = Step::Prevote;
        true
    }

    /// Lines 28–33: a proposal with `0 ≤ validRound < round_p` and a polka for it in `validRound`.
    fn rule_28(&mut self, out: &mut Vec<Output>) -> bool {
        if self.step != Step::Propose {
            return false;
        }
        // The first proposal with 0 ≤ validRound < round_p, a polka for it in validRound, and
        // known validity.
        let Some((value, id, vr, valid)) = self.proposals_with_ids(self.round).find_map(|(p, id)| {
            let vr = p.message.valid_round?;
            if vr >= self.round {
                return None;
            }
            let polka = self
                .keeper
                .round(vr)
                .is_some_and(|rv| self.set.is_quorum(rv.tally(VoteType::Prevote).power_for(Some(id))));
            if !polka {
                return None;
            }
            self.valid(&id).map(|valid| (p.message.value.clone(), id, vr, valid))
        }) else {
            return false;
        };
        let choice = (valid && self.lock_allows(&value, Some(vr))).then_some(id);
        self.vote(VoteType::Prevote, choice, out);
        self.step = Step::Prevote;
        true
    }

    /// Lines 34–35: 2f+1 prevotes for anything, in step prevote, the first time.
    fn rule_34(&mut self, out: &mut Vec<Output>) -> bool {
        if self.step != Step::Prevote {
            return false;
        }
        let r = self.round;
        let Some(rv) = self.keeper.round(r) else { return false };
        if rv.fired_34 || !self.set.is_quorum(rv.tally(VoteType::Prevote).any()) {
            return false;
        }
        self.keeper.round_mut(r).fired_34 = true;
        self.schedule(TimeoutKind::Prevote, out);
        true
    }

    /// Lines 36–43: the proposal and a polka for it in this round, step ≥ prevote, the first time.
    fn rule_36(&mut self, out: &mut Vec<Output>) -> bool {
        if self.step < Step::Prevote {
            return false;
        }
        let r = self.round;
        let Some(rv) = self.keeper.round(r) else { return false };
        if rv.fired_36 {
            return false;
        }
        let Some((value, id)) = rv.proposals.iter().zip(rv.proposal_ids.iter().copied()).find_map(|(p, id)| {
            (self.set.is_quorum(rv.tally(VoteType::Prevote).power_for(Some(id))) && self.valid(&id) == Some(true))
                .then(|| (p.message.value.clone(), id))
        }) else {
            return false;
        };
        self.keeper.round_mut(r).fired_36 = true;
        if self.step == Step::Prevote {
            self.locked = Some((value.clone(), r));
            self.vote(VoteType::Precommit, Some(id), out);
            self.step = Step::Precommit;
        }
        self.valid = Some((value, r));
        true
    }

    /// Lines 44–46: 2f+1 nil prevotes in step prevote.
    fn rule_44(&mut self, out: &mut Vec<Output>) -> bool {
        if self.step != Step::Prevote {
            return false;
        }
        let Some(rv) = self.keeper.round(self.round) else { return false };
        if !self.set.is_quorum(rv.tally(VoteType::Prevote).power_for(None)) {
            return false;
        }
        self.vote(VoteType::Precommit, None, out);
        self.step = Step::Precommit;
        true
    }

    /// Lines 47–48: 2f+1 precommits for anything, the first time, in any step.
    fn rule_47(&mut self, out: &mut Vec<Output>) -> bool {
        let r = self.round;
        let Some(rv) = self.keeper.round(r) else { return false };
        if rv.fired_47 || !self.set.is_quorum(rv.tally(VoteType::Precommit).any()) {
            return false;
        }
        self.keeper.round_mut(r).fired_47 = true;
        self.schedule(TimeoutKind::Precommit, out);
        true
    }

    /// Lines 49–54: the proposal of any round `r` and 2f+1 precommits for it: decide.
    fn rule_49(&mut self, out: &mut Vec<Output>) -> bool {
        // `commit_rounds` is kept sorted; indices, because deciding resets it.
        for i in 0..self.commit_rounds.len() {
            let Some(&r) = self.commit_rounds.get(i) else { break };
            let Some(rv) = self.keeper.round(r) else { continue };
            let Some((p, id)) = rv.proposals.iter().zip(rv.proposal_ids.iter().copied()).find_map(|(p, id)| {
                (self.set.is_quorum(rv.tally(VoteType::Precommit).power_for(Some(id))) && self.valid(&id) == Some(true))
                    .then_some((p, id))
            }) else {
                continue;
            };
            let decision = Decision {
                height: self.height,
                round: r,
                value: p.message.value.clone(),
                value_id: id,
                proposal: p.clone(),
                precommits: rv.votes_for(VoteType::Precommit, Some(id)),
            };
            out.push(Output::Decide(decision));
            self.next_height_start(out);
            return true;
        }
        false
    }

    /// Lines 55–56: f+1 senders in a round past ours: `StartRound(round)`.
    fn rule_55(&mut self, out: &mut Vec<Output>) -> bool {
        match self.skip_round {
            Some(r) if r > self.round => {
                self.start_round(r, out);
                true
            }
            _ => false,
        }
    }

    /// Lines 57–67.
    fn on_timeout(&mut self, t: Timeout, out: &mut Vec<Output>) {
        if t.height != self.height || t.round != self.round {
            return;
        }
        match t.kind {
            // Lines 57–60.
            TimeoutKind::Propose if self.step == Step::Propose => {
                self.vote(VoteType::Prevote, None, out);
                self.step = Step::Prevote;
            }
            // Lines 61–64.
            TimeoutKind::Prevote if self.step == Step::Prevote => {
                self.vote(VoteType::Precommit, None, out);
                self.step = Step::Precommit;
            }
            // Lines 65–67.
            TimeoutKind::Precommit => {
                let next = self.round.saturating_add(1);
                self.start_round(next, out);
            }
            TimeoutKind::Propose | TimeoutKind::Prevote => {}
        }
    }

    /// Line 54's tail: next height, reset, `StartRound(0)`, then the buffered messages.
    fn next_height_start(&mut self, out: &mut Vec<Output>) {
        self.height = self.height.saturating_add(1);
        self.set = self.set.next_height();
        self.locked = None;
        self.valid = None;
        self.keeper = Keeper::new(self.set.len(), quorum_min(self.set.total_power()));
        self.validity.clear();
        self.proposers.clear();
        self.commit_rounds.clear();
        self.skip_round = None;
        self.own.clear();
        self.proposed = None;
        self.start_round(0, out);
        let buffered = std::mem::take(&mut self.next_height);
        for m in buffered {
            // Signatures were checked when buffered; proposals must still come from the proposer.
            if let Message::Proposal(p) = &m {
                let Some(index) = self.set.index_of(&p.signer) else { continue };
                if self.proposer(p.message.round) != index {
                    continue;
                }
            }
            if m.round() <= self.round.saturating_add(MAX_ROUNDS_AHEAD) {
                let _ = self.count(&m, out);
            }
        }
    }

    /// The proof of `validValue`: its proposal and the prevotes for it in `validRound` (the
    /// node layer re-gossips it, so that a later re-proposal with that valid round can be
    /// accepted by rule 28 everywhere, as the paper's gossip assumption requires).
    pub fn valid_polka(&self) -> Vec<Message> {
        let Some((value, vr)) = &self.valid else { return Vec::new() };
        let id = value_id(value);
        let mut messages: Vec<Message> = self
            .proposals(*vr)
            .iter()
            .filter(|p| p.message.id() == id)
            .take(1)
            .map(|p| Message::Proposal(p.clone()))
            .collect();
        if let Some(rv) = self.keeper.round(*vr) {
            messages.extend(rv.votes_for(VoteType::Prevote, Some(id)).into_iter().map(Message::Vote));
        }
        messages
    }
}
