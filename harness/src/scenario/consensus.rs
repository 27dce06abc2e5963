//! The consensus step vocabulary: Gherkin sentences about one Tendermint node, the messages,
//! timeouts and validation answers its environment feeds it, and what it must do, after the
//! paper (Buchman, Kwon and Milosevic, arXiv 1807.04938).
//!
//! Given steps describe the validator set and the node; When steps add inputs; Then steps add
//! expectations about the outputs of the inputs since the last Then step (or about the node's
//! state after them). Scenarios build the same [`Script`] the generator's scripted cases do;
//! the case is filled by the reference and the expectations are checked against whatever
//! answered it (the reference or a client), so a scenario checks any implementation.
//!
//! Values are named by a capital letter and more letters or digits (`A`, `B2`); a value's bytes
//! are its name in ASCII. Validators are numbered from 1 in the set's order; "peer N" is the
//! N-th validator that is not the node.

use consensus::{Keypair, value_id};

use super::vm::{Keyword, StepError};
use super::{Steps, SuiteScenario, UINT, captures, invalid, refused, uint};
use crate::case::consensus::{
    AddressHex, ConsensusCase, ConsensusResult, ConsensusVector, StepCode, TendermintErrorCode, TimeoutKindCode,
    TimeoutsSpec, ValidationMode, VoteTypeCode,
};
use crate::case::{Case, CaseId, Provenance, Uint};
use crate::client::CaseResult;
use crate::reference::consensus as reference;
use crate::vectors::gen_consensus::script::{Expectation, KEY_SEED, OUTSIDER, Pat, Script, StateCheck};

/// A consensus scenario as built so far.
#[derive(Clone, Debug, Default)]
pub struct ConsensusScenario {
    /// The script, once a Given step has named the validators.
    pub script: Option<Script>,
}

/// The sentences, for error messages and docs.
pub const VOCABULARY: &str = "\
Given N validators of equal power  |  Given validators with powers 4, 2, 2 and 2
Given the node is validator N  |  Given the node is the proposer of round R
Given the node is not the proposer of round R  |  … of rounds R, S and T
Given the node is not a validator
Given the node starts at height H
Given validation is pipelined
Given the application proposes X at height H round R  |  Given the application finds X invalid
Given timeoutPropose is B ms plus D ms per round   (timeoutPrevote, timeoutPrecommit)
When the node starts
When the proposer of round R proposes X [with valid round V] [at height H]
When validator N proposes X in round R [with valid round V] [at height H]
When peer N prevotes X in round R [at height H]   (X a value or nil; precommits; validator N)
When peers N, M and K prevote X in round R  |  When N peers prevote …  |  When all peers prevote …
When all validators prevote X in round R   (for an observer)
When peer N sends a prevote for X in round R with a bad signature
When an outsider prevotes X in round R
When the propose timeout of round R expires [at height H]   (prevote, precommit)
When the application answers with X for round R [at height H]
When the validation of X completes as valid  |  … as invalid
Then the node proposes X in round R [with valid round V] [at height H]
Then the node prevotes X in round R [at height H]   (precommits; X a value or nil)
Then the node does not prevote  |  does not precommit  |  does not vote  |  does not propose  |  does not decide
Then the node does nothing
Then the node schedules the propose timeout of round R for D ms [at height H]   (prevote, precommit)
Then the node decides X in round R [at height H]
Then the node reports peer N for a duplicate vote  |  … for a duplicate proposal   (or validator N)
Then the node asks for a value for round R  |  Then the node asks to validate X
Then the input is rejected as CODE  |  Then the inputs are accepted
Then the node is locked on X in round R  |  Then the node is not locked
Then the node's valid value is X from round R  |  Then the node has no valid value
Then the node is in round R  |  Then the node is at height H  |  Then the node is in step S";

fn unknown(keyword: &str, text: &str) -> StepError {
    StepError(format!("no step matches `{keyword} {text}`. The consensus steps are:\n{VOCABULARY}"))
}

