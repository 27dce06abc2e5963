//! The reference answering consensus cases (`docs/spec/vectors.md` §8) with the `consensus`
//! crate: a Tendermint node fed a case's inputs one by one, CometBFT's proposer rotation, and
//! evidence verification.

use std::sync::Arc;

use consensus::{
    Application, Config, DirectVerifier, Input, Keypair, Output, Tendermint, Timeout, Validation, WeightedRoundRobin,
};

use super::RefusedRequest;
use crate::case::consensus::{
    AddressHex, AppSpec, ConsensusRequest, ConsensusResult, ConsensusResultOf, ConsensusVector, DecideSpec, Empty,
    EvidenceConfig, EvidenceErrorCode, EvidencePost, EvidenceRejected, EvidenceSpec, GetValueSpec, InputSpec,
    OutputSpec, ProposalSpec, ProposerConfig, ProposerPost, RotationSpec, ScheduleSpec, StateSpec, StepPost,
    TendermintConfig, TendermintErrorCode, TendermintPost, TimeoutKindCode, ValidateSpec, ValidationMode, VoteSpec,
};
use crate::case::{CaseError, HashHex, Hex, Int, Uint, Uint32};

/// Runs a consensus request, after checking its configuration (CP-3.5).
pub fn run(request: &ConsensusRequest) -> Result<ConsensusResult, RefusedRequest> {
    if request.suite() != "consensus" {
        return Err(RefusedRequest(format!("suite `{}` is not `consensus`", request.suite())));
    }
    request.check().map_err(refuse)?;
    Ok(match request {
        ConsensusRequest::Tendermint(r) => {
            ConsensusResult::Tendermint(ConsensusResultOf { post: tendermint(&r.config)? })
        }
        ConsensusRequest::Proposer(r) => ConsensusResult::Proposer(ConsensusResultOf { post: proposer(&r.config)? }),
        ConsensusRequest::Evidence(r) => ConsensusResult::Evidence(ConsensusResultOf { post: evidence(&r.config)? }),
    })
}

/// Runs a (parsed, hence checked) consensus vector's configuration.
pub fn run_vector(vector: &ConsensusVector) -> Result<ConsensusResult, RefusedRequest> {
    Ok(match vector {
        ConsensusVector::Tendermint(v) => {
            ConsensusResult::Tendermint(ConsensusResultOf { post: tendermint(&v.config)? })
        }
        ConsensusVector::Proposer(v) => ConsensusResult::Proposer(ConsensusResultOf { post: proposer(&v.config)? }),
        ConsensusVector::Evidence(v) => ConsensusResult::Evidence(ConsensusResultOf { post: evidence(&v.config)? }),
    })
}

fn refuse(e: CaseError) -> RefusedRequest {
    RefusedRequest(e.to_string())
}

/// The scripted application of a `callback` case.
#[derive(Debug)]
struct ScriptedApp(AppSpec);

impl Application for ScriptedApp {
    fn value(&self, height: u64, round: u32) -> consensus::Value {
        self.0.value(height, round).into()
    }

    fn validate(&self, _height: u64, value: &[u8]) -> bool {
        self.0.valid(value)
    }
}

/// One Tendermint node, fed a case's inputs one at a time (the generators drive it too, to
/// choose their next input from what the node has done so far).
#[derive(Debug)]
pub struct Node {
    machine: Tendermint,
}

impl Node {
    /// The node a configuration describes, before any input.
    pub fn new(config: &TendermintConfig) -> Result<Node, RefusedRequest> {
        config.check().map_err(refuse)?;
        let set = config.validator_set().map_err(refuse)?;
        let validation = match (config.validation, &config.app) {
            (ValidationMode::Callback, Some(app)) => Validation::Callback(Arc::new(ScriptedApp(app.clone()))),
            (ValidationMode::Pipelined, None) => Validation::Pipelined,
            _ => return Err(RefusedRequest("config.app is present exactly in callback mode".to_owned())),
        };
        let machine = Tendermint::new(
            Config { timeouts: config.timeouts.config(), validation, deviation: None },
            set,
            Keypair::from_secret(config.node.secret_key.0),
            config.height.0,
            Arc::new(DirectVerifier),
        );
        Ok(Node { machine })
    }

    /// Feeds one input: the outputs it produced, or the error that rejected it.
    pub fn feed(&mut self, input: &InputSpec) -> Result<StepPost, RefusedRequest> {
        let input = match input {
            InputSpec::Start(Empty {}) => Input::Start,
            InputSpec::Proposal(p) => Input::Proposal(p.signed()),
            InputSpec::Vote(v) => Input::Vote(v.signed()),
            InputSpec::Timeout(t) => {
                Input::Timeout(Timeout { kind: t.kind.kind(), height: t.height.0, round: t.round.0 })
            }
            InputSpec::ProposeValue(p) => {
                Input::ProposeValue { height: p.height.0, round: p.round.0, value: p.value.0.as_slice().into() }
            }
            InputSpec::Validated(v) => {
                Input::Validated { height: v.height.0, value_id: v.value_id.0, valid: v.valid.0 }
            }
        };
        let mut out = Vec::new();
        match self.machine.handle(input, &mut out) {
            Ok(()) => Ok(StepPost::Outputs(out.iter().map(output_spec).collect())),
            // consensus.md: a rejected input changes nothing, so it cannot have produced output.
            Err(e) if out.is_empty() => Ok(StepPost::Error(TendermintErrorCode::of(&e))),
            Err(e) => Err(RefusedRequest(format!(
                "internal error: the node rejected an input ({e}) after producing {} outputs",
                out.len()
            ))),
        }
    }

