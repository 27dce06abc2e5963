//! The refute suite's case types (`docs/spec/vectors.md` §6): state commitments, one-step
//! proofs and the dissection game over VM runs (`docs/spec/refutation.md`).
//!
//! Each handler has its own typed configuration and result, so a vector is read strictly for
//! its handler: the envelope names the handler, then [`RefuteVector::parse_as`] reads that
//! handler's types. The VM a case runs is described with the VM suite's [`VmConfig`], under
//! `config.vm`.

use serde::{Deserialize, Serialize};

use super::vm::VmConfig;
use super::{CaseError, HandlerProbe, HashHex, Hex, Int, Provenance, Uint};

/// The handlers of the refute suite.
pub const HANDLERS: &[&str] = &["commitment", "step_proof", "bisection"];

/// The most steps a refute case may ask for (a commitment's `at`, a proof's `at`, a game's
/// `steps`): a limit on how long the reference and a client may run for one case.
pub const MAX_STEPS: u64 = 1_000_000;

/// The most commitments one `commitment` case asks for.
pub const MAX_COMMITMENTS: usize = 256;

/// The most bytes of a proof in a `verify` case (far above any honest proof).
pub const MAX_PROOF_BYTES: usize = 1 << 20;

/// The largest memory of a refute case, in cells (VEC-6.1).
pub const MAX_MEMORY_CELLS: u64 = 1 << 12;

/// The largest dissection degree (`rollup::dispute::MAX_DEGREE`, DG-2).
pub const MAX_DEGREE: u64 = 256;

/// A refute vector: the manifest, the handler's configuration, and its expected result.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefuteCase<C, P> {
    /// Always [`super::FORMAT`].
    pub format: String,
    /// `refute/<handler>/<case>`.
    pub id: String,
    /// Always `refute`.
    pub suite: String,
    /// The handler.
    pub handler: String,
    /// The case's name.
    pub case: String,
    /// One sentence saying what the case checks.
    pub description: String,
    /// Sorted, unique labels for selection (`--tag`).
    pub tags: Vec<String>,
    /// Where the case came from.
    pub provenance: Provenance,
    /// What the implementation is given.
    pub config: C,
    /// What must come out.
    pub post: P,
}

/// A refute vector of any handler.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RefuteVector {
    /// `commitment`: state commitments after given step counts.
    Commitment(RefuteCase<CommitmentConfig, CommitmentPost>),
    /// `step_proof`: proving one step, or verifying a (possibly tampered) proof.
    StepProof(RefuteCase<StepProofConfig, StepProofPost>),
    /// `bisection`: the dissection game between two parties over a VM run.
    Bisection(RefuteCase<BisectionConfig, BisectionPost>),
}

handler_cases!(RefuteCase, RefuteVector, RefuteRequest, [Commitment, StepProof, Bisection]);

// ---------------------------------------------------------------------------------------------
// commitment

/// `commitment`'s configuration: a VM run and the step counts to commit to.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentConfig {
    /// The VM, exactly as the VM suite describes it.
    pub vm: VmConfig,
    /// Step counts, strictly increasing.
    pub at: Vec<Uint>,
}

/// `commitment`'s result: one state per entry of `at`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentPost {
    /// The state after each requested step count, in `at`'s order.
    pub states: Vec<StateSpec>,
}