const VALUE: &str = "(nil|[A-Z][A-Za-z0-9]*)";
const NAMED: &str = "([A-Z][A-Za-z0-9]*)";
const AT_HEIGHT: &str = "(?: at height ([0-9]+))?";
const WITH_VR: &str = "(?: with valid round ([0-9]+))?";
const KIND: &str = "(propose|prevote|precommit)";

fn round(s: &str) -> Result<u32, StepError> {
    s.parse().map_err(|_| StepError(format!("`{s}` is not a round (0 to 4294967295)")))
}

fn index(s: &str) -> Result<usize, StepError> {
    s.parse().map_err(|_| StepError(format!("`{s}` is not a number")))
}

/// `nil`, or a value's bytes (its name in ASCII).
fn value(s: &str) -> Option<Vec<u8>> {
    (s != "nil").then(|| s.as_bytes().to_vec())
}

fn numbers(s: &str) -> Result<Vec<usize>, StepError> {
    s.split([',', ' ']).filter(|w| !w.is_empty() && *w != "and").map(index).collect()
}

fn kind(s: &str) -> TimeoutKindCode {
    match s {
        "propose" => TimeoutKindCode::Propose,
        "prevote" => TimeoutKindCode::Prevote,
        _ => TimeoutKindCode::Precommit,
    }
}

fn vote_type(verb: &str) -> VoteTypeCode {
    if verb.starts_with("prevote") { VoteTypeCode::Prevote } else { VoteTypeCode::Precommit }
}

fn step_error(e: crate::case::CaseError) -> StepError {
    StepError(e.to_string())
}

impl Steps for ConsensusScenario {
    fn apply(&mut self, keyword: Keyword, text: &str, _docstring: Option<&str>) -> Result<(), StepError> {
        let text = text.trim();
        match keyword {
            Keyword::Given => self.given(text),
            Keyword::When => self.when(text),
            Keyword::Then => self.then(text),
        }
    }
}

impl ConsensusScenario {
    fn script(&mut self) -> Result<&mut Script, StepError> {
        self.script.as_mut().ok_or_else(|| {
            StepError("the scenario never names the validators (`Given 4 validators of equal power`)".into())
        })
    }

    /// Validator `n` (from 1) as an index.
    fn validator(&mut self, n: &str) -> Result<usize, StepError> {
        let n = index(n)?;
        let len = self.script()?.len();
        n.checked_sub(1)
            .filter(|i| *i < len)
            .ok_or_else(|| StepError(format!("there is no validator {n} (1 to {len})")))
    }

    /// `peer N` or `validator N` as an index.
    fn who(&mut self, word: &str, n: &str) -> Result<usize, StepError> {
        if word == "peer" { self.script()?.peer(index(n)?).map_err(step_error) } else { self.validator(n) }
    }

    /// The height a step names, or the node's first height.
    fn height(&mut self, h: &str) -> Result<u64, StepError> {
        if h.is_empty() { Ok(self.script()?.height) } else { uint(h) }
    }

