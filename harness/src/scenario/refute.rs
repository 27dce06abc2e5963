//! The refute step vocabulary: Gherkin sentences about commitments, step proofs and the
//! dissection game, and what each does to a refute case.
//!
//! Given steps set the configuration (the VM sentences of [`super::vm`], plus the game's
//! degree, length and players), When steps say what is asked (commit, prove, verify a
//! possibly tampered proof, play), and Then steps add expectations about the result. The
//! case is built by the reference; the expectations are checked against whatever answered it
//! (the reference or a client), so a scenario checks any implementation.

use super::vm::{Keyword, StepError, VmScenario};
use super::{INT, Steps, SuiteScenario, UINT, captures, invalid, refused, uint};
use crate::case::refute::{
    BisectionConfig, ChallengerSpec, CommitmentConfig, DefenderSpec, GameSpec, Move, PartyCode, PickSpec,
    ProofErrorCode, ProofSource, ReasonCode, RefuteCase, RefuteResult, RefuteVector, StepProofConfig, StepProofPost,
};
use crate::case::vm::VmConfig;
use crate::case::{Case, CaseId, HashHex, Hex, Provenance, Uint};
use crate::client::CaseResult;
use crate::reference::refute as reference;
use crate::vectors::gen_refute::{TAMPER_KINDS, tamper};

/// What a refute scenario asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    /// The states after these step counts.
    Commit(Vec<u64>),
    /// The proof of this step.
    Prove(u64),
    /// Verifying the proof of this step, tampered by this kind (or not).
    Verify(u64, Option<String>),
    /// Playing the game.
    Play,
}

/// A refute scenario as built so far.
#[derive(Clone, Debug, Default)]
pub struct RefuteScenario {
    /// The VM part: program, memory, gas, host.
    pub vm: VmScenario,
    /// The game's degree and length.
    pub game: Option<(u64, u64)>,
    /// The defender.
    pub defender: Option<DefenderSpec>,
    /// The challenger.
    pub challenger: Option<ChallengerSpec>,
    /// What is asked.
    pub ask: Option<Ask>,
    /// The expectations, in order.
    pub expectations: Vec<Expectation>,
}

/// One Then step.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Expectation {
    /// The game's winner.
    Winner(PartyCode),
    /// Why the game ended.
    Reason(ReasonCode),
    /// The disputed step (`None`: no step was disputed).
    DisputedStep(Option<u64>),
    /// At most this many rounds.
    RoundsAtMost(u64),
    /// Exactly this many rounds.
    Rounds(u64),
    /// Every dissection posts this many commitments.
    PointsPerDissection(usize),
    /// Whole-transition replay names the game's winner.
    ReplayAgrees,
    /// The proof is rejected with this code.
    Rejected(ProofErrorCode),
    /// The proof is accepted.
    Accepted,
    /// The proven step leaves the state as it was.
    PostEqualsPre,
    /// The proof carries the host answer with this value.
    CarriesAnswer(i64),
    /// The proof carries no host answer.
    CarriesNoAnswer,
    /// The commitments after these two step counts are equal (or differ).
    CommitmentsEqual(u64, u64, bool),
    /// After this many steps, the state's stack depth.
    StackDepth(u64, u64),
}

/// The sentences, for error messages and docs.
pub const VOCABULARY: &str = "\
(every Given sentence of the VM steps: the program, memory, gas limit, host answers)
Given a game of degree K over N steps
Given an honest defender  |  Given a defender who lies from step J
Given an honest challenger  |  Given a blind challenger who picks the first segment
Given a blind challenger who picks the last segment  |  Given a blind challenger who picks segments from seed S
When the game is played
When the state is committed after A, B, … steps
When step N is proven
When the proof of step N is verified
When the proof of step N is tampered with: <kind>   (kinds: header_bit, wrong_pre, instr_bytes, …)
Then the challenger wins  |  Then the defender wins
Then the game is decided by the proof  |  Then the game is decided by timeout
Then the disputed step is N  |  Then no step is disputed
Then the game takes at most N rounds  |  Then the game takes N rounds
Then every dissection posts N commitments
Then replay agrees with the game
Then the proof is rejected as <code>  |  Then the proof is accepted
Then the post-state equals the pre-state
Then the proof carries the host answer V  |  Then the proof carries no host answer
Then the commitments after A and B steps are equal  |  … differ
Then after N steps the stack depth is D";