/// A state: the step count asked for, its commitment, and every header field
/// (`refutation.md` RF-2.1), so that a wrong commitment comes with the field that makes it wrong.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
    /// The step count asked for (the state after `min(at, run length)` steps).
    pub at: Uint,
    /// `keccak256("orsma/vm-state/v1" ‖ header)`.
    pub commitment: HashHex,
    /// Root of the program tree.
    pub program_root: HashHex,
    /// Instructions in the program.
    pub program_len: Uint,
    /// Root of the host-answer tape tree.
    pub tape_root: HashHex,
    /// Host answers in the tape.
    pub tape_len: Uint,
    /// `custom` calls that reached the host.
    pub host_calls: Uint,
    /// The host-call log.
    pub host_log: HashHex,
    /// `r0` to `r3`.
    pub regs: [Int; 4],
    /// The instruction pointer.
    pub ip: Uint,
    /// Root of the stack tree.
    pub stack_root: HashHex,
    /// Values on the stack.
    pub stack_depth: Uint,
    /// Root of the memory tree.
    pub memory_root: HashHex,
    /// Memory cells.
    pub memory_len: Uint,
    /// The gas the run started with.
    pub gas_limit: Uint,
    /// The gas left.
    pub gas_remaining: Uint,
    /// Steps taken.
    pub steps: Uint,
    /// 0 running, 1 halted, 2 reverted, 3 trapped.
    pub status: Uint,
    /// The trap's number (1 to 8) when trapped, else 0.
    pub trap: Uint,
    /// The halt or revert value (two's complement) or the host's error code, else 0.
    pub value: Uint,
}