    fn given(&mut self, text: &str) -> Result<(), StepError> {
        if let Some(&[n]) = captures(re!(format!("{UINT} validators of equal power")), text).as_deref() {
            let n = index(n)?;
            if n == 0 || n > crate::case::consensus::MAX_VALIDATORS {
                return Err(StepError(format!("a set has 1 to {} validators", crate::case::consensus::MAX_VALIDATORS)));
            }
            self.script = Some(Script::new(KEY_SEED, &vec![1; n]));
            return Ok(());
        }
        if let Some(&[list]) = captures(re!("validators with powers ([0-9, and]+)"), text).as_deref() {
            let powers: Vec<u64> =
                list.split([',', ' ']).filter(|w| !w.is_empty() && *w != "and").map(uint).collect::<Result<_, _>>()?;
            if powers.is_empty() || powers.len() > crate::case::consensus::MAX_VALIDATORS {
                return Err(StepError("a set has 1 to 256 validators".into()));
            }
            self.script = Some(Script::new(KEY_SEED, &powers));
            return Ok(());
        }
        if let Some(&[n]) = captures(re!(format!("the node is validator {UINT}")), text).as_deref() {
            let who = self.validator(n)?;
            return self.script()?.set_node(who).map_err(step_error);
        }
        if let Some(&[r]) = captures(re!(format!("the node is the proposer of round {UINT}")), text).as_deref() {
            let r = round(r)?;
            return self.script()?.node_proposing(r).map_err(step_error);
        }
        if let Some(&[list]) = captures(re!("the node is not the proposer of rounds? ([0-9, and]+)"), text).as_deref() {
            let rounds: Vec<u32> = numbers(list)?
                .into_iter()
                .map(|r| u32::try_from(r).map_err(|_| StepError(format!("`{r}` is not a round (0 to 4294967295)"))))
                .collect::<Result<_, _>>()?;
            return self.script()?.node_not_proposing(&rounds, |_, _| Ok(true)).map_err(step_error);
        }
        if text == "the node is not a validator" {
            self.script()?.set_observer(Keypair::derive(KEY_SEED, OUTSIDER));
            return Ok(());
        }
        if let Some(&[h]) = captures(re!(format!("the node starts at height {UINT}")), text).as_deref() {
            let h = uint(h)?;
            if h == 0 || h > crate::case::consensus::MAX_HEIGHT {
                return Err(StepError("heights start at 1".into()));
            }
            self.script()?.height = h;
            return Ok(());
        }
        if text == "validation is pipelined" {
            self.script()?.validation = ValidationMode::Pipelined;
            return Ok(());
        }
        if let Some(&[v, h, r]) =
            captures(re!(format!("the application proposes {NAMED} at height {UINT} round {UINT}")), text).as_deref()
        {
            let (h, r) = (uint(h)?, round(r)?);
            self.script()?.app_value(h, r, v.as_bytes());
            return Ok(());
        }
        if let Some(&[v]) = captures(re!(format!("the application finds {NAMED} invalid")), text).as_deref() {
            self.script()?.app_rejects(v.as_bytes());
            return Ok(());
        }
        if let Some(&[which, base, delta]) =
            captures(re!(format!("timeout(Propose|Prevote|Precommit) is {UINT} ms plus {UINT} ms per round")), text)
                .as_deref()
        {
            let (base, delta) = (uint(base)?, uint(delta)?);
            let limit = crate::case::consensus::MAX_TIMEOUT_MS;
            if base > limit || delta > limit {
                return Err(StepError(format!("a timeout's base and delta are at most {limit} ms")));
            }
            let t: &mut TimeoutsSpec = &mut self.script()?.timeouts;
            let (b, d) = match which {
                "Propose" => (&mut t.propose_ms, &mut t.propose_delta_ms),
                "Prevote" => (&mut t.prevote_ms, &mut t.prevote_delta_ms),
                _ => (&mut t.precommit_ms, &mut t.precommit_delta_ms),
            };
            (*b, *d) = (Uint(base), Uint(delta));
            return Ok(());
        }
        Err(unknown("Given", text))
    }