fn unknown(keyword: &str, text: &str) -> StepError {
    StepError(format!("no step matches `{keyword} {text}`. The refute steps are:\n{VOCABULARY}"))
}

impl Steps for RefuteScenario {
    fn apply(&mut self, keyword: Keyword, text: &str, docstring: Option<&str>) -> Result<(), StepError> {
        let text = text.trim();
        match keyword {
            Keyword::Given => self.given(text, docstring),
            Keyword::When => self.when(text),
            Keyword::Then => {
                let expectation = parse_then(text)?;
                self.expectations.push(expectation);
                Ok(())
            }
        }
    }
}

impl RefuteScenario {
    fn given(&mut self, text: &str, docstring: Option<&str>) -> Result<(), StepError> {
        if let Some(c) = captures(re!(format!("a game of degree {UINT} over {UINT} steps?")), text) {
            self.game = Some((uint(c[0])?, uint(c[1])?));
        } else if text == "an honest defender" {
            self.defender = Some(DefenderSpec::Honest);
        } else if let Some(c) = captures(re!(format!("a defender who lies from step {UINT}")), text) {
            self.defender = Some(DefenderSpec::LiesFrom(Uint(uint(c[0])?)));
        } else if text == "an honest challenger" {
            self.challenger = Some(ChallengerSpec::Honest);
        } else if text == "a blind challenger who picks the first segment" {
            self.challenger = Some(ChallengerSpec::Blind(PickSpec::First));
        } else if text == "a blind challenger who picks the last segment" {
            self.challenger = Some(ChallengerSpec::Blind(PickSpec::Last));
        } else if let Some(c) = captures(re!(format!("a blind challenger who picks segments from seed {UINT}")), text) {
            self.challenger = Some(ChallengerSpec::Blind(PickSpec::Seeded(uint(c[0])?)));
        } else {
            return self
                .vm
                .apply(Keyword::Given, text, docstring)
                .map_err(|e| if e.0.starts_with("no step matches") { unknown("Given", text) } else { e });
        }
        Ok(())
    }

    fn when(&mut self, text: &str) -> Result<(), StepError> {
        let ask = if text == "the game is played" {
            Ask::Play
        } else if let Some(c) = captures(re!(r"the state is committed after ([0-9, and]+) steps?"), text) {
            let at = c[0]
                .split([',', ' '])
                .filter(|s| !s.is_empty() && *s != "and")
                .map(uint)
                .collect::<Result<Vec<u64>, _>>()?;
            Ask::Commit(at)
        } else if let Some(c) = captures(re!(format!("step {UINT} is proven")), text) {
            Ask::Prove(uint(c[0])?)
        } else if let Some(c) = captures(re!(format!("the proof of step {UINT} is verified")), text) {
            Ask::Verify(uint(c[0])?, None)
        } else if let Some(c) = captures(re!(format!(r"the proof of step {UINT} is tampered with: ([a-z_]+)")), text) {
            if !TAMPER_KINDS.iter().any(|(kind, _)| *kind == c[1]) {
                let kinds: Vec<&str> = TAMPER_KINDS.iter().map(|(k, _)| *k).collect();
                return Err(StepError(format!("`{}` is not a tamper kind (known: {})", c[1], kinds.join(", "))));
            }
            Ask::Verify(uint(c[0])?, Some(c[1].to_owned()))
        } else {
            return Err(unknown("When", text));
        };
        if self.ask.is_some() {
            return Err(StepError("a refute scenario asks one thing: one When step".into()));
        }
        self.ask = Some(ask);
        Ok(())
    }

