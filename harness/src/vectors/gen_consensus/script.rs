//! A Tendermint case written as a script: the validator set, the node, and the inputs an
//! environment feeds it (signed by the other validators' keys), with expectations about what the
//! node must do, written from the paper (Buchman, Kwon and Milosevic, arXiv 1807.04938) apart
//! from the reference. The generator's scripted cases and the Gherkin scenarios both build
//! scripts; a case whose expectations the reference does not meet is refused, so a reference
//! bug cannot become a vector silently.
//!
//! An expectation is about a *block*: the inputs added since the previous expectation that was
//! followed by an input. So `prevote, prevote, expect(precommit), expect(locked)` checks that one
//! of the two prevotes made the node precommit, and that it was locked after the second.

use std::fmt;

use consensus::{Keypair, ValidatorSet, value_id};
use primitives::Hash32;

use crate::case::consensus::{
    AddressHex, AppSpec, AppValue, Empty, InputSpec, MaybeId, NodeSpec, OptRound, OutputSpec, ProposalSpec,
    ProposeValueSpec, StateSpec, StepCode, StepPost, TendermintConfig, TendermintErrorCode, TendermintPost,
    TimeoutKindCode, TimeoutSpec, TimeoutsSpec, ValidatedSpec, ValidationMode, ValidatorKey, VoteSpec, VoteTypeCode,
};
use crate::case::{CaseError, HashHex, Hex, Uint, Uint32};

/// The seed of the keys of scripted cases and scenarios (`Keypair::derive(KEY_SEED, i)` is
/// validator `i`'s key).
pub const KEY_SEED: u64 = 1;

/// The index `Keypair::derive` gets for a key outside every scripted set.
pub const OUTSIDER: u64 = 1_000_000;

/// What the node must (or must not) have output.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Pat {
    /// The node broadcasts its proposal of `value` in `round` with this valid round.
    Proposal {
        /// The height, or any.
        height: Option<u64>,
        /// The round.
        round: u32,
        /// The value's bytes.
        value: Vec<u8>,
        /// The valid round (`None` is −1).
        valid_round: Option<u32>,
    },
    /// The node broadcasts a proposal (any).
    AnyProposal,
    /// The node broadcasts a vote of this type for `value` (`None` is nil) in `round`.
    Vote {
        /// Prevote or precommit.
        vote_type: VoteTypeCode,
        /// The height, or any.
        height: Option<u64>,
        /// The round.
        round: u32,
        /// The value id, or nil.
        value: Option<Hash32>,
    },
    /// The node broadcasts a vote of this type (any type when `None`), for anything.
    AnyVote(Option<VoteTypeCode>),
    /// The node schedules a timeout.
    Timeout {
        /// Which.
        kind: TimeoutKindCode,
        /// The height, or any.
        height: Option<u64>,
        /// The round.
        round: u32,
        /// Its duration, or any.
        duration_ms: Option<u64>,
    },
    /// The node decides `value` in `round`.
    Decide {
        /// The height, or any.
        height: Option<u64>,
        /// The round.
        round: u32,
        /// The value id.
        value: Hash32,
    },
    /// The node decides anything.
    AnyDecide,
    /// The node reports evidence of this kind against this signer.
    Evidence {
        /// `duplicate_vote` or `duplicate_proposal`.
        kind: &'static str,
        /// The equivocating validator.
        signer: AddressHex,
    },
    /// The node reports evidence (any).
    AnyEvidence,
    /// Pipelined `getValue()` for `round`.
    GetValue {
        /// The height, or any.
        height: Option<u64>,
        /// The round.
        round: u32,
    },
    /// Pipelined `valid(v)` for the value with this id.
    Validate(Hash32),
}

/// A claim about the node's state variables.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StateCheck {
    /// `h_p`.
    Height(u64),
    /// `round_p`.
    Round(u32),
    /// `step_p`.
    Step(StepCode),
    /// `lockedValue` and `lockedRound` (`None`: nil and −1).
    Locked(Option<(Hash32, u32)>),
    /// `validValue` and `validRound` (`None`: nil and −1).
    Valid(Option<(Hash32, u32)>),
}