    /// The paper's state variables now.
    pub fn state(&self) -> StateSpec {
        StateSpec::of(&self.machine.state())
    }

    /// The node's machine (for the generators: proposers, the validator set).
    pub fn machine(&mut self) -> &mut Tendermint {
        &mut self.machine
    }
}

/// What the node does with every input of `config`, and its final state.
pub fn tendermint(config: &TendermintConfig) -> Result<TendermintPost, RefusedRequest> {
    let mut node = Node::new(config)?;
    let steps = config.inputs.iter().map(|input| node.feed(input)).collect::<Result<Vec<_>, _>>()?;
    Ok(TendermintPost { steps, state: node.state() })
}

/// An output as a vector writes it.
pub fn output_spec(output: &Output) -> OutputSpec {
    match output {
        Output::Broadcast(consensus::Message::Proposal(p)) => OutputSpec::Proposal(ProposalSpec::of(p)),
        Output::Broadcast(consensus::Message::Vote(v)) => OutputSpec::Vote(VoteSpec::of(v)),
        Output::ScheduleTimeout { timeout, duration_ms } => OutputSpec::ScheduleTimeout(ScheduleSpec {
            kind: TimeoutKindCode::of(timeout.kind),
            height: Uint(timeout.height),
            round: Uint32(timeout.round),
            duration_ms: Uint(*duration_ms),
        }),
        Output::GetValue { height, round } => {
            OutputSpec::GetValue(GetValueSpec { height: Uint(*height), round: Uint32(*round) })
        }
        Output::Validate { height, round, value } => OutputSpec::Validate(ValidateSpec {
            height: Uint(*height),
            round: Uint32(*round),
            value: Hex(value.to_vec()),
        }),
        Output::Decide(decision) => {
            let mut signers: Vec<AddressHex> = decision.precommits.iter().map(|v| AddressHex::of(v.signer)).collect();
            signers.sort();
            signers.dedup();
            OutputSpec::Decide(DecideSpec {
                height: Uint(decision.height),
                round: Uint32(decision.round),
                value_id: HashHex(consensus::value_id(&decision.value)),
                signers,
            })
        }
        Output::Evidence(evidence) => OutputSpec::Evidence(EvidenceSpec::of(evidence)),
    }
}

/// The rotation's proposer and every member's priority, in the order of `members`.
fn rotation_spec(rotation: &WeightedRoundRobin, members: &[(consensus::Address, u64)]) -> RotationSpec {
    let entries = rotation.entries();
    let proposer = entries.get(rotation.proposer()).map(|e| e.address).unwrap_or(consensus::Address([0; 20]));
    let priorities = members
        .iter()
        .map(|(address, _)| Int(entries.iter().find(|e| e.address == *address).map_or(0, |e| e.priority)))
        .collect();
    RotationSpec { proposer: AddressHex::of(proposer), priorities }
}

/// CometBFT's `NewValidatorSet`, then each call's `IncrementProposerPriority(times)`.
pub fn proposer(config: &ProposerConfig) -> Result<ProposerPost, RefusedRequest> {
    config.check().map_err(refuse)?;
    let members = config.members();
    let mut rotation = WeightedRoundRobin::new(&members).map_err(|e| RefusedRequest(e.to_string()))?;
    let initial = rotation_spec(&rotation, &members);
    let calls = config
        .calls
        .iter()
        .map(|times| {
            rotation.increment(times.0);
            rotation_spec(&rotation, &members)
        })
        .collect();
    Ok(ProposerPost { initial, calls })
}

/// Whether the evidence is valid against the set, or the first check it fails.
pub fn evidence(config: &EvidenceConfig) -> Result<EvidencePost, RefusedRequest> {
    config.check().map_err(refuse)?;
    let set = crate::case::consensus::validator_set(&config.validators, "config.validators").map_err(refuse)?;
    Ok(match config.evidence.evidence().verify(&set, &DirectVerifier) {
        Ok(()) => EvidencePost::Valid(Empty {}),
        Err(e) => EvidencePost::Invalid(EvidenceRejected { code: EvidenceErrorCode::of(&e) }),
    })
}

/// The state after the first `n` inputs of `config` (a scenario's claim about the middle of a
/// run).
pub fn state_after(config: &TendermintConfig, n: usize) -> Result<StateSpec, RefusedRequest> {
    let mut node = Node::new(config)?;
    for input in config.inputs.iter().take(n) {
        node.feed(input)?;
    }
    Ok(node.state())
}