    fn when(&mut self, text: &str) -> Result<(), StepError> {
        if text == "the node starts" {
            self.script()?.start();
            return Ok(());
        }
        if let Some(&[r, v, vr, h]) =
            captures(re!(format!("the proposer of round {UINT} proposes {NAMED}{WITH_VR}{AT_HEIGHT}")), text).as_deref()
        {
            let (r, h) = (round(r)?, self.height(h)?);
            let vr = if vr.is_empty() { None } else { Some(round(vr)?) };
            self.script()?.proposer_proposes(h, r, v.as_bytes(), vr).map_err(step_error)?;
            return Ok(());
        }
        if let Some(&[n, v, r, vr, h]) =
            captures(re!(format!("validator {UINT} proposes {NAMED} in round {UINT}{WITH_VR}{AT_HEIGHT}")), text)
                .as_deref()
        {
            let who = self.validator(n)?;
            let (r, h) = (round(r)?, self.height(h)?);
            let vr = if vr.is_empty() { None } else { Some(round(vr)?) };
            self.script()?.propose(who, h, r, v.as_bytes(), vr).map_err(step_error)?;
            return Ok(());
        }
        if let Some(&[word, n, verb, v, r, h]) = captures(
            re!(format!("(peer|validator) {UINT} (prevotes|precommits) {VALUE} in round {UINT}{AT_HEIGHT}")),
            text,
        )
        .as_deref()
        {
            let who = self.who(word, n)?;
            let (r, h) = (round(r)?, self.height(h)?);
            let value = value(v);
            self.script()?.vote(who, vote_type(verb), h, r, value.as_deref()).map_err(step_error)?;
            return Ok(());
        }
        if let Some(&[group, verb, v, r, h]) = captures(
            re!(format!(
                "(peers [0-9, and]+|[0-9]+ peers|all peers|all validators) (prevote|precommit) {VALUE} in round {UINT}{AT_HEIGHT}"
            )),
            text,
        )
        .as_deref()
        {
            let (r, h) = (round(r)?, self.height(h)?);
            let script = self.script()?;
            let who: Vec<usize> = if group == "all peers" {
                script.peers()
            } else if group == "all validators" {
                (0..script.len()).collect()
            } else if let Some(list) = group.strip_prefix("peers ") {
                numbers(list)?.into_iter().map(|k| script.peer(k)).collect::<Result<_, _>>().map_err(step_error)?
            } else {
                let count = index(group.trim_end_matches(" peers"))?;
                (1..=count).map(|k| script.peer(k)).collect::<Result<_, _>>().map_err(step_error)?
            };
            let value = value(v);
            script.votes(&who, vote_type(verb), h, r, value.as_deref()).map_err(step_error)?;
            return Ok(());
        }
        if let Some(&[n, v, r]) =
            captures(re!(format!("peer {UINT} sends a prevote for {VALUE} in round {UINT} with a bad signature")), text)
                .as_deref()
        {
            let r = round(r)?;
            let script = self.script()?;
            let who = script.peer(index(n)?).map_err(step_error)?;
            let key = script.key(who).map_err(step_error)?.clone();
            let mut vote =
                Script::signed_vote(&key, VoteTypeCode::Prevote, script.height, r, value(v).as_deref().map(value_id));
            if let Some(byte) = vote.signature.0.last_mut() {
                *byte ^= 1;
            }
            script.push(crate::case::consensus::InputSpec::Vote(vote));
            return Ok(());
        }
        if let Some(&[v, r]) = captures(re!(format!("an outsider prevotes {VALUE} in round {UINT}")), text).as_deref() {
            let r = round(r)?;
            let script = self.script()?;
            let outsider = Keypair::derive(KEY_SEED, OUTSIDER);
            let vote = Script::signed_vote(
                &outsider,
                VoteTypeCode::Prevote,
                script.height,
                r,
                value(v).as_deref().map(value_id),
            );
            script.push(crate::case::consensus::InputSpec::Vote(vote));
            return Ok(());
        }
        if let Some(&[k, r, h]) =
            captures(re!(format!("the {KIND} timeout of round {UINT} expires{AT_HEIGHT}")), text).as_deref()
        {
            let (r, h) = (round(r)?, self.height(h)?);
            self.script()?.timeout(kind(k), h, r);
            return Ok(());
        }
        if let Some(&[v, r, h]) =
            captures(re!(format!("the application answers with {NAMED} for round {UINT}{AT_HEIGHT}")), text).as_deref()
        {
            let (r, h) = (round(r)?, self.height(h)?);
            self.script()?.propose_value(h, r, v.as_bytes());
            return Ok(());
        }
        if let Some(&[v, verdict, h]) =
            captures(re!(format!("the validation of {NAMED} completes as (valid|invalid){AT_HEIGHT}")), text).as_deref()
        {
            let h = self.height(h)?;
            self.script()?.validated(h, v.as_bytes(), verdict == "valid");
            return Ok(());
        }
        Err(unknown("When", text))
    }