impl StateSpec {
    /// The state spec of a header after `at` steps were asked for.
    pub fn of(at: u64, header: &::vm::proof::StateHeader) -> StateSpec {
        StateSpec {
            at: Uint(at),
            commitment: HashHex(header.commitment()),
            program_root: HashHex(header.program_root),
            program_len: Uint(header.program_len),
            tape_root: HashHex(header.tape_root),
            tape_len: Uint(header.tape_len),
            host_calls: Uint(header.host_calls),
            host_log: HashHex(header.host_log),
            regs: header.regs.map(Int),
            ip: Uint(header.ip),
            stack_root: HashHex(header.stack_root),
            stack_depth: Uint(header.stack_depth),
            memory_root: HashHex(header.memory_root),
            memory_len: Uint(header.memory_len),
            gas_limit: Uint(header.gas_limit),
            gas_remaining: Uint(header.gas_remaining),
            steps: Uint(header.steps),
            status: Uint(u64::from(header.status)),
            trap: Uint(u64::from(header.trap)),
            value: Uint(header.value),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// step_proof

/// `step_proof`'s configuration: prove a step of a VM run, or verify a given proof.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "StepProofConfigWire", into = "StepProofConfigWire")]
pub enum StepProofConfig {
    /// Prove the step `at → at + 1` of the run `vm`.
    Prove {
        /// The VM.
        vm: VmConfig,
        /// The step to prove.
        at: Uint,
    },
    /// Verify `proof` against the pre-state commitment `pre`.
    Verify {
        /// The pre-state commitment.
        pre: HashHex,
        /// The proof's bytes (canonical or not, possibly tampered).
        proof: Hex,
        /// Where the proof came from, for people; implementations ignore it.
        source: Option<ProofSource>,
    },
}

/// Where a verify case's proof came from: the program and the step, for people reading the case.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofSource {
    /// The program's canonical disassembly.
    pub asm: String,
    /// The step the untampered proof proves.
    pub step: Uint,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepProofConfigWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vm: Option<VmConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<Uint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pre: Option<HashHex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proof: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<ProofSource>,
}

impl TryFrom<StepProofConfigWire> for StepProofConfig {
    type Error = &'static str;

    fn try_from(w: StepProofConfigWire) -> Result<StepProofConfig, &'static str> {
        match w {
            StepProofConfigWire { vm: Some(vm), at: Some(at), pre: None, proof: None, source: None } => {
                Ok(StepProofConfig::Prove { vm, at })
            }
            StepProofConfigWire { vm: None, at: None, pre: Some(pre), proof: Some(proof), source } => {
                Ok(StepProofConfig::Verify { pre, proof, source })
            }
            _ => Err(
                "a step_proof config is either `{vm, at}` (prove) or `{pre, proof}` with an optional `source` (verify)",
            ),
        }
    }
}

impl From<StepProofConfig> for StepProofConfigWire {
    fn from(c: StepProofConfig) -> StepProofConfigWire {
        match c {
            StepProofConfig::Prove { vm, at } => {
                StepProofConfigWire { vm: Some(vm), at: Some(at), pre: None, proof: None, source: None }
            }
            StepProofConfig::Verify { pre, proof, source } => {
                StepProofConfigWire { vm: None, at: None, pre: Some(pre), proof: Some(proof), source }
            }
        }
    }
}

/// `step_proof`'s result.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "StepProofPostWire", into = "StepProofPostWire")]
pub enum StepProofPost {
    /// For a prove case: the commitments around the step and the canonical proof.
    Proven {
        /// The commitment after `at` steps.
        pre: HashHex,
        /// The commitment after `at + 1` steps (equal to `pre` once the run has ended).
        post: HashHex,
        /// `StepProof::encode()` (`refutation.md` RF-4.2).
        proof: Hex,
    },
    /// For a verify case: the post-state commitment the proof establishes.
    Accepted {
        /// The commitment one step after `pre`.
        post: HashHex,
    },
    /// For a verify case: why the proof is rejected.
    Rejected {
        /// The error's code (`refutation.md` RF-4.4).
        code: ProofErrorCode,
    },
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepProofPostWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pre: Option<HashHex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    post: Option<HashHex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proof: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ok: Option<AcceptedWire>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<RejectedWire>,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptedWire {
    post: HashHex,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectedWire {
    code: ProofErrorCode,
}

impl TryFrom<StepProofPostWire> for StepProofPost {
    type Error = &'static str;

    fn try_from(w: StepProofPostWire) -> Result<StepProofPost, &'static str> {
        match w {
            StepProofPostWire { pre: Some(pre), post: Some(post), proof: Some(proof), ok: None, error: None } => {
                Ok(StepProofPost::Proven { pre, post, proof })
            }
            StepProofPostWire { pre: None, post: None, proof: None, ok: Some(AcceptedWire { post }), error: None } => {
                Ok(StepProofPost::Accepted { post })
            }
            StepProofPostWire { pre: None, post: None, proof: None, ok: None, error: Some(RejectedWire { code }) } => {
                Ok(StepProofPost::Rejected { code })
            }
            _ => {
                Err("a step_proof result is `{pre, post, proof}` (prove), `{ok: {post}}` or `{error: {code}}` (verify)")
            }
        }
    }
}

impl From<StepProofPost> for StepProofPostWire {
    fn from(p: StepProofPost) -> StepProofPostWire {
        let none = StepProofPostWire { pre: None, post: None, proof: None, ok: None, error: None };
        match p {
            StepProofPost::Proven { pre, post, proof } => {
                StepProofPostWire { pre: Some(pre), post: Some(post), proof: Some(proof), ..none }
            }
            StepProofPost::Accepted { post } => StepProofPostWire { ok: Some(AcceptedWire { post }), ..none },
            StepProofPost::Rejected { code } => StepProofPostWire { error: Some(RejectedWire { code }), ..none },
        }
    }
}

/// The proof verifier's error codes (`refutation.md` RF-4.4): a closed catalogue.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs, reason = "each variant is its code, documented in refutation.md RF-4.4")]
pub enum ProofErrorCode {
    Decode,
    PreStateMismatch,
    InvalidState,
    MissingWitness,
    UnusedWitness,
    BadPath,
    BadInstruction,
    DirtyStackSlot,
}

impl ProofErrorCode {
    /// Every code, in catalogue order.
    pub const ALL: [ProofErrorCode; 8] = [
        ProofErrorCode::Decode,
        ProofErrorCode::PreStateMismatch,
        ProofErrorCode::InvalidState,
        ProofErrorCode::MissingWitness,
        ProofErrorCode::UnusedWitness,
        ProofErrorCode::BadPath,
        ProofErrorCode::BadInstruction,
        ProofErrorCode::DirtyStackSlot,
    ];