/// One expectation of a script.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Expectation {
    /// Some output of inputs `from..to` matches `pat` (`present`), or none does.
    Has {
        /// The first input of the block.
        from: usize,
        /// One past the last.
        to: usize,
        /// The output.
        pat: Pat,
        /// Whether it must be there or must not.
        present: bool,
    },
    /// Inputs `from..to` were all accepted and produced no output.
    Nothing {
        /// The first input of the block.
        from: usize,
        /// One past the last.
        to: usize,
    },
    /// Input `at` was rejected with `code`.
    Rejected {
        /// The input.
        at: usize,
        /// The error.
        code: TendermintErrorCode,
    },
    /// Inputs `from..to` were all accepted.
    Accepted {
        /// The first input of the block.
        from: usize,
        /// One past the last.
        to: usize,
    },
    /// After the first `at` inputs, the state is so.
    State {
        /// How many inputs had been fed.
        at: usize,
        /// The claim.
        check: StateCheck,
    },
}

fn short(h: &Hash32) -> String {
    let text = h.to_string();
    text.get(..10).map_or(text.clone(), |s| format!("{s}…"))
}

fn value_name(v: &Option<Hash32>) -> String {
    v.as_ref().map_or("nil".to_owned(), short)
}

fn at_height(h: &Option<u64>) -> String {
    h.map(|h| format!(" at height {h}")).unwrap_or_default()
}

impl fmt::Display for Pat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pat::Proposal { height, round, value, valid_round } => write!(
                f,
                "a proposal of 0x{} in round {round}{} with valid round {}",
                hex::encode(value),
                at_height(height),
                OptRound(*valid_round)
            ),
            Pat::AnyProposal => write!(f, "a proposal"),
            Pat::Vote { vote_type, height, round, value } => {
                write!(f, "a {} for {} in round {round}{}", vote_type.name(), value_name(value), at_height(height))
            }
            Pat::AnyVote(None) => write!(f, "a vote"),
            Pat::AnyVote(Some(t)) => write!(f, "a {}", t.name()),
            Pat::Timeout { kind, height, round, duration_ms } => {
                write!(f, "the {} timeout of round {round}{}", kind.name(), at_height(height))?;
                match duration_ms {
                    Some(ms) => write!(f, " for {ms} ms"),
                    None => Ok(()),
                }
            }
            Pat::Decide { height, round, value } => {
                write!(f, "a decision of {} in round {round}{}", short(value), at_height(height))
            }
            Pat::AnyDecide => write!(f, "a decision"),
            Pat::Evidence { kind, signer } => write!(f, "{kind} evidence against {signer}"),
            Pat::AnyEvidence => write!(f, "evidence"),
            Pat::GetValue { height, round } => write!(f, "get_value for round {round}{}", at_height(height)),
            Pat::Validate(id) => write!(f, "validate of {}", short(id)),
        }
    }
}

impl Pat {
    /// Whether `output`, by a node with address `node`, matches.
    pub fn matches(&self, output: &OutputSpec, node: AddressHex) -> bool {
        let height_ok = |want: &Option<u64>, got: Uint| want.is_none_or(|h| h == got.0);
        match (self, output) {
            (Pat::Proposal { height, round, value, valid_round }, OutputSpec::Proposal(p)) => {
                p.signer == node
                    && height_ok(height, p.height)
                    && p.round.0 == *round
                    && p.value.0 == *value
                    && p.valid_round.0 == *valid_round
            }
            (Pat::AnyProposal, OutputSpec::Proposal(p)) => p.signer == node,
            (Pat::Vote { vote_type, height, round, value }, OutputSpec::Vote(v)) => {
                v.signer == node
                    && v.vote_type == *vote_type
                    && height_ok(height, v.height)
                    && v.round.0 == *round
                    && v.value.0 == *value
            }
            (Pat::AnyVote(t), OutputSpec::Vote(v)) => v.signer == node && t.is_none_or(|t| t == v.vote_type),
            (Pat::Timeout { kind, height, round, duration_ms }, OutputSpec::ScheduleTimeout(s)) => {
                s.kind == *kind
                    && height_ok(height, s.height)
                    && s.round.0 == *round
                    && duration_ms.is_none_or(|ms| ms == s.duration_ms.0)
            }
            (Pat::Decide { height, round, value }, OutputSpec::Decide(d)) => {
                height_ok(height, d.height) && d.round.0 == *round && d.value_id.0 == *value
            }
            (Pat::AnyDecide, OutputSpec::Decide(_)) => true,
            (Pat::Evidence { kind, signer }, OutputSpec::Evidence(e)) => e.kind() == *kind && e.signer() == *signer,
            (Pat::AnyEvidence, OutputSpec::Evidence(_)) => true,
            (Pat::GetValue { height, round }, OutputSpec::GetValue(g)) => {
                height_ok(height, g.height) && g.round.0 == *round
            }
            (Pat::Validate(id), OutputSpec::Validate(v)) => value_id(&v.value.0) == *id,
            _ => false,
        }
    }
}