    fn vm_config(&self) -> Result<VmConfig, StepError> {
        let bytecode =
            self.vm.bytecode.clone().ok_or_else(|| StepError("the scenario never says `Given the program:`".into()))?;
        let spec = crate::vectors::fill::VmSpec::from_bytecode("refute", "refute", "", bytecode, Provenance::default())
            .memory(self.vm.memory.clone())
            .gas(self.vm.gas_limit.unwrap_or(1_000_000))
            .host(self.vm.host.clone());
        Ok(spec.config())
    }
}

impl SuiteScenario for RefuteScenario {
    const SUITE: &'static str = "refute";
    type Vector = RefuteVector;
    type Result = RefuteResult;
    type Expectation = Expectation;

    fn expectations(&self) -> &[Expectation] {
        &self.expectations
    }

    fn check(expectation: &Expectation, vector: &RefuteVector, result: &RefuteResult) -> Result<(), StepError> {
        expectation.check(vector, result)
    }

    fn expected(vector: &RefuteVector) -> RefuteResult {
        vector.expected()
    }

    fn case(vector: RefuteVector) -> Case {
        Case::Refute(vector)
    }

    fn result_of(result: CaseResult) -> Option<RefuteResult> {
        match result {
            CaseResult::Refute(result) => Some(result),
            _ => None,
        }
    }

    fn vector(
        &self,
        name: &str,
        description: &str,
        tags: &[String],
        provenance: Provenance,
    ) -> Result<RefuteVector, StepError> {
        let ask = self.ask.as_ref().ok_or_else(|| StepError("the scenario has no When step".into()))?;
        let vm = self.vm_config()?;
        let handler = match ask {
            Ask::Commit(_) => "commitment",
            Ask::Prove(_) | Ask::Verify(..) => "step_proof",
            Ask::Play => "bisection",
        };
        let id = CaseId::new("refute", handler, name).map_err(invalid)?;
        macro_rules! case {
            ($variant:ident, $config:expr, $post:expr) => {
                RefuteVector::$variant(RefuteCase::new(
                    &id,
                    description.to_owned(),
                    tags.to_vec(),
                    provenance,
                    $config,
                    $post,
                ))
            };
        }
        let vector = match ask {
            Ask::Commit(at) => {
                let config = CommitmentConfig { vm, at: at.iter().copied().map(Uint).collect() };
                config.check().map_err(invalid)?;
                let post = reference::commitment(&config).map_err(refused)?;
                case!(Commitment, config, post)
            }
            Ask::Prove(at) => {
                let config = StepProofConfig::Prove { vm, at: Uint(*at) };
                config.check().map_err(invalid)?;
                let post = reference::step_proof(&config).map_err(refused)?;
                case!(StepProof, config, post)
            }
            Ask::Verify(at, kind) => {
                // The same limits a prove case has, before the reference runs anything.
                StepProofConfig::Prove { vm: vm.clone(), at: Uint(*at) }.check().map_err(invalid)?;
                let (pre, post, proof) = reference::prove(&vm, *at).map_err(refused)?;
                let (pre, bytes) = match kind {
                    None => (pre, proof.encode()),
                    Some(kind) => {
                        let draw = u64::from(primitives::keccak256(description.as_bytes()).0[0]);
                        let tampered = tamper(kind, draw, &vm, *at, &pre, &post, &proof).map_err(invalid)?;
                        let (_, pre, bytes) = tampered.ok_or_else(|| {
                            StepError(format!("the proof of step {at} has nothing the tamper `{kind}` can change"))
                        })?;
                        (pre, bytes)
                    }
                };
                let source = vm.program.asm.clone().map(|asm| ProofSource { asm, step: Uint(*at) });
                let post = reference::verify(&pre, &bytes);
                case!(StepProof, StepProofConfig::Verify { pre: HashHex(pre), proof: Hex(bytes), source }, post)
            }
            Ask::Play => {
                let (degree, steps) = self.game.ok_or_else(|| {
                    StepError("the scenario never says `Given a game of degree K over N steps`".into())
                })?;
                let defender =
                    self.defender.ok_or_else(|| StepError("the scenario never names the defender".into()))?;
                let challenger =
                    self.challenger.ok_or_else(|| StepError("the scenario never names the challenger".into()))?;
                let config = BisectionConfig {
                    vm,
                    game: GameSpec { degree: Uint(degree), steps: Uint(steps), defender, challenger },
                };
                config.check().map_err(invalid)?;
                let post = reference::bisection(&config).map_err(refused)?;
                case!(Bisection, config, post)
            }
        };
        Ok(vector)
    }
}