    /// The code of a verifier error.
    pub fn of(error: &::vm::proof::ProofError) -> ProofErrorCode {
        use ::vm::proof::ProofError as E;
        match error {
            E::Decode(_) => ProofErrorCode::Decode,
            E::PreStateMismatch { .. } => ProofErrorCode::PreStateMismatch,
            E::InvalidState(_) => ProofErrorCode::InvalidState,
            E::MissingWitness(_) => ProofErrorCode::MissingWitness,
            E::UnusedWitness(_) => ProofErrorCode::UnusedWitness,
            E::BadPath { .. } => ProofErrorCode::BadPath,
            E::BadInstruction { .. } => ProofErrorCode::BadInstruction,
            E::DirtyStackSlot { .. } => ProofErrorCode::DirtyStackSlot,
        }
    }

    /// The code as written in vectors.
    pub fn name(self) -> &'static str {
        match self {
            ProofErrorCode::Decode => "decode",
            ProofErrorCode::PreStateMismatch => "pre_state_mismatch",
            ProofErrorCode::InvalidState => "invalid_state",
            ProofErrorCode::MissingWitness => "missing_witness",
            ProofErrorCode::UnusedWitness => "unused_witness",
            ProofErrorCode::BadPath => "bad_path",
            ProofErrorCode::BadInstruction => "bad_instruction",
            ProofErrorCode::DirtyStackSlot => "dirty_stack_slot",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// bisection

/// `bisection`'s configuration: a VM run and a game over its first `steps` steps.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BisectionConfig {
    /// The VM both parties run.
    pub vm: VmConfig,
    /// The game.
    pub game: GameSpec,
}

/// A game: its degree, its length and the two players' strategies (`refutation.md` RF-5).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GameSpec {
    /// k, the number of segments a dissection splits an interval into (DG-4).
    pub degree: Uint,
    /// N, the number of steps the claim is about (DG-1).
    pub steps: Uint,
    /// The defender's strategy.
    pub defender: DefenderSpec,
    /// The challenger's strategy.
    pub challenger: ChallengerSpec,
}

/// The defender: `honest`, or `{lies_from: j}` (its commitments are wrong from step `j` on).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "DefenderWire", into = "DefenderWire")]
pub enum DefenderSpec {
    /// Defends the true trace.
    Honest,
    /// Right before step `j`, wrong from `j` on (`rollup::dispute::player::LiesFrom`).
    LiesFrom(Uint),
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum DefenderWire {
    Word(String),
    Lies(LiesWire),
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LiesWire {
    lies_from: Uint,
}

impl TryFrom<DefenderWire> for DefenderSpec {
    type Error = &'static str;

    fn try_from(w: DefenderWire) -> Result<DefenderSpec, &'static str> {
        match w {
            DefenderWire::Word(word) if word == "honest" => Ok(DefenderSpec::Honest),
            DefenderWire::Lies(LiesWire { lies_from }) => Ok(DefenderSpec::LiesFrom(lies_from)),
            DefenderWire::Word(_) => Err("a defender is `honest` or `{lies_from: j}`"),
        }
    }
}

impl From<DefenderSpec> for DefenderWire {
    fn from(d: DefenderSpec) -> DefenderWire {
        match d {
            DefenderSpec::Honest => DefenderWire::Word("honest".to_owned()),
            DefenderSpec::LiesFrom(lies_from) => DefenderWire::Lies(LiesWire { lies_from }),
        }
    }
}

/// The challenger: `honest`, or `{blind: first | last | <seed>}` (it disputes whatever the
/// defender claims and picks segments by a policy, not by disagreement).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "ChallengerWire", into = "ChallengerWire")]
pub enum ChallengerSpec {
    /// Chooses the first segment whose end it disagrees with.
    Honest,
    /// Chooses segments by `pick` (`rollup::dispute::player::ChoosesBlindly`).
    Blind(PickSpec),
}

/// A blind challenger's policy.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PickSpec {
    /// Always segment 0.
    First,
    /// Always the last segment.
    Last,
    /// `splitmix64` draws from this seed (`rollup::dispute::player::Pick::Seeded`).
    Seeded(u64),
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum ChallengerWire {
    Word(String),
    Blind(BlindWire),
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BlindWire {
    blind: String,
}

impl TryFrom<ChallengerWire> for ChallengerSpec {
    type Error = &'static str;

    fn try_from(w: ChallengerWire) -> Result<ChallengerSpec, &'static str> {
        const WHAT: &str = "a challenger is `honest` or `{blind: first | last | <seed as a decimal string>}`";
        match w {
            ChallengerWire::Word(word) if word == "honest" => Ok(ChallengerSpec::Honest),
            ChallengerWire::Word(_) => Err(WHAT),
            ChallengerWire::Blind(BlindWire { blind }) => match blind.as_str() {
                "first" => Ok(ChallengerSpec::Blind(PickSpec::First)),
                "last" => Ok(ChallengerSpec::Blind(PickSpec::Last)),
                seed => super::num::parse_canonical::<u64>(seed)
                    .map(|s| ChallengerSpec::Blind(PickSpec::Seeded(s)))
                    .ok_or(WHAT),
            },
        }
    }
}

impl From<ChallengerSpec> for ChallengerWire {
    fn from(c: ChallengerSpec) -> ChallengerWire {
        match c {
            ChallengerSpec::Honest => ChallengerWire::Word("honest".to_owned()),
            ChallengerSpec::Blind(pick) => ChallengerWire::Blind(BlindWire {
                blind: match pick {
                    PickSpec::First => "first".to_owned(),
                    PickSpec::Last => "last".to_owned(),
                    PickSpec::Seeded(seed) => seed.to_string(),
                },
            }),
        }
    }
}

/// `bisection`'s result: the verdict (DG-11) and every accepted move, in order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BisectionPost {
    /// `C_0`, the commitment of the start state.
    pub prestate: HashHex,
    /// The defender's commitment after `steps` steps.
    pub claim: HashHex,
    /// Who won.
    pub winner: PartyCode,
    /// Why.
    pub reason: ReasonCode,
    /// The step `lo` if the interval had narrowed to one step when the game ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disputed_step: Option<Uint>,
    /// Rounds played (DG-10).
    pub rounds: Uint,
    /// Bytes of accepted moves (DG-10).
    pub bytes: Uint,
    /// Every accepted move, in order.
    pub transcript: Vec<Move>,
}

/// A party of the game.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs, reason = "the two parties of DG-1")]
pub enum PartyCode {
    Defender,
    Challenger,
}

/// Why a game ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// The one-step proof decided (DG-6).
    Proven,
    /// The loser did not move before its deadline (DG-7).
    Timeout,
}

/// One accepted move.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "MoveWire", into = "MoveWire")]
pub enum Move {
    /// The defender's dissection of `(lo, hi)` (DG-4).
    Dissect(DissectMove),
    /// The challenger's choice of segment (DG-5).
    Choose(ChooseMove),
    /// The challenger's one-step proof (DG-6).
    Step(StepMove),
}

/// A dissection: the interval, its inner boundaries and the defender's commitments at them.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DissectMove {
    /// The interval's start.
    pub lo: Uint,
    /// The interval's end.
    pub hi: Uint,
    /// The inner boundaries `b_1 … b_{m−1}`.
    pub at: Vec<Uint>,
    /// The defender's commitment at each.
    pub points: Vec<HashHex>,
}