impl fmt::Display for StateCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pair = |p: &Option<(Hash32, u32)>| match p {
            None => "nil (round -1)".to_owned(),
            Some((id, r)) => format!("{} from round {r}", short(id)),
        };
        match self {
            StateCheck::Height(h) => write!(f, "height {h}"),
            StateCheck::Round(r) => write!(f, "round {r}"),
            StateCheck::Step(s) => write!(f, "step {}", s.name()),
            StateCheck::Locked(p) => write!(f, "locked on {}", pair(p)),
            StateCheck::Valid(p) => write!(f, "valid value {}", pair(p)),
        }
    }
}

impl StateCheck {
    /// Whether `state` satisfies the claim.
    pub fn holds(&self, state: &StateSpec) -> bool {
        let pair = |value: MaybeId, round: OptRound| match (value.0, round.0) {
            (Some(id), Some(r)) => Some(Some((id, r))),
            (None, None) => Some(None),
            _ => None,
        };
        match self {
            StateCheck::Height(h) => state.height.0 == *h,
            StateCheck::Round(r) => state.round.0 == *r,
            StateCheck::Step(s) => state.step == *s,
            StateCheck::Locked(p) => pair(state.locked_value, state.locked_round) == Some(*p),
            StateCheck::Valid(p) => pair(state.valid_value, state.valid_round) == Some(*p),
        }
    }
}

fn describe_state(s: &StateSpec) -> String {
    format!(
        "height {} round {} step {}, locked {} ({}), valid {} ({})",
        s.height,
        s.round,
        s.step.name(),
        s.locked_value,
        s.locked_round,
        s.valid_value,
        s.valid_round
    )
}

fn describe_step(step: Option<&StepPost>) -> String {
    match step {
        None => "no such input".to_owned(),
        Some(StepPost::Error(code)) => format!("rejected as {}", code.name()),
        Some(StepPost::Outputs(outputs)) if outputs.is_empty() => "no output".to_owned(),
        Some(StepPost::Outputs(outputs)) => outputs.iter().map(|o| o.key()).collect::<Vec<_>>().join(", "),
    }
}