    fn then(&mut self, text: &str) -> Result<(), StepError> {
        let node_height =
            |h: &str| -> Result<Option<u64>, StepError> { if h.is_empty() { Ok(None) } else { uint(h).map(Some) } };
        let simple = match text {
            "the node does not prevote" => Some(Pat::AnyVote(Some(VoteTypeCode::Prevote))),
            "the node does not precommit" => Some(Pat::AnyVote(Some(VoteTypeCode::Precommit))),
            "the node does not vote" => Some(Pat::AnyVote(None)),
            "the node does not propose" => Some(Pat::AnyProposal),
            "the node does not decide" => Some(Pat::AnyDecide),
            "the node reports nothing" => Some(Pat::AnyEvidence),
            _ => None,
        };
        if let Some(pat) = simple {
            self.script()?.expect_not(pat);
            return Ok(());
        }
        match text {
            "the node does nothing" => {
                self.script()?.expect_nothing();
                return Ok(());
            }
            "the inputs are accepted" | "the input is accepted" => {
                self.script()?.expect_accepted();
                return Ok(());
            }
            "the node is not locked" => {
                self.script()?.expect_state(StateCheck::Locked(None));
                return Ok(());
            }
            "the node has no valid value" => {
                self.script()?.expect_state(StateCheck::Valid(None));
                return Ok(());
            }
            _ => {}
        }
        let pat = if let Some(&[v, r, vr, h]) =
            captures(re!(format!("the node proposes {NAMED} in round {UINT}{WITH_VR}{AT_HEIGHT}")), text).as_deref()
        {
            let vr = if vr.is_empty() { None } else { Some(round(vr)?) };
            Pat::Proposal { height: node_height(h)?, round: round(r)?, value: v.as_bytes().to_vec(), valid_round: vr }
        } else if let Some(&[verb, v, r, h]) =
            captures(re!(format!("the node (prevotes|precommits) {VALUE} in round {UINT}{AT_HEIGHT}")), text).as_deref()
        {
            Pat::Vote {
                vote_type: vote_type(verb),
                height: node_height(h)?,
                round: round(r)?,
                value: value(v).as_deref().map(value_id),
            }
        } else if let Some(&[k, r, ms, h]) = captures(
            re!(format!("the node schedules the {KIND} timeout of round {UINT} for {UINT} ms{AT_HEIGHT}")),
            text,
        )
        .as_deref()
        {
            Pat::Timeout { kind: kind(k), height: node_height(h)?, round: round(r)?, duration_ms: Some(uint(ms)?) }
        } else if let Some(&[v, r, h]) =
            captures(re!(format!("the node decides {NAMED} in round {UINT}{AT_HEIGHT}")), text).as_deref()
        {
            Pat::Decide { height: node_height(h)?, round: round(r)?, value: value_id(v.as_bytes()) }
        } else if let Some(&[who, n, what]) = captures(
            re!(format!(
                "the node reports (peer|validator|the proposer of round) {UINT} for a duplicate (vote|proposal)"
            )),
            text,
        )
        .as_deref()
        {
            let index = if who == "the proposer of round" {
                let h = self.script()?.height;
                self.script()?.proposer(h, round(n)?).map_err(step_error)?
            } else {
                self.who(who, n)?
            };
            let signer = AddressHex::of(self.script()?.key(index).map_err(step_error)?.address());
            let kind = if what == "vote" { "duplicate_vote" } else { "duplicate_proposal" };
            Pat::Evidence { kind, signer }
        } else if let Some(&[r, h]) =
            captures(re!(format!("the node asks for a value for round {UINT}{AT_HEIGHT}")), text).as_deref()
        {
            Pat::GetValue { height: node_height(h)?, round: round(r)? }
        } else if let Some(&[v]) = captures(re!(format!("the node asks to validate {NAMED}")), text).as_deref() {
            Pat::Validate(value_id(v.as_bytes()))
        } else {
            return self.then_state(text);
        };
        self.script()?.expect(pat);
        Ok(())
    }