/// A choice of segment.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChooseMove {
    /// The index `j` of the disputed segment `(b_j, b_{j+1})`.
    pub segment: Uint,
}

/// A one-step proof and what the verifier made of it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepMove {
    /// The step `lo` proven.
    pub step: Uint,
    /// The agreed commitment at `lo`.
    pub pre: HashHex,
    /// The defender's commitment at `lo + 1`.
    pub post: HashHex,
    /// The commitment at `lo + 1` the verifier computed.
    pub computed: HashHex,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dissect: Option<DissectMove>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    choose: Option<ChooseMove>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step: Option<StepMove>,
}

impl TryFrom<MoveWire> for Move {
    type Error = &'static str;

    fn try_from(w: MoveWire) -> Result<Move, &'static str> {
        match w {
            MoveWire { dissect: Some(d), choose: None, step: None } => Ok(Move::Dissect(d)),
            MoveWire { dissect: None, choose: Some(c), step: None } => Ok(Move::Choose(c)),
            MoveWire { dissect: None, choose: None, step: Some(s) } => Ok(Move::Step(s)),
            _ => Err("a move has exactly one of `dissect`, `choose` and `step`"),
        }
    }
}

impl From<Move> for MoveWire {
    fn from(m: Move) -> MoveWire {
        let none = MoveWire { dissect: None, choose: None, step: None };
        match m {
            Move::Dissect(d) => MoveWire { dissect: Some(d), ..none },
            Move::Choose(c) => MoveWire { choose: Some(c), ..none },
            Move::Step(s) => MoveWire { step: Some(s), ..none },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// requests and results

/// What the harness sends a client: the case without its expectations (no `steps`: the
/// handler says what to do).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefuteRequestOf<C> {
    /// The case id, for the client's logs.
    pub id: String,
    /// Always `refute`.
    pub suite: String,
    /// The handler.
    pub handler: String,
    /// The configuration.
    pub config: C,
}

/// What a client answers: `{"post": …}` with the handler's result.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefuteResultOf<P> {
    /// The result.
    pub post: P,
}

/// A refute request of any handler, as a client reads it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RefuteRequest {
    /// `commitment`.
    Commitment(RefuteRequestOf<CommitmentConfig>),
    /// `step_proof`.
    StepProof(RefuteRequestOf<StepProofConfig>),
    /// `bisection`.
    Bisection(RefuteRequestOf<BisectionConfig>),
}