fn parse_then(text: &str) -> Result<Expectation, StepError> {
    use Expectation as E;
    Ok(match text {
        "the challenger wins" => E::Winner(PartyCode::Challenger),
        "the defender wins" => E::Winner(PartyCode::Defender),
        "the game is decided by the proof" => E::Reason(ReasonCode::Proven),
        "the game is decided by timeout" => E::Reason(ReasonCode::Timeout),
        "no step is disputed" => E::DisputedStep(None),
        "replay agrees with the game" => E::ReplayAgrees,
        "the proof is accepted" => E::Accepted,
        "the post-state equals the pre-state" => E::PostEqualsPre,
        "the proof carries no host answer" => E::CarriesNoAnswer,
        _ => {
            if let Some(c) = captures(re!(format!("the disputed step is {UINT}")), text) {
                E::DisputedStep(Some(uint(c[0])?))
            } else if let Some(c) = captures(re!(format!("the game takes at most {UINT} rounds?")), text) {
                E::RoundsAtMost(uint(c[0])?)
            } else if let Some(c) = captures(re!(format!("the game takes {UINT} rounds?")), text) {
                E::Rounds(uint(c[0])?)
            } else if let Some(c) = captures(re!(format!("every dissection posts {UINT} commitments?")), text) {
                E::PointsPerDissection(usize::try_from(uint(c[0])?).unwrap_or(usize::MAX))
            } else if let Some(c) = captures(re!(r"the proof is rejected as ([a-z_]+)"), text) {
                let code = ProofErrorCode::ALL
                    .into_iter()
                    .find(|code| code.name() == c[0])
                    .ok_or_else(|| StepError(format!("`{}` is not a proof error code (refutation.md RF-4.4)", c[0])))?;
                E::Rejected(code)
            } else if let Some(c) = captures(re!(format!("the proof carries the host answer {INT}")), text) {
                E::CarriesAnswer(c[0].parse().map_err(|_| StepError(format!("`{}` is not an integer", c[0])))?)
            } else if let Some(c) =
                captures(re!(format!("the commitments after {UINT} and {UINT} steps are (equal|different)")), text)
            {
                E::CommitmentsEqual(uint(c[0])?, uint(c[1])?, c[2] == "equal")
            } else if let Some(c) = captures(re!(format!("after {UINT} steps the stack depth is {UINT}")), text) {
                E::StackDepth(uint(c[0])?, uint(c[1])?)
            } else {
                return Err(unknown("Then", text));
            }
        }
    })
}