    fn then_state(&mut self, text: &str) -> Result<(), StepError> {
        if let Some(&[code]) = captures(re!("the input is rejected as ([a-z_]+)"), text).as_deref() {
            let code = TendermintErrorCode::from_name(code)
                .ok_or_else(|| StepError(format!("`{code}` is not a consensus error code (vectors.md §8)")))?;
            self.script()?.expect_error(code);
            return Ok(());
        }
        let check = if let Some(&[v, r]) =
            captures(re!(format!("the node is locked on {NAMED} in round {UINT}")), text).as_deref()
        {
            StateCheck::Locked(Some((value_id(v.as_bytes()), round(r)?)))
        } else if let Some(&[v, r]) =
            captures(re!(format!("the node's valid value is {NAMED} from round {UINT}")), text).as_deref()
        {
            StateCheck::Valid(Some((value_id(v.as_bytes()), round(r)?)))
        } else if let Some(&[r]) = captures(re!(format!("the node is in round {UINT}")), text).as_deref() {
            StateCheck::Round(round(r)?)
        } else if let Some(&[h]) = captures(re!(format!("the node is at height {UINT}")), text).as_deref() {
            StateCheck::Height(uint(h)?)
        } else if let Some(&[s]) = captures(re!("the node is in step (propose|prevote|precommit)"), text).as_deref() {
            StateCheck::Step(StepCode::from_name(s).unwrap_or(StepCode::Propose))
        } else {
            return Err(unknown("Then", text));
        };
        self.script()?.expect_state(check);
        Ok(())
    }
}

impl SuiteScenario for ConsensusScenario {
    const SUITE: &'static str = "consensus";
    type Vector = ConsensusVector;
    type Result = ConsensusResult;
    type Expectation = Expectation;

    fn expectations(&self) -> &[Expectation] {
        self.script.as_ref().map_or(&[], |s| &s.expectations)
    }

    /// A claim about the state in the middle of the run is checked against the reference's
    /// run of the inputs up to there: a cucumber run checks each Then step against a run of the
    /// inputs so far, so against a client only the last state is ever asked for.
    fn check(expectation: &Expectation, vector: &ConsensusVector, result: &ConsensusResult) -> Result<(), StepError> {
        let (ConsensusVector::Tendermint(v), ConsensusResult::Tendermint(r)) = (vector, result) else {
            return Err(StepError("a consensus scenario is a tendermint case".into()));
        };
        let state_at = |n: usize| reference::state_after(&v.config, n).map_err(|e| e.to_string());
        expectation.check(&v.config, &r.post, &state_at).map_err(StepError)
    }

    fn expected(vector: &ConsensusVector) -> ConsensusResult {
        vector.expected()
    }

    fn case(vector: ConsensusVector) -> Case {
        Case::Consensus(vector)
    }

    fn result_of(result: CaseResult) -> Option<ConsensusResult> {
        match result {
            CaseResult::Consensus(result) => Some(result),
            _ => None,
        }
    }

    fn vector(
        &self,
        name: &str,
        description: &str,
        tags: &[String],
        provenance: Provenance,
    ) -> Result<ConsensusVector, StepError> {
        let script = self.script.as_ref().ok_or_else(|| {
            StepError("the scenario never names the validators (`Given 4 validators of equal power`)".into())
        })?;
        if script.inputs.is_empty() {
            return Err(StepError("the scenario has no When step".into()));
        }
        let id = CaseId::new("consensus", "tendermint", name).map_err(invalid)?;
        let config = script.config();
        config.check().map_err(invalid)?;
        let post = reference::tendermint(&config).map_err(refused)?;
        let mut tags = tags.to_vec();
        tags.push(if config.validation == ValidationMode::Pipelined { "pipelined" } else { "callback" }.to_owned());
        let vector = ConsensusVector::Tendermint(ConsensusCase::new(
            &id,
            description.to_owned(),
            tags,
            provenance,
            config,
            post,
        ));
        // The environment only answers what the node asked (VEC-8.4): a timeout a scenario lets
        // expire must have been scheduled.
        Case::Consensus(vector.clone()).check().map_err(invalid)?;
        Ok(vector)
    }
}