/// A refute result of any handler.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(untagged)]
pub enum RefuteResult {
    /// `commitment`.
    Commitment(RefuteResultOf<CommitmentPost>),
    /// `step_proof`.
    StepProof(RefuteResultOf<StepProofPost>),
    /// `bisection`.
    Bisection(RefuteResultOf<BisectionPost>),
}

fn unknown_handler(handler: &str) -> CaseError {
    CaseError::Invalid(format!("unknown refute handler `{handler}` (known: {})", HANDLERS.join(", ")))
}

impl RefuteRequest {
    /// Reads a request from JSON, strictly, with the types of its handler.
    pub fn from_json(text: &str) -> Result<RefuteRequest, CaseError> {
        let probe: HandlerProbe = serde_json::from_str(text).map_err(|e| CaseError::Syntax(e.to_string()))?;
        let syntax = |e: serde_json::Error| CaseError::Syntax(e.to_string());
        let request = match probe.handler.as_str() {
            "commitment" => RefuteRequest::Commitment(serde_json::from_str(text).map_err(syntax)?),
            "step_proof" => RefuteRequest::StepProof(serde_json::from_str(text).map_err(syntax)?),
            "bisection" => RefuteRequest::Bisection(serde_json::from_str(text).map_err(syntax)?),
            other => return Err(unknown_handler(other)),
        };
        Ok(request)
    }
}

impl RefuteVector {
    /// Reads a vector of `handler` from YAML or JSON.
    pub fn parse_as(text: &str, encoding: super::Encoding) -> Result<RefuteVector, CaseError> {
        let probe: HandlerProbe = super::decode(text, encoding)?;
        Ok(match probe.handler.as_str() {
            "commitment" => RefuteVector::Commitment(super::decode(text, encoding)?),
            "step_proof" => RefuteVector::StepProof(super::decode(text, encoding)?),
            "bisection" => RefuteVector::Bisection(super::decode(text, encoding)?),
            other => return Err(unknown_handler(other)),
        })
    }