impl Expectation {
    /// Checks the expectation against a result for `case`; the error says what was found.
    pub fn check(&self, case: &RefuteVector, result: &RefuteResult) -> Result<(), StepError> {
        use Expectation as E;
        let fail = |what: String| Err(StepError(what));
        let game = || match result {
            RefuteResult::Bisection(r) => Ok(&r.post),
            _ => Err(StepError("this expectation is about a game; say `When the game is played`".into())),
        };
        let step = || match result {
            RefuteResult::StepProof(r) => Ok(&r.post),
            _ => Err(StepError("this expectation is about a step proof".into())),
        };
        let states = || match result {
            RefuteResult::Commitment(r) => Ok(&r.post.states),
            _ => Err(StepError(
                "this expectation is about commitments; say `When the state is committed after …`".into(),
            )),
        };
        let proof_of = |post: &StepProofPost| match post {
            StepProofPost::Proven { proof, .. } => ::vm::proof::StepProof::decode(&proof.0)
                .map_err(|e| StepError(format!("the proof does not decode: {e}"))),
            _ => Err(StepError("this expectation is about a proven step; say `When step N is proven`".into())),
        };
        match self {
            E::Winner(party) => {
                let got = game()?.winner;
                if got != *party {
                    return fail(format!("expected the {party:?} to win, but the {got:?} won"));
                }
            }
            E::Reason(reason) => {
                let got = game()?.reason;
                if got != *reason {
                    return fail(format!("expected the game to end by {reason:?}, but it ended by {got:?}"));
                }
            }
            E::DisputedStep(expected) => {
                let got = game()?.disputed_step.map(|s| s.0);
                if got != *expected {
                    return fail(format!("expected disputed step {expected:?}, got {got:?}"));
                }
            }
            E::RoundsAtMost(n) => {
                let got = game()?.rounds.0;
                if got > *n {
                    return fail(format!("expected at most {n} rounds, got {got}"));
                }
            }
            E::Rounds(n) => {
                let got = game()?.rounds.0;
                if got != *n {
                    return fail(format!("expected {n} rounds, got {got}"));
                }
            }
            E::PointsPerDissection(n) => {
                let post = game()?;
                let bad = post.transcript.iter().find_map(|m| match m {
                    // A client's transcript may have `lo > hi`; that is a failed expectation, not a panic.
                    Move::Dissect(d) if d.points.len() != *n && d.hi.0.saturating_sub(d.lo.0) > *n as u64 => {
                        Some(d.points.len())
                    }
                    _ => None,
                });
                if let Some(got) = bad {
                    return fail(format!("expected every full dissection to post {n} commitments, one posts {got}"));
                }
            }
            E::ReplayAgrees => {
                let post = game()?;
                let RefuteVector::Bisection(v) = case else {
                    return fail("replay is about a game".into());
                };
                let replayed =
                    reference::replay_winner(&v.config, &post.claim.0).map_err(|e| StepError(e.to_string()))?;
                if replayed != post.winner {
                    return fail(format!("replay names the {replayed:?} but the game the {:?}", post.winner));
                }
            }
            E::Rejected(code) => match step()? {
                StepProofPost::Rejected { code: got } if got == code => {}
                other => return fail(format!("expected the proof to be rejected as {}, got {other:?}", code.name())),
            },
            E::Accepted => {
                if !matches!(step()?, StepProofPost::Accepted { .. }) {
                    return fail(format!("expected the proof to be accepted, got {:?}", step()?));
                }
            }
            E::PostEqualsPre => match step()? {
                StepProofPost::Proven { pre, post, .. } if pre == post => {}
                other => return fail(format!("expected post = pre, got {other:?}")),
            },
            E::CarriesAnswer(value) => {
                let proof = proof_of(step()?)?;
                match proof.answer.map(|a| a.answer) {
                    Some(::vm::proof::TapeEntry::Ok { value: got, .. }) if got == *value => {}
                    other => {
                        return fail(format!(
                            "expected the proof to carry the host answer {value}, it carries {other:?}"
                        ));
                    }
                }
            }
            E::CarriesNoAnswer => {
                let proof = proof_of(step()?)?;
                if let Some(answer) = proof.answer {
                    return fail(format!("expected no host answer in the proof, it carries {:?}", answer.answer));
                }
            }
            E::CommitmentsEqual(a, b, equal) => {
                let states = states()?;
                let find = |n: u64| {
                    states
                        .iter()
                        .find(|s| s.at.0 == n)
                        .map(|s| s.commitment)
                        .ok_or_else(|| StepError(format!("no commitment after {n} steps was asked for")))
                };
                if (find(*a)? == find(*b)?) != *equal {
                    let how = if *equal { "equal" } else { "different" };
                    return fail(format!("expected the commitments after {a} and {b} steps to be {how}"));
                }
            }
            E::StackDepth(n, depth) => {
                let states = states()?;
                let state = states
                    .iter()
                    .find(|s| s.at.0 == *n)
                    .ok_or_else(|| StepError(format!("no commitment after {n} steps was asked for")))?;
                if state.stack_depth.0 != *depth {
                    return fail(format!("expected stack depth {depth} after {n} steps, got {}", state.stack_depth));
                }
            }
        }
        Ok(())
    }
}