impl Expectation {
    /// Checks the expectation against a node's result for `config`. `state_at(n)` is the
    /// state after the first `n` inputs (only asked for `n` below the number of inputs: the
    /// state after all of them is `post.state`).
    pub fn check(
        &self,
        config: &TendermintConfig,
        post: &TendermintPost,
        state_at: &dyn Fn(usize) -> Result<StateSpec, String>,
    ) -> Result<(), String> {
        let node = AddressHex::of(Keypair::from_secret(config.node.secret_key.0).address());
        let block = |from: usize, to: usize| -> Result<&[StepPost], String> {
            post.steps.get(from..to).ok_or_else(|| format!("inputs {from}..{to} are not all in the result"))
        };
        let outputs = |steps: &[StepPost]| -> Vec<OutputSpec> {
            steps
                .iter()
                .flat_map(|s| match s {
                    StepPost::Outputs(o) => o.clone(),
                    StepPost::Error(_) => Vec::new(),
                })
                .collect()
        };
        let shown = |from: usize, steps: &[StepPost]| -> String {
            steps
                .iter()
                .enumerate()
                .map(|(i, s)| format!("input {}: {}", from + i, describe_step(Some(s))))
                .collect::<Vec<_>>()
                .join("; ")
        };
        match self {
            Expectation::Has { from, to, pat, present } => {
                let steps = block(*from, *to)?;
                let found = outputs(steps).iter().any(|o| pat.matches(o, node));
                if found != *present {
                    let how = if *present { "expected" } else { "did not expect" };
                    return Err(format!("{how} {pat} from inputs {from}..{to}, got {}", shown(*from, steps)));
                }
            }
            Expectation::Nothing { from, to } => {
                let steps = block(*from, *to)?;
                if steps.iter().any(|s| *s != StepPost::Outputs(Vec::new())) {
                    return Err(format!(
                        "expected inputs {from}..{to} to be accepted without output, got {}",
                        shown(*from, steps)
                    ));
                }
            }
            Expectation::Accepted { from, to } => {
                let steps = block(*from, *to)?;
                if steps.iter().any(|s| matches!(s, StepPost::Error(_))) {
                    return Err(format!("expected inputs {from}..{to} to be accepted, got {}", shown(*from, steps)));
                }
            }
            Expectation::Rejected { at, code } => {
                let step = post.steps.get(*at);
                if step != Some(&StepPost::Error(*code)) {
                    return Err(format!(
                        "expected input {at} to be rejected as {}, got {}",
                        code.name(),
                        describe_step(step)
                    ));
                }
            }
            Expectation::State { at, check } => {
                let state = if *at == config.inputs.len() { post.state } else { state_at(*at)? };
                if !check.holds(&state) {
                    return Err(format!(
                        "expected {check} after input {}, got {}",
                        at.wrapping_sub(1),
                        describe_state(&state)
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A Tendermint case being written.
#[derive(Clone, Debug)]
pub struct Script {
    keys: Vec<Keypair>,
    powers: Vec<u64>,
    /// Validators known only by a public key (no usable secret: small-order keys), after `keys`.
    raw: Vec<([u8; 32], u64)>,
    node: Keypair,
    /// The height the node starts at.
    pub height: u64,
    /// The timeouts.
    pub timeouts: TimeoutsSpec,
    /// Callback or pipelined.
    pub validation: ValidationMode,
    /// The scripted application (used in callback mode).
    pub app: AppSpec,
    /// The inputs so far.
    pub inputs: Vec<InputSpec>,
    /// The expectations so far.
    pub expectations: Vec<Expectation>,
    block_start: usize,
    last_was_expectation: bool,
}

/// The timeouts of CometBFT's defaults: propose 3000 + 500·r ms, prevote and precommit
/// 1000 + 500·r ms.
pub fn default_timeouts() -> TimeoutsSpec {
    TimeoutsSpec::of(&consensus::TimeoutConfig::default())
}

fn invalid(what: String) -> CaseError {
    CaseError::Invalid(what)
}

impl Script {
    /// `powers.len()` validators with keys `Keypair::derive(key_seed, i)` and these powers; the
    /// node is validator 0 until [`Script::set_node`] says otherwise; height 1, CometBFT's
    /// default timeouts, callback validation with an application that proposes the default
    /// value everywhere and finds everything valid.
    pub fn new(key_seed: u64, powers: &[u64]) -> Script {
        let keys: Vec<Keypair> = (0..powers.len() as u64).map(|i| Keypair::derive(key_seed, i)).collect();
        let node = keys.first().cloned().unwrap_or_else(|| Keypair::derive(key_seed, OUTSIDER));
        Script {
            keys,
            powers: powers.to_vec(),
            raw: Vec::new(),
            node,
            height: 1,
            timeouts: default_timeouts(),
            validation: ValidationMode::Callback,
            app: AppSpec::default(),
            inputs: Vec::new(),
            expectations: Vec::new(),
            block_start: 0,
            last_was_expectation: false,
        }
    }

    /// Adds a validator known only by its public key (after the others in config order; it
    /// cannot sign, and must not be the proposer of a round the script uses). Returns its
    /// address.
    pub fn add_raw_validator(&mut self, public_key: [u8; 32], power: u64) -> AddressHex {
        self.raw.push((public_key, power));
        AddressHex::of(consensus::Address::from_public_key(&public_key))
    }

    /// How many validators (not counting those added by [`Script::add_raw_validator`]).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Validator `who`'s key.
    pub fn key(&self, who: usize) -> Result<&Keypair, CaseError> {
        self.keys
            .get(who)
            .ok_or_else(|| invalid(format!("there is no validator {who} (there are {})", self.keys.len())))
    }

    /// Validator `who`'s address.
    pub fn address(&self, who: usize) -> Result<AddressHex, CaseError> {
        Ok(AddressHex::of(self.key(who)?.address()))
    }

    /// The first peer (in config order) other than validator `who`; `who` if there is none.
    pub fn peer_other_than(&self, who: usize) -> usize {
        self.peers().into_iter().find(|&p| p != who).unwrap_or(who)
    }

    /// The node's key.
    pub fn node_key(&self) -> &Keypair {
        &self.node
    }

    /// The node's address.
    pub fn node_address(&self) -> AddressHex {
        AddressHex::of(self.node.address())
    }

    /// Makes validator `who` the node.
    pub fn set_node(&mut self, who: usize) -> Result<(), CaseError> {
        self.node = self.key(who)?.clone();
        Ok(())
    }

    /// Makes the node a key outside the set: an observer.
    pub fn set_observer(&mut self, key: Keypair) {
        self.node = key;
    }

    /// The node's index in the set, if it is a validator.
    pub fn node_index(&self) -> Option<usize> {
        self.keys.iter().position(|k| k.address() == self.node.address())
    }

    /// The validators other than the node, in config order.
    pub fn peers(&self) -> Vec<usize> {
        let node = self.node_index();
        (0..self.keys.len()).filter(|&i| Some(i) != node).collect()
    }

    /// Peer `k` (from 1): the `k`-th validator other than the node.
    pub fn peer(&self, k: usize) -> Result<usize, CaseError> {
        k.checked_sub(1)
            .and_then(|i| self.peers().get(i).copied())
            .ok_or_else(|| invalid(format!("there is no peer {k}: the node has {} peers", self.peers().len())))
    }

    /// The validator set of the initial height.
    pub fn validator_set(&self) -> Result<ValidatorSet, CaseError> {
        let members: Vec<([u8; 32], u64)> = self
            .keys
            .iter()
            .zip(&self.powers)
            .map(|(k, p)| (k.public_key(), *p))
            .chain(self.raw.iter().copied())
            .collect();
        ValidatorSet::new(&members).map_err(|e| invalid(format!("the validators: {e}")))
    }

    /// The validator (config index) that proposes in `round` at `height` (the set of the
    /// initial height, advanced once per height: `consensus.md` §3).
    pub fn proposer(&self, height: u64, round: u32) -> Result<usize, CaseError> {
        if height < self.height {
            return Err(invalid(format!("height {height} is below the node's first height {}", self.height)));
        }
        let mut set = self.validator_set()?;
        for _ in self.height..height {
            set = set.next_height();
        }
        let index = set.proposer_at(round);
        let address = set.validators().get(index).map(|v| v.address);
        self.keys
            .iter()
            .position(|k| Some(k.address()) == address)
            .ok_or_else(|| invalid(format!("the proposer of height {height} round {round} is not in the set")))
    }

    /// Makes the node the proposer of `round` at the initial height.
    pub fn node_proposing(&mut self, round: u32) -> Result<(), CaseError> {
        let who = self.proposer(self.height, round)?;
        self.set_node(who)
    }

    /// Makes the node the first validator (in config order) that proposes in none of
    /// `rounds` at the initial height, and satisfies `also`.
    pub fn node_not_proposing(
        &mut self,
        rounds: &[u32],
        also: impl Fn(&Script, usize) -> Result<bool, CaseError>,
    ) -> Result<(), CaseError> {
        let mut proposers = Vec::new();
        for &r in rounds {
            proposers.push(self.proposer(self.height, r)?);
        }
        for who in 0..self.keys.len() {
            if !proposers.contains(&who) && also(self, who)? {
                return self.set_node(who);
            }
        }
        Err(invalid(format!("every validator proposes in one of the rounds {rounds:?}")))
    }

    /// The configuration the script describes.
    pub fn config(&self) -> TendermintConfig {
        TendermintConfig {
            validators: self
                .keys
                .iter()
                .zip(&self.powers)
                .map(|(k, p)| (k.public_key(), *p))
                .chain(self.raw.iter().copied())
                .map(|(k, p)| ValidatorKey { public_key: crate::case::consensus::Bytes(k), power: Uint(p) })
                .collect(),
            node: NodeSpec { secret_key: crate::case::consensus::Bytes(self.node.secret()) },
            height: Uint(self.height),
            timeouts: self.timeouts,
            validation: self.validation,
            app: (self.validation == ValidationMode::Callback).then(|| self.app.clone()),
            inputs: self.inputs.clone(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // the application

    /// `getValue(height, round)` is `value`.
    pub fn app_value(&mut self, height: u64, round: u32, value: &[u8]) {
        self.app.values.retain(|v| (v.height.0, v.round.0) != (height, round));
        self.app.values.push(AppValue { height: Uint(height), round: Uint32(round), value: Hex(value.to_vec()) });
    }

    /// `valid(value)` is false.
    pub fn app_rejects(&mut self, value: &[u8]) {
        let id = HashHex(value_id(value));
        if !self.app.invalid.contains(&id) {
            self.app.invalid.push(id);
        }
    }

    // -----------------------------------------------------------------------------------------
    // inputs

    /// Adds an input as it is.
    pub fn push(&mut self, input: InputSpec) {
        if self.last_was_expectation {
            self.block_start = self.inputs.len();
            self.last_was_expectation = false;
        }
        self.inputs.push(input);
    }

    /// Adds an input the node must reject with `code`.
    pub fn push_rejected(&mut self, input: InputSpec, code: TendermintErrorCode) {
        self.push(input);
        self.expect_error(code);
    }

    /// `start`.
    pub fn start(&mut self) {
        self.push(InputSpec::Start(Empty {}));
    }

    /// A proposal signed with `key`.
    pub fn signed_proposal(
        key: &Keypair,
        height: u64,
        round: u32,
        value: &[u8],
        valid_round: Option<u32>,
    ) -> ProposalSpec {
        let signed = key.sign_proposal(consensus::Proposal { height, round, value: value.into(), valid_round });
        ProposalSpec::of(&signed)
    }

    /// A vote signed with `key`.
    pub fn signed_vote(
        key: &Keypair,
        vote_type: VoteTypeCode,
        height: u64,
        round: u32,
        value: Option<Hash32>,
    ) -> VoteSpec {
        let signed = key.sign_vote(consensus::Vote { vote_type: vote_type.vote_type(), height, round, value });
        VoteSpec::of(&signed)
    }

    /// Validator `who` proposes `value` in `round` at `height`.
    pub fn propose(
        &mut self,
        who: usize,
        height: u64,
        round: u32,
        value: &[u8],
        valid_round: Option<u32>,
    ) -> Result<ProposalSpec, CaseError> {
        let p = Script::signed_proposal(self.key(who)?, height, round, value, valid_round);
        self.push(InputSpec::Proposal(p.clone()));
        Ok(p)
    }

    /// The proposer of `round` at `height` proposes `value`.
    pub fn proposer_proposes(
        &mut self,
        height: u64,
        round: u32,
        value: &[u8],
        valid_round: Option<u32>,
    ) -> Result<ProposalSpec, CaseError> {
        let who = self.proposer(height, round)?;
        if Some(who) == self.node_index() {
            return Err(invalid(format!(
                "the node itself is the proposer of height {height} round {round}; it proposes on its own"
            )));
        }
        self.propose(who, height, round, value, valid_round)
    }

    /// Validator `who` votes for `value` (nil when `None`).
    pub fn vote(
        &mut self,
        who: usize,
        vote_type: VoteTypeCode,
        height: u64,
        round: u32,
        value: Option<&[u8]>,
    ) -> Result<VoteSpec, CaseError> {
        let v = Script::signed_vote(self.key(who)?, vote_type, height, round, value.map(value_id));
        self.push(InputSpec::Vote(v));
        Ok(v)
    }

    /// Validator `who` prevotes for `value` (nil when `None`).
    pub fn prevote(&mut self, who: usize, height: u64, round: u32, value: Option<&[u8]>) -> Result<(), CaseError> {
        self.vote(who, VoteTypeCode::Prevote, height, round, value).map(|_| ())
    }

    /// Validator `who` precommits `value` (nil when `None`).
    pub fn precommit(&mut self, who: usize, height: u64, round: u32, value: Option<&[u8]>) -> Result<(), CaseError> {
        self.vote(who, VoteTypeCode::Precommit, height, round, value).map(|_| ())
    }

    /// Each of `who` prevotes for `value` (nil when `None`).
    pub fn prevotes(&mut self, who: &[usize], height: u64, round: u32, value: Option<&[u8]>) -> Result<(), CaseError> {
        self.votes(who, VoteTypeCode::Prevote, height, round, value)
    }

    /// Each of `who` precommits `value` (nil when `None`).
    pub fn precommits(
        &mut self,
        who: &[usize],
        height: u64,
        round: u32,
        value: Option<&[u8]>,
    ) -> Result<(), CaseError> {
        self.votes(who, VoteTypeCode::Precommit, height, round, value)
    }

    /// Each of `who` votes.
    pub fn votes(
        &mut self,
        who: &[usize],
        vote_type: VoteTypeCode,
        height: u64,
        round: u32,
        value: Option<&[u8]>,
    ) -> Result<(), CaseError> {
        for &w in who {
            self.vote(w, vote_type, height, round, value)?;
        }
        Ok(())
    }

    /// A timeout the node scheduled expires.
    pub fn timeout(&mut self, kind: TimeoutKindCode, height: u64, round: u32) {
        self.push(InputSpec::Timeout(TimeoutSpec { kind, height: Uint(height), round: Uint32(round) }));
    }

    /// The environment answers `get_value`.
    pub fn propose_value(&mut self, height: u64, round: u32, value: &[u8]) {
        self.push(InputSpec::ProposeValue(ProposeValueSpec {
            height: Uint(height),
            round: Uint32(round),
            value: Hex(value.to_vec()),
        }));
    }

    /// The environment answers `validate`.
    pub fn validated(&mut self, height: u64, value: &[u8], valid: bool) {
        self.push(InputSpec::Validated(ValidatedSpec {
            height: Uint(height),
            value_id: HashHex(value_id(value)),
            valid: crate::case::consensus::Flag(valid),
        }));
    }

    // -----------------------------------------------------------------------------------------
    // expectations

    fn expect_raw(&mut self, expectation: Expectation) {
        self.expectations.push(expectation);
        self.last_was_expectation = true;
    }

    fn block(&self) -> (usize, usize) {
        (self.block_start, self.inputs.len())
    }

    /// The block's outputs include one matching `pat`.
    pub fn expect(&mut self, pat: Pat) {
        let (from, to) = self.block();
        self.expect_raw(Expectation::Has { from, to, pat, present: true });
    }

    /// No output of the block matches `pat`.
    pub fn expect_not(&mut self, pat: Pat) {
        let (from, to) = self.block();
        self.expect_raw(Expectation::Has { from, to, pat, present: false });
    }

    /// The block's inputs are accepted and produce no output.
    pub fn expect_nothing(&mut self) {
        let (from, to) = self.block();
        self.expect_raw(Expectation::Nothing { from, to });
    }

    /// The block's inputs are accepted.
    pub fn expect_accepted(&mut self) {
        let (from, to) = self.block();
        self.expect_raw(Expectation::Accepted { from, to });
    }

    /// The last input is rejected with `code`.
    pub fn expect_error(&mut self, code: TendermintErrorCode) {
        let at = self.inputs.len().saturating_sub(1);
        self.expect_raw(Expectation::Rejected { at, code });
    }

    /// The state after the inputs so far.
    pub fn expect_state(&mut self, check: StateCheck) {
        let at = self.inputs.len();
        self.expect_raw(Expectation::State { at, check });
    }

    /// Checks every expectation against a result for this script's configuration.
    pub fn check(
        &self,
        config: &TendermintConfig,
        post: &TendermintPost,
        state_at: &dyn Fn(usize) -> Result<StateSpec, String>,
    ) -> Result<(), String> {
        for expectation in &self.expectations {
            expectation.check(config, post, state_at)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// patterns, briefly

/// The node's prevote for `value` (nil when `None`) in `round` at `height`.
pub fn prevote(height: u64, round: u32, value: Option<&[u8]>) -> Pat {
    Pat::Vote { vote_type: VoteTypeCode::Prevote, height: Some(height), round, value: value.map(value_id) }
}

/// The node's precommit for `value` (nil when `None`) in `round` at `height`.
pub fn precommit(height: u64, round: u32, value: Option<&[u8]>) -> Pat {
    Pat::Vote { vote_type: VoteTypeCode::Precommit, height: Some(height), round, value: value.map(value_id) }
}

/// The node's proposal.
pub fn proposal(height: u64, round: u32, value: &[u8], valid_round: Option<u32>) -> Pat {
    Pat::Proposal { height: Some(height), round, value: value.to_vec(), valid_round }
}

/// A scheduled timeout with its duration.
pub fn timeout(kind: TimeoutKindCode, height: u64, round: u32, duration_ms: u64) -> Pat {
    Pat::Timeout { kind, height: Some(height), round, duration_ms: Some(duration_ms) }
}

/// A decision.
pub fn decide(height: u64, round: u32, value: &[u8]) -> Pat {
    Pat::Decide { height: Some(height), round, value: value_id(value) }
}

/// `lockedValue = value` and `lockedRound = round`.
pub fn locked(value: &[u8], round: u32) -> StateCheck {
    StateCheck::Locked(Some((value_id(value), round)))
}

/// `validValue = value` and `validRound = round`.
pub fn valid(value: &[u8], round: u32) -> StateCheck {
    StateCheck::Valid(Some((value_id(value), round)))
}