    /// The VM configuration the case runs, if it runs one (a verify case does not).
    pub fn vm_config(&self) -> Option<&VmConfig> {
        match self {
            RefuteVector::Commitment(v) => Some(&v.config.vm),
            RefuteVector::StepProof(v) => match &v.config {
                StepProofConfig::Prove { vm, .. } => Some(vm),
                StepProofConfig::Verify { .. } => None,
            },
            RefuteVector::Bisection(v) => Some(&v.config.vm),
        }
    }

    /// The result a correct client returns.
    pub fn expected(&self) -> RefuteResult {
        match self {
            RefuteVector::Commitment(v) => RefuteResult::Commitment(RefuteResultOf { post: v.post.clone() }),
            RefuteVector::StepProof(v) => RefuteResult::StepProof(RefuteResultOf { post: v.post.clone() }),
            RefuteVector::Bisection(v) => RefuteResult::Bisection(RefuteResultOf { post: v.post.clone() }),
        }
    }

    /// Reads a client's result for this case, strictly, with the types of its handler, and
    /// checks the rules a result follows.
    pub fn read_result(&self, raw: &str) -> Result<RefuteResult, String> {
        let result = match self {
            RefuteVector::Commitment(_) => {
                let r: RefuteResultOf<CommitmentPost> = serde_json::from_str(raw).map_err(|e| e.to_string())?;
                RefuteResult::Commitment(r)
            }
            RefuteVector::StepProof(v) => {
                let r: RefuteResultOf<StepProofPost> = serde_json::from_str(raw).map_err(|e| e.to_string())?;
                check_step_proof_kinds(&v.config, &r.post)?;
                RefuteResult::StepProof(r)
            }
            RefuteVector::Bisection(_) => {
                let r: RefuteResultOf<BisectionPost> = serde_json::from_str(raw).map_err(|e| e.to_string())?;
                RefuteResult::Bisection(r)
            }
        };
        Ok(result)
    }

    /// Whether `result` is what this vector expects.
    pub fn matches(&self, result: &RefuteResult) -> bool {
        match (self, result) {
            (RefuteVector::Commitment(v), RefuteResult::Commitment(r)) => r.post == v.post,
            (RefuteVector::StepProof(v), RefuteResult::StepProof(r)) => r.post == v.post,
            (RefuteVector::Bisection(v), RefuteResult::Bisection(r)) => r.post == v.post,
            _ => false,
        }
    }

    /// Checks the rules that types alone do not enforce.
    pub(super) fn check(&self) -> Result<(), CaseError> {
        let (suite, handler) = (self.suite(), self.handler());
        if suite != "refute" {
            return Err(CaseError::UnknownSuite(suite.to_owned()));
        }
        let expected_handler = match self {
            RefuteVector::Commitment(_) => "commitment",
            RefuteVector::StepProof(_) => "step_proof",
            RefuteVector::Bisection(_) => "bisection",
        };
        if handler != expected_handler {
            return Err(unknown_handler(handler));
        }
        match self {
            RefuteVector::Commitment(v) => {
                v.config.check()?;
                if v.post.states.len() != v.config.at.len() {
                    return Err(CaseError::Invalid(format!(
                        "post.states has {} entries for {} step counts in config.at",
                        v.post.states.len(),
                        v.config.at.len()
                    )));
                }
                Ok(())
            }
            RefuteVector::StepProof(v) => {
                v.config.check()?;
                check_step_proof_kinds(&v.config, &v.post).map_err(CaseError::Invalid)
            }
            RefuteVector::Bisection(v) => v.config.check(),
        }
    }
}

/// A prove case has a `Proven` result, a verify case `Accepted` or `Rejected`.
fn check_step_proof_kinds(config: &StepProofConfig, post: &StepProofPost) -> Result<(), String> {
    match (config, post) {
        (StepProofConfig::Prove { .. }, StepProofPost::Proven { .. })
        | (StepProofConfig::Verify { .. }, StepProofPost::Accepted { .. } | StepProofPost::Rejected { .. }) => Ok(()),
        (StepProofConfig::Prove { .. }, _) => {
            Err("a prove case's result is `{pre, post, proof}`, not `ok` or `error`".to_owned())
        }
        (StepProofConfig::Verify { .. }, _) => {
            Err("a verify case's result is `{ok: {post}}` or `{error: {code}}`, not `{pre, post, proof}`".to_owned())
        }
    }
}

/// The VM a refute case runs must decode: refutation is about runs, not about the decoder.
fn check_vm(vm: &VmConfig) -> Result<(), CaseError> {
    vm.check()?;
    // Every commitment hashes the whole memory, and a game asks for many: the limit keeps a
    // case's cost bounded (VEC-6.1).
    if vm.memory.size.0 > MAX_MEMORY_CELLS {
        return Err(CaseError::Invalid(format!(
            "config.vm.memory.size is {}, above the refute suite's limit of {MAX_MEMORY_CELLS} cells",
            vm.memory.size.0
        )));
    }
    ::vm::Program::decode(&vm.program.bytecode.0).map(|_| ()).map_err(|e| {
        CaseError::Invalid(format!("config.vm.program does not decode ({e}); a refute case runs a program"))
    })
}

fn check_steps(n: u64, what: &str) -> Result<(), CaseError> {
    if n > MAX_STEPS {
        return Err(CaseError::Invalid(format!("{what} is {n}, above the limit of {MAX_STEPS} steps")));
    }
    Ok(())
}

impl CommitmentConfig {
    /// `at` is non-empty, strictly increasing, within the step limit, and not too long.
    pub fn check(&self) -> Result<(), CaseError> {
        check_vm(&self.vm)?;
        if self.at.is_empty() || self.at.len() > MAX_COMMITMENTS {
            return Err(CaseError::Invalid(format!("config.at lists 1 to {MAX_COMMITMENTS} step counts")));
        }
        if !self.at.windows(2).all(|w| w[0] < w[1]) {
            return Err(CaseError::Invalid("config.at must strictly increase".to_owned()));
        }
        self.at.iter().try_for_each(|n| check_steps(n.0, "a step count in config.at"))
    }
}

impl StepProofConfig {
    /// A prove case's run decodes and its step is within the limit; a verify case's proof is
    /// not huge.
    pub fn check(&self) -> Result<(), CaseError> {
        match self {
            StepProofConfig::Prove { vm, at } => {
                check_vm(vm)?;
                check_steps(at.0, "config.at")
            }
            StepProofConfig::Verify { proof, .. } => {
                if proof.0.len() > MAX_PROOF_BYTES {
                    return Err(CaseError::Invalid(format!("config.proof is longer than {MAX_PROOF_BYTES} bytes")));
                }
                Ok(())
            }
        }
    }
}

impl BisectionConfig {
    /// The game's rules of DG-2, and a lie that starts within the game.
    pub fn check(&self) -> Result<(), CaseError> {
        check_vm(&self.vm)?;
        let (degree, steps) = (self.game.degree.0, self.game.steps.0);
        if !(2..=MAX_DEGREE).contains(&degree) {
            return Err(CaseError::Invalid(format!("config.game.degree must be 2 to {MAX_DEGREE}, not {degree}")));
        }
        if steps == 0 {
            return Err(CaseError::Invalid("config.game.steps must be at least 1".to_owned()));
        }
        check_steps(steps, "config.game.steps")?;
        if let DefenderSpec::LiesFrom(j) = self.game.defender
            && !(1..=steps).contains(&j.0)
        {
            return Err(CaseError::Invalid(format!(
                "config.game.defender.lies_from must be 1 to the game's {steps} steps, not {j}"
            )));
        }
        Ok(())
    }
}
