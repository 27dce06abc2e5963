//! The consensus suite: its vectors regenerate identically and the reference passes them; each
//! vector agrees with ground truth derived here apart from the reference (the paper's
//! expectations of every scripted case, the paper's safety rules checked on every input of every
//! Tendermint vector, CometBFT's own proposer-selection tests and a second implementation of the
//! rotation, the evidence tamper kinds' error codes); and tampered expectations, wrong clients,
//! clients that do not claim the suite and garbage are caught with field-path diffs, skips or
//! clean errors.

use std::collections::{BTreeMap, BTreeSet};

use consensus::{Address, Keypair, value_id};
use harness::case::Case;
use harness::case::consensus::{
    AddressHex, ConsensusVector, EvidencePost, InputSpec, MaybeId, OutputSpec, StepPost, TendermintConfig,
    TendermintErrorCode, TendermintPost, TimeoutKindCode, ValidationMode, VoteTypeCode,
};
use harness::vectors::gen_consensus::{EVIDENCE_TAMPER_KINDS, ascii_address, numbered_address};
use primitives::Hash32;
use proptest::prelude::*;
use serde_json::Value;

use super::{
    assert_committed, case_report, committed, diff_paths, faulty_client, orsma_report, repo, scratch, scripted_client,
};

fn consensus_cases() -> Vec<ConsensusVector> {
    committed(|case| match case {
        Case::Consensus(v) => Some(v),
        _ => None,
    })
}

fn consensus_cases_cached() -> &'static [ConsensusVector] {
    static CASES: std::sync::OnceLock<Vec<ConsensusVector>> = std::sync::OnceLock::new();
    CASES.get_or_init(consensus_cases)
}

fn find(cases: &[ConsensusVector], id: &str) -> ConsensusVector {
    cases.iter().find(|v| v.id() == id).cloned().unwrap_or_else(|| panic!("no vector {id}"))
}

#[test]
fn the_consensus_vectors_regenerate_identically_and_the_reference_passes_them() {
    let cases = harness::vectors::gen_consensus::generate(0).expect("generates");
    let again = harness::vectors::gen_consensus::generate(0).expect("generates");
    assert_eq!(cases, again, "generation is deterministic");
    let per_handler = assert_committed(&cases);
    assert_eq!(per_handler.len(), 3, "{per_handler:?}");
    assert!(per_handler.values().all(|&n| n >= 40), "{per_handler:?}");

    let committed = consensus_cases();
    assert!(committed.len() > cases.len(), "the scenarios are exported too");
    assert!(committed.len() >= 300, "a few hundred consensus vectors, got {}", committed.len());
    let bytes: usize =
        committed.iter().map(|v| Case::Consensus(v.clone()).render(harness::case::Encoding::Yaml).len()).sum();
    assert!(bytes < 3 << 20, "the consensus vectors take {bytes} bytes");
    let mut reference = harness::client::Reference::default();
    for v in &committed {
        let exchange = harness::client::Target::run(&mut reference, &Case::Consensus(v.clone()), false);
        match exchange.reply {
            Ok(harness::client::Reply::Ran(harness::client::CaseResult::Consensus(result))) => {
                assert!(v.matches(&result), "{}: the reference gives {result:?}", v.id());
            }
            other => panic!("{}: {other:?}", v.id()),
        }
    }
}

#[test]
fn every_scripted_vector_does_what_the_paper_says() {
    let cases = consensus_cases();
    let scripts = harness::vectors::gen_consensus::scripts().expect("scripts");
    assert!(scripts.len() >= 40, "{} scripted cases", scripts.len());
    for scripted in scripts {
        let id = format!("consensus/tendermint/{}", scripted.name);
        let ConsensusVector::Tendermint(v) = find(&cases, &id) else { panic!("{id}: not a tendermint case") };
        assert_eq!(v.config, scripted.script.config(), "{id}: the committed inputs are the script's");
        assert!(!scripted.script.expectations.is_empty(), "{id} states what the paper expects");
        // The committed expectations (the reference's, when it was generated) satisfy the
        // paper's expectations, written in the script apart from the reference.
        let state_at = |n: usize| harness::reference::consensus::state_after(&v.config, n).map_err(|e| e.to_string());
        scripted.script.check(&v.config, &v.post, &state_at).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

// ---------------------------------------------------------------------------------------------
// the paper's safety rules, checked on every input of every tendermint vector

/// A proposal as the rules see it: its value's id and its valid round.
type Proposed = (Hash32, Option<u32>);

/// Accepted signed messages of one case, by slot.
#[derive(Default)]
struct Seen {
    /// `(height, round, type, value)` → the validators that voted so.
    votes: BTreeMap<(u64, u32, VoteTypeCode, Option<Hash32>), BTreeSet<Address>>,
    /// `(height, round)` → `(id, valid round)` of each proposal.
    proposals: BTreeMap<(u64, u32), Vec<Proposed>>,
    /// `(height, round)` → the validators that sent anything for it.
    senders: BTreeMap<(u64, u32), BTreeSet<Address>>,
}

struct Powers {
    by_address: BTreeMap<Address, u64>,
    total: u64,
}

impl Powers {
    fn of(config: &TendermintConfig) -> Powers {
        let by_address: BTreeMap<Address, u64> =
            config.validators.iter().map(|v| (Address::from_public_key(&v.public_key.0), v.power.0)).collect();
        let total = by_address.values().sum();
        Powers { by_address, total }
    }

    fn power(&self, who: &BTreeSet<Address>) -> u64 {
        who.iter().map(|a| self.by_address.get(a).copied().unwrap_or(0)).sum()
    }

    /// More than two thirds: `3w > 2N`.
    fn quorum(&self, who: &BTreeSet<Address>) -> bool {
        3 * u128::from(self.power(who)) > 2 * u128::from(self.total)
    }

    /// More than a third: `3w > N`.
    fn one_third(&self, who: &BTreeSet<Address>) -> bool {
        3 * u128::from(self.power(who)) > u128::from(self.total)
    }
}

impl Seen {
    fn vote(&mut self, vote_type: VoteTypeCode, height: u64, round: u32, value: MaybeId, signer: AddressHex) {
        self.votes.entry((height, round, vote_type, value.0)).or_default().insert(signer.address());
        self.senders.entry((height, round)).or_default().insert(signer.address());
    }

    fn proposal(&mut self, height: u64, round: u32, value: &[u8], valid_round: Option<u32>, signer: AddressHex) {
        self.proposals.entry((height, round)).or_default().push((value_id(value), valid_round));
        self.senders.entry((height, round)).or_default().insert(signer.address());
    }

    fn voters(&self, height: u64, round: u32, vote_type: VoteTypeCode, value: Option<Hash32>) -> BTreeSet<Address> {
        self.votes.get(&(height, round, vote_type, value)).cloned().unwrap_or_default()
    }

    fn proposed(&self, height: u64, round: u32) -> &[Proposed] {
        self.proposals.get(&(height, round)).map_or(&[], Vec::as_slice)
    }
}

/// Checks the paper's rules on what the node did after each input: it never signs two different
/// votes or proposals for one slot; it precommits a value only with its proposal and a polka, and
/// decides it only with its proposal and 2f+1 precommits (its certificate naming them); it
/// prevotes a value only for a proposal (with a polka at its valid round if it has one), and,
/// once locked on another value, only for one re-proposed with a polka at a round no earlier
/// than its lock (rule 28); it enters a round only at the start of a height, on the previous
/// round's timeoutPrecommit, or on f+1 senders of that round (rule 55); every timeout lasts
/// `base + delta·round`; it decides each height once, in order.
fn paper_rules(config: &TendermintConfig, post: &TendermintPost) -> Result<(), String> {
    let powers = Powers::of(config);
    let node = AddressHex::of(Keypair::from_secret(config.node.secret_key.0).address());
    let mut seen = Seen::default();
    let mut own_votes: BTreeMap<(u64, u32, VoteTypeCode), Option<Hash32>> = BTreeMap::new();
    let mut own_proposals: BTreeMap<(u64, u32), Proposed> = BTreeMap::new();
    let mut lock: Option<(u64, Hash32, u32)> = None;
    let mut height = config.height.0;
    let mut entered: BTreeSet<(u64, u32)> = BTreeSet::new();
    for (i, (input, step)) in config.inputs.iter().zip(&post.steps).enumerate() {
        let at = |what: String| format!("input {i}: {what}");
        let StepPost::Outputs(outputs) = step else { continue };
        match input {
            InputSpec::Proposal(p) => seen.proposal(p.height.0, p.round.0, &p.value.0, p.valid_round.0, p.signer),
            InputSpec::Vote(v) => seen.vote(v.vote_type, v.height.0, v.round.0, v.value, v.signer),
            _ => {}
        }
        let precommit_timeout = match input {
            InputSpec::Timeout(t) if t.kind == TimeoutKindCode::Precommit => Some((t.height.0, t.round.0)),
            _ => None,
        };
        let mut new_height = None;
        for output in outputs {
            // Entering a round shows in its first output: timeoutPropose scheduled, or, for the
            // proposer, its proposal (callback) or its request for a value (pipelined).
            let entry = match output {
                OutputSpec::ScheduleTimeout(t) if t.kind == TimeoutKindCode::Propose => Some((t.height.0, t.round.0)),
                OutputSpec::GetValue(g) => Some((g.height.0, g.round.0)),
                OutputSpec::Proposal(p) if config.validation == ValidationMode::Callback => {
                    Some((p.height.0, p.round.0))
                }
                _ => None,
            };
            if let Some((h, r)) = entry
                && entered.insert((h, r))
            {
                let first_of_height = r == 0 && (h == config.height.0 || new_height == Some(h));
                let after_timeout = r > 0 && precommit_timeout == Some((h, r - 1));
                let skipped = seen.senders.get(&(h, r)).is_some_and(|s| powers.one_third(s));
                if !(first_of_height || after_timeout || skipped) {
                    return Err(at(format!("the node entered round {r} of height {h} without cause")));
                }
            }
            match output {
                OutputSpec::ScheduleTimeout(t) => {
                    let want = config.timeouts.duration_ms(t.kind, t.round.0);
                    if t.duration_ms.0 != want {
                        return Err(at(format!(
                            "{} timeout of round {} lasts {} ms, not {want}",
                            t.kind.name(),
                            t.round,
                            t.duration_ms
                        )));
                    }
                }
                OutputSpec::Proposal(p) => {
                    let slot = (p.height.0, p.round.0);
                    let mine = (value_id(&p.value.0), p.valid_round.0);
                    if own_proposals.insert(slot, mine).is_some_and(|before| before != mine) {
                        return Err(at(format!("the node signed two proposals for {slot:?}")));
                    }
                    if let Some(vr) = p.valid_round.0
                        && !powers.quorum(&seen.voters(p.height.0, vr, VoteTypeCode::Prevote, Some(mine.0)))
                    {
                        return Err(at(format!("the node re-proposed with valid round {vr} without a polka there")));
                    }
                    seen.proposal(p.height.0, p.round.0, &p.value.0, p.valid_round.0, node);
                }
                OutputSpec::Vote(v) => {
                    let (h, r, value) = (v.height.0, v.round.0, v.value.0);
                    if v.signer != node {
                        return Err(at("the node broadcast a vote it did not sign".to_owned()));
                    }
                    if own_votes.insert((h, r, v.vote_type), value).is_some_and(|before| before != value) {
                        return Err(at(format!("the node signed two different {}s in round {r}", v.vote_type.name())));
                    }
                    if let Some(id) = value {
                        let proposals: Vec<Proposed> =
                            seen.proposed(h, r).iter().copied().filter(|(p, _)| *p == id).collect();
                        if proposals.is_empty() {
                            return Err(at(format!(
                                "the node {}d a value never proposed in round {r}",
                                v.vote_type.name()
                            )));
                        }
                        match v.vote_type {
                            VoteTypeCode::Precommit => {
                                if !powers.quorum(&seen.voters(h, r, VoteTypeCode::Prevote, Some(id))) {
                                    return Err(at(format!("the node precommitted in round {r} without a polka")));
                                }
                                lock = Some((h, id, r));
                            }
                            VoteTypeCode::Prevote => {
                                let polka_at =
                                    |x: u32| powers.quorum(&seen.voters(h, x, VoteTypeCode::Prevote, Some(id)));
                                let justified = proposals.iter().any(|(_, vr)| vr.is_none_or(polka_at));
                                if !justified {
                                    return Err(at(format!(
                                        "the node prevoted in round {r} a re-proposal without its polka"
                                    )));
                                }
                                if let Some((lh, locked, lr)) = lock
                                    && lh == h
                                    && locked != id
                                    && !proposals
                                        .iter()
                                        .any(|(_, vr)| vr.is_some_and(|x| lr <= x && x < r && polka_at(x)))
                                {
                                    return Err(at(format!(
                                        "the node, locked in round {lr}, prevoted another value in round {r} without a later polka"
                                    )));
                                }
                            }
                        }
                    }
                    seen.vote(v.vote_type, h, r, v.value, node);
                }
                OutputSpec::Decide(d) => {
                    let (h, r, id) = (d.height.0, d.round.0, d.value_id.0);
                    if h != height {
                        return Err(at(format!("the node decided height {h} while at height {height}")));
                    }
                    let voters = seen.voters(h, r, VoteTypeCode::Precommit, Some(id));
                    if !powers.quorum(&voters) || !seen.proposed(h, r).iter().any(|(p, _)| *p == id) {
                        return Err(at(format!(
                            "the node decided in round {r} without a proposal and 2f+1 precommits"
                        )));
                    }
                    let signers: BTreeSet<Address> = d.signers.iter().map(|s| s.address()).collect();
                    if !signers.is_subset(&voters) || !powers.quorum(&signers) {
                        return Err(at("the decision's certificate is not 2f+1 of the precommits".to_owned()));
                    }
                    height = h + 1;
                    new_height = Some(height);
                    lock = None;
                }
                _ => {}
            }
        }
    }
    if post.state.height.0 != height {
        return Err(format!(
            "the node ends at height {} after deciding up to height {}",
            post.state.height,
            height - 1
        ));
    }
    Ok(())
}

#[test]
fn every_tendermint_vector_keeps_the_papers_rules() {
    let mut checked = 0;
    for v in consensus_cases_cached() {
        let ConsensusVector::Tendermint(case) = v else { continue };
        paper_rules(&case.config, &case.post).unwrap_or_else(|e| panic!("{}: {e}", case.id));
        checked += 1;
    }
    assert!(checked >= 200, "{checked} tendermint vectors");
}

#[test]
fn the_papers_rules_catch_a_node_that_breaks_them() {
    let cases = consensus_cases_cached();
    // lock_on_polka with the first peer's prevote for A turned into one for B: the node's
    // precommit of A no longer has a polka behind it.
    let ConsensusVector::Tendermint(mut v) = find(cases, "consensus/tendermint/lock_on_polka") else { panic!() };
    let InputSpec::Vote(vote) = &mut v.config.inputs[2] else { panic!("{:?}", v.config.inputs[2]) };
    vote.value = MaybeId(Some(value_id(b"B")));
    let e = paper_rules(&v.config, &v.post).expect_err("a precommit without a polka");
    assert!(e.contains("without a polka"), "{e}");
    // round_skip_on_f_plus_one_senders with the second sender of round 3 replaced by the first:
    // one sender of four is no reason to skip.
    let ConsensusVector::Tendermint(mut v) = find(cases, "consensus/tendermint/round_skip_on_f_plus_one_senders")
    else {
        panic!()
    };
    let first = match &v.config.inputs[1] {
        InputSpec::Vote(vote) => vote.signer,
        other => panic!("{other:?}"),
    };
    let InputSpec::Vote(vote) = &mut v.config.inputs[3] else { panic!("{:?}", v.config.inputs[3]) };
    vote.signer = first;
    let e = paper_rules(&v.config, &v.post).expect_err("a skip without f+1 senders");
    assert!(e.contains("entered round 3 of height 1 without cause"), "{e}");
    // happy_path_as_non_proposer with its decision's certificate cut to one signer.
    let ConsensusVector::Tendermint(mut v) = find(cases, "consensus/tendermint/happy_path_as_non_proposer") else {
        panic!()
    };
    let last = v.post.steps.len() - 1;
    let StepPost::Outputs(outputs) = &mut v.post.steps[last] else { panic!() };
    let OutputSpec::Decide(d) = &mut outputs[0] else { panic!("{outputs:?}") };
    d.signers.truncate(1);
    let e = paper_rules(&v.config, &v.post).expect_err("a certificate of one precommit");
    assert!(e.contains("certificate"), "{e}");
}

#[test]
fn the_random_schedules_reach_every_part_of_the_node() {
    let mut decided = 0;
    let mut kinds: BTreeSet<&str> = BTreeSet::new();
    let mut errors: BTreeSet<TendermintErrorCode> = BTreeSet::new();
    let mut random = 0;
    let mut rounds_above_zero = 0;
    let mut pipelined = 0;
    for v in consensus_cases_cached() {
        let ConsensusVector::Tendermint(case) = v else { continue };
        if !case.tags.iter().any(|t| t == "random") {
            continue;
        }
        random += 1;
        pipelined += usize::from(case.config.validation == ValidationMode::Pipelined);
        rounds_above_zero += usize::from(case.post.state.round.0 > 0);
        let mut decides = false;
        for step in &case.post.steps {
            match step {
                StepPost::Outputs(outputs) => {
                    for o in outputs {
                        kinds.insert(o.key());
                        decides |= matches!(o, OutputSpec::Decide(_));
                    }
                }
                StepPost::Error(code) => {
                    errors.insert(*code);
                }
            }
        }
        decided += usize::from(decides);
    }
    assert!(random >= 150, "{random} random schedules");
    assert!(decided * 4 >= random, "only {decided} of {random} random schedules decide");
    assert!(
        pipelined * 8 >= random && rounds_above_zero * 3 >= random,
        "{pipelined} pipelined, {rounds_above_zero} past round 0"
    );
    assert_eq!(kinds.len(), OutputSpec::KEYS.len(), "every output kind: {kinds:?}");
    for code in [TendermintErrorCode::BadSignature, TendermintErrorCode::NotProposer, TendermintErrorCode::PastHeight] {
        assert!(errors.contains(&code), "{code:?} in {errors:?}");
    }
    // The scripted cases reach every other error code but `not_started`, which no vector sends.
    let scripted: BTreeSet<TendermintErrorCode> = consensus_cases_cached()
        .iter()
        .filter_map(|v| match v {
            ConsensusVector::Tendermint(c) => Some(c.post.steps.iter().filter_map(|s| match s {
                StepPost::Error(code) => Some(*code),
                StepPost::Outputs(_) => None,
            })),
            _ => None,
        })
        .flatten()
        .collect();
    let all: BTreeSet<TendermintErrorCode> =
        TendermintErrorCode::ALL.iter().copied().filter(|c| *c != TendermintErrorCode::NotStarted).collect();
    assert_eq!(scripted, all);
}

// ---------------------------------------------------------------------------------------------
// proposer selection

/// CometBFT's weighted round-robin, written again from `types/validator_set.go` for this test:
/// `NewValidatorSet` gives every validator `-(P + P/8)`, rescales and centres, then increments
/// once; `IncrementProposerPriority(times)` rescales to a window of `2P` and centres once, then
/// `times` times adds each power and takes `P` off the validator with the highest priority (the
/// smaller address on a tie). Priorities are `int64` with clipping, the mean is floored, the
/// rescale ratio truncated like Go's `/`.
struct Rotation {
    /// (address, power, priority)
    vals: Vec<([u8; 20], i64, i64)>,
    total: i64,
    proposer: usize,
}

impl Rotation {
    fn new(members: &[([u8; 20], u64)]) -> Rotation {
        let total: i64 = members.iter().map(|m| m.1 as i64).sum();
        let start = -(total + (total >> 3));
        let mut r = Rotation { vals: members.iter().map(|&(a, p)| (a, p as i64, start)).collect(), total, proposer: 0 };
        r.rescale_and_centre();
        r.increment(1);
        r
    }

    fn rescale_and_centre(&mut self) {
        let window = 2 * self.total;
        let max = self.vals.iter().map(|v| v.2).max().unwrap_or(0);
        let min = self.vals.iter().map(|v| v.2).min().unwrap_or(0);
        let diff = max - min;
        if diff > window {
            let ratio = (diff + window - 1) / window;
            for v in &mut self.vals {
                v.2 /= ratio;
            }
        }
        let sum: i128 = self.vals.iter().map(|v| i128::from(v.2)).sum();
        let avg = sum.div_euclid(self.vals.len() as i128) as i64;
        for v in &mut self.vals {
            v.2 = v.2.saturating_sub(avg);
        }
    }

    fn increment(&mut self, times: u32) {
        self.rescale_and_centre();
        for _ in 0..times {
            for v in &mut self.vals {
                v.2 = v.2.saturating_add(v.1);
            }
            let best = (0..self.vals.len())
                .max_by(|&a, &b| {
                    let (x, y) = (&self.vals[a], &self.vals[b]);
                    x.2.cmp(&y.2).then_with(|| y.0.cmp(&x.0))
                })
                .unwrap_or(0);
            self.vals[best].2 = self.vals[best].2.saturating_sub(self.total);
            self.proposer = best;
        }
    }

    fn proposer(&self) -> [u8; 20] {
        self.vals[self.proposer].0
    }

    fn priorities(&self) -> Vec<i64> {
        self.vals.iter().map(|v| v.2).collect()
    }
}

/// The proposer before each call and after the last: `initial`, then each call's.
fn proposers(v: &harness::case::consensus::ProposerPost) -> Vec<[u8; 20]> {
    std::iter::once(&v.initial).chain(&v.calls).map(|r| r.proposer.0).collect()
}

#[test]
fn the_proposer_vectors_are_cometbfts_rotation() {
    let cases = consensus_cases();
    let names = |addresses: &[[u8; 20]]| -> Vec<String> {
        addresses.iter().map(|a| String::from_utf8_lossy(a).trim_end_matches('\0').to_owned()).collect()
    };
    // TestProposerSelection1, its expected string copied from CometBFT's test.
    let ConsensusVector::Proposer(one) = find(&cases, "consensus/proposer/cometbft_selection_1") else { panic!() };
    let expected = "foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo foo baz bar foo foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo";
    let got = names(&proposers(&one.post)[..99]);
    assert_eq!(got.join(" "), expected);
    assert_eq!(one.config.validators[0].address, ascii_address("foo"));
    // TestProposerSelection2.
    let ConsensusVector::Proposer(equal) = find(&cases, "consensus/proposer/cometbft_selection_2_equal_power") else {
        panic!()
    };
    let order: Vec<[u8; 20]> = (0..15u8).map(|i| numbered_address(i % 3).0).collect();
    assert_eq!(proposers(&equal.post), order, "equal powers go in address order");
    let ConsensusVector::Proposer(not_twice) = find(&cases, "consensus/proposer/cometbft_selection_2_not_twice") else {
        panic!()
    };
    assert_eq!(proposers(&not_twice.post), [numbered_address(2).0, numbered_address(0).0]);
    let ConsensusVector::Proposer(twice) = find(&cases, "consensus/proposer/cometbft_selection_2_twice") else {
        panic!()
    };
    assert_eq!(proposers(&twice.post), [numbered_address(2).0, numbered_address(2).0, numbered_address(0).0]);
    let ConsensusVector::Proposer(share) = find(&cases, "consensus/proposer/cometbft_selection_2_proportional") else {
        panic!()
    };
    let mut counts = [0; 3];
    for p in proposers(&share.post) {
        counts[usize::from(p[19])] += 1;
    }
    assert_eq!(counts, [40, 50, 30], "powers 4, 5, 3 of 12 propose 40, 50, 30 times in 120");
    // TestProposerSelection3: the order of the first four proposers holds through calls of
    // several rounds.
    let ConsensusVector::Proposer(three) = find(&cases, "consensus/proposer/cometbft_selection_3") else { panic!() };
    let members: Vec<([u8; 20], u64)> = three.config.validators.iter().map(|v| (v.address.0, v.power.0)).collect();
    let mut rotation = Rotation::new(&members);
    let mut first_four = vec![rotation.proposer()];
    for _ in 0..3 {
        rotation.increment(1);
        first_four.push(rotation.proposer());
    }
    let mut j = 0u64;
    for (i, p) in proposers(&three.post).iter().enumerate() {
        assert_eq!(*p, first_four[(j % 4) as usize], "call {i}");
        j += u64::from(three.config.calls.get(i).map_or(0, |t| t.0));
    }
}

#[test]
fn every_proposer_vector_agrees_with_a_second_implementation() {
    let mut checked = 0;
    let mut multi_round = 0;
    for v in consensus_cases_cached() {
        let ConsensusVector::Proposer(case) = v else { continue };
        let members: Vec<([u8; 20], u64)> = case.config.validators.iter().map(|v| (v.address.0, v.power.0)).collect();
        let mut rotation = Rotation::new(&members);
        let state = |r: &Rotation| (r.proposer(), r.priorities());
        let want = |s: &harness::case::consensus::RotationSpec| {
            (s.proposer.0, s.priorities.iter().map(|p| p.0).collect::<Vec<_>>())
        };
        assert_eq!(state(&rotation), want(&case.post.initial), "{}: initial", case.id);
        for (i, (times, after)) in case.config.calls.iter().zip(&case.post.calls).enumerate() {
            rotation.increment(times.0);
            assert_eq!(state(&rotation), want(after), "{}: call {i}", case.id);
            multi_round += usize::from(times.0 > 1);
        }
        checked += 1;
    }
    assert!(checked >= 40 && multi_round >= 100, "{checked} cases, {multi_round} multi-round calls");
}

// ---------------------------------------------------------------------------------------------
// evidence

#[test]
fn every_evidence_vector_gets_the_verdict_its_kind_calls_for() {
    let expected: BTreeMap<&str, &str> = EVIDENCE_TAMPER_KINDS.iter().copied().collect();
    let (mut valid, mut tampered) = (0, 0);
    let mut codes = BTreeSet::new();
    for v in consensus_cases_cached() {
        let ConsensusVector::Evidence(case) = v else { continue };
        let kind = case.tags.iter().find_map(|t| t.strip_prefix("tamper_"));
        match (&case.post, kind) {
            (EvidencePost::Valid(_), None) => valid += 1,
            (EvidencePost::Invalid(rejected), Some(kind)) => {
                let class = expected.get(kind).unwrap_or_else(|| panic!("{}: unknown tamper kind {kind}", case.id));
                assert_eq!(rejected.code.name(), *class, "{}: {}", case.id, case.description);
                codes.insert(rejected.code);
                tampered += 1;
            }
            (post, kind) => panic!("{}: {post:?} for tamper kind {kind:?}", case.id),
        }
    }
    assert!(valid >= 7 && tampered >= 56, "{valid} valid, {tampered} tampered");
    // CON-6.1 orders proposals by sign bytes, where valid round 256 (LE32 00 01 00 00) sorts
    // before valid round 1 (01 00 00 00): the valid pair lists 256 first, numeric order would not.
    let ConsensusVector::Evidence(le) =
        find(consensus_cases_cached(), "consensus/evidence/valid_proposal_valid_rounds_1_and_256")
    else {
        panic!()
    };
    let harness::case::consensus::EvidenceSpec::DuplicateProposal { a, b } = &le.config.evidence else { panic!() };
    assert_eq!((a.valid_round.0, b.valid_round.0), (Some(256), Some(1)));
    assert!(matches!(le.post, EvidencePost::Valid(_)));
    assert_eq!(codes.len(), harness::case::consensus::EvidenceErrorCode::ALL.len(), "every error code: {codes:?}");
}

// ---------------------------------------------------------------------------------------------
// runs: tampered expectations, faulty and partial clients, garbage

/// Writes `cases` as a vector tree in a scratch directory and runs conformance on it, on one
/// worker.
fn run_tree(name: &str, cases: &[Case], client: Option<&str>) -> (i32, Value) {
    let dir = scratch(name);
    let mut cases = cases.to_vec();
    cases.sort_by_key(Case::id);
    harness::vectors::write(&harness::vectors::render(&cases, 0), &dir).expect("writes");
    let dir = dir.to_string_lossy().into_owned();
    let mut args = vec!["conformance", "--format", "json", "--no-artifacts", "--jobs", "1", "--vectors", &dir];
    if let Some(client) = client {
        args.extend(["--client", client]);
    }
    orsma_report(&args)
}

fn tendermint_step(v: &mut ConsensusVector, step: usize) -> &mut StepPost {
    let ConsensusVector::Tendermint(case) = v else { panic!("a tendermint case") };
    &mut case.post.steps[step]
}

#[test]
fn tampered_expectations_are_caught_at_the_step_and_field() {
    let cases = consensus_cases();
    let mut tampered = Vec::new();
    // lock_on_polka: input 3 (the second prevote) outputs timeoutPrevote, then the precommit.
    let mut v = find(&cases, "consensus/tendermint/lock_on_polka");
    let StepPost::Outputs(outputs) = tendermint_step(&mut v, 3) else { panic!() };
    let OutputSpec::Vote(precommit) = &mut outputs[1] else { panic!("{outputs:?}") };
    precommit.signature.0[63] ^= 1;
    tampered.push(v);
    let mut v = find(&cases, "consensus/tendermint/lock_on_polka");
    if let ConsensusVector::Tendermint(case) = &mut v {
        case.post.state.locked_round = harness::case::consensus::OptRound(Some(1));
    }
    let mut v2 = find(&cases, "consensus/tendermint/happy_path_as_non_proposer");
    let StepPost::Outputs(outputs) = tendermint_step(&mut v2, 0) else { panic!() };
    let OutputSpec::ScheduleTimeout(t) = &mut outputs[0] else { panic!("{outputs:?}") };
    t.duration_ms.0 += 1;
    tampered.push(v2);
    let mut v3 = find(&cases, "consensus/tendermint/rejected_not_proposer");
    *tendermint_step(&mut v3, 1) = StepPost::Error(TendermintErrorCode::BadSignature);
    tampered.push(v3);
    let mut v4 = find(&cases, "consensus/proposer/cometbft_selection_1");
    if let ConsensusVector::Proposer(case) = &mut v4 {
        case.post.calls[5].priorities[1].0 += 1;
    }
    tampered.push(v4);
    let mut v5 = find(&cases, "consensus/evidence/tampered_prevote_values_swapped");
    if let ConsensusVector::Evidence(case) = &mut v5 {
        case.post = EvidencePost::Invalid(harness::case::consensus::EvidenceRejected {
            code: harness::case::consensus::EvidenceErrorCode::NoConflict,
        });
    }
    tampered.push(v5);
    let cases: Vec<Case> = tampered.into_iter().map(Case::Consensus).collect();
    for client in [None, Some(format!("{} client", env!("CARGO_BIN_EXE_orsma")))] {
        let (code, report) = run_tree("consensus-tampered", &cases, client.as_deref());
        assert_eq!(code, 1, "{report}");
        assert_eq!(
            diff_paths(&report, "consensus/tendermint/lock_on_polka"),
            ["post.steps[3].outputs[1].vote.signature"]
        );
        assert_eq!(
            diff_paths(&report, "consensus/tendermint/happy_path_as_non_proposer"),
            ["post.steps[0].outputs[0].schedule_timeout.duration_ms"]
        );
        assert_eq!(diff_paths(&report, "consensus/tendermint/rejected_not_proposer"), ["post.steps[1].error"]);
        assert_eq!(diff_paths(&report, "consensus/proposer/cometbft_selection_1"), ["post.calls[5].priorities[1]"]);
        assert_eq!(diff_paths(&report, "consensus/evidence/tampered_prevote_values_swapped"), ["post.error.code"]);
        assert_eq!(report["summary"]["fail"], 5, "{}", report["summary"]);
        // The signature's diff shows where the two differ.
        let diff = &case_report(&report, "consensus/tendermint/lock_on_polka")["diffs"][0];
        assert_ne!(diff["expected"], diff["got"], "{diff}");
    }
    // A tampered state is caught at its field.
    let (code, report) = run_tree("consensus-tampered-state", &[Case::Consensus(v)], None);
    assert_eq!(code, 1);
    assert_eq!(diff_paths(&report, "consensus/tendermint/lock_on_polka"), ["post.state.locked_round"]);
}

#[test]
fn orsma_client_serves_the_suite_and_its_faults() {
    let client = format!("{} client", env!("CARGO_BIN_EXE_orsma"));
    let (code, report) = orsma_report(&[
        "conformance",
        "--format",
        "json",
        "--no-artifacts",
        "--suite",
        "consensus",
        "--client",
        &client,
    ]);
    assert_eq!(code, 0, "{}", report["summary"]);
    assert_eq!(report["summary"]["pass"], report["selected"]);
    let cases = consensus_cases();
    let chosen: Vec<Case> = [
        "consensus/tendermint/lock_on_polka",
        "consensus/tendermint/rejected_not_proposer",
        "consensus/proposer/cometbft_selection_1",
        "consensus/evidence/tampered_prevote_values_swapped",
        "consensus/evidence/valid_prevote_values",
    ]
    .iter()
    .map(|id| Case::Consensus(find(&cases, id)))
    .collect();
    let (code, report) = run_tree("consensus-wrong-commitment", &chosen, Some(&faulty_client(&["wrong-commitment"])));
    assert_eq!(code, 1);
    assert_eq!(diff_paths(&report, "consensus/tendermint/lock_on_polka"), ["post.steps[1].outputs[0].vote.signature"]);
    assert_eq!(diff_paths(&report, "consensus/proposer/cometbft_selection_1"), ["post.calls[98].priorities[0]"]);
    assert_eq!(case_report(&report, "consensus/evidence/valid_prevote_values")["status"], "pass");
    let (code, report) = run_tree("consensus-wrong-code", &chosen, Some(&faulty_client(&["wrong-error-code"])));
    assert_eq!(code, 1);
    assert_eq!(diff_paths(&report, "consensus/tendermint/rejected_not_proposer"), ["post.steps[1].error"]);
    assert_eq!(diff_paths(&report, "consensus/evidence/tampered_prevote_values_swapped"), ["post.error.code"]);
    assert_eq!(case_report(&report, "consensus/tendermint/lock_on_polka")["status"], "pass");
    // Refusing a claimed handler skips its cases and fails the coverage gate.
    let (code, report) = run_tree("consensus-refuse", &chosen, Some(&faulty_client(&["refuse=tendermint"])));
    assert_eq!(code, 1);
    assert_eq!(case_report(&report, "consensus/tendermint/lock_on_polka")["status"], "skip");
    assert_eq!(report["coverage"].as_array().map(Vec::len), Some(2), "{}", report["coverage"]);
    // Garbage: that case errors and the client is restarted, to print garbage again at its
    // second case: cases 2 and 4 of 5 error, the others pass.
    let (code, report) = run_tree("consensus-garbage", &chosen, Some(&faulty_client(&["garbage-at=2"])));
    assert_eq!(code, 1);
    let statuses: Vec<&str> =
        report["cases"].as_array().expect("cases").iter().map(|c| c["status"].as_str().unwrap_or("")).collect();
    assert_eq!(statuses, ["pass", "error", "pass", "error", "pass"], "{report}");
}

#[test]
fn a_client_that_does_not_claim_the_suite_skips_it_and_passes_the_rest() {
    let cases = consensus_cases();
    let das: Vec<Case> = committed(|case| match case {
        Case::Das(v) if v.id() == "das/sampling/coordinates_w4_s1" => Some(Case::Das(v)),
        _ => None,
    });
    let mut chosen: Vec<Case> = [
        "consensus/tendermint/lock_on_polka",
        "consensus/proposer/single_validator",
        "consensus/evidence/valid_prevote_nil",
    ]
    .iter()
    .map(|id| Case::Consensus(find(&cases, id)))
    .collect();
    assert_eq!(das.len(), 1);
    chosen.extend(das.clone());
    // The example Python client, behind a shim that takes `consensus` out of its `hello`.
    let shim = scratch("consensus-unclaimed-shim").join("shim.py");
    std::fs::write(&shim, UNCLAIMING_SHIM).expect("writes the shim");
    let python =
        format!("python3 {} {}", shim.display(), repo().join("harness/clients/python/orsma_vm_client.py").display());
    let (code, report) = run_tree("consensus-unclaimed", &chosen, Some(&python));
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["skip"], 3, "{}", report["summary"]);
    assert_eq!(report["summary"]["pass"], 1, "{}", report["summary"]);
    assert_eq!(report["coverage"].as_array().map(Vec::len), Some(0));
    let message =
        case_report(&report, "consensus/tendermint/lock_on_polka")["message"].as_str().unwrap_or("").to_owned();
    assert!(message.contains("does not claim consensus/tendermint"), "{message}");
    // Only unclaimed cases selected: nothing ran, which fails as for any suite.
    let (code, report) = run_tree("consensus-unclaimed-only", &chosen[..3], Some(&python));
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["skip"], 3, "{}", report["summary"]);
}

#[test]
fn a_client_that_returns_garbage_for_a_consensus_case_fails_cleanly() {
    let cases = consensus_cases();
    let chosen: Vec<Case> = [
        "consensus/tendermint/lock_on_polka",
        "consensus/proposer/cometbft_selection_2_twice",
        "consensus/evidence/valid_prevote_nil",
    ]
    .iter()
    .map(|id| Case::Consensus(find(&cases, id)))
    .collect();
    let dir = scratch("consensus-scripted");
    for (result, what) in [
        (r#"{"post": {"steps": [], "state": 7}}"#, "invalid type"),
        (r#"{"post": {"ok": {}, "error": {"code": "no_conflict"}}}"#, "exactly one key"),
        (r#"{"post": {"error": {"code": "bad_luck"}}}"#, "bad_luck"),
        (r#"{"post": {"initial": {"proposer": "0x00", "priorities": []}, "calls": []}}"#, "20 bytes"),
        (r#"{"extra": 1, "post": 7}"#, "unknown field `extra`"),
    ] {
        let client = scripted_client(&dir, r#"{"consensus": ["*"]}"#, result);
        let (code, report) = run_tree("consensus-shapes", &chosen, Some(&client));
        assert_eq!(code, 1, "{result}: {report}");
        for case in report["cases"].as_array().expect("cases") {
            assert_eq!(case["status"], "error", "{result}: {case}");
            assert!(case["message"].as_str().unwrap_or("").contains("malformed"), "{result}: {case}");
        }
        let messages: String =
            report["cases"].as_array().expect("cases").iter().map(|c| c["message"].to_string()).collect();
        assert!(messages.contains(what), "{result}: {messages}");
    }
    // A tendermint result with one step too few, or a rotation with a priority missing, is
    // malformed and says so.
    let ConsensusVector::Tendermint(lock) = find(&cases, "consensus/tendermint/lock_on_polka") else { panic!() };
    let mut post = serde_json::to_value(&lock.post).expect("serialises");
    post["steps"].as_array_mut().expect("steps").pop();
    let client = scripted_client(&dir, r#"{"consensus": ["*"]}"#, &serde_json::json!({ "post": post }).to_string());
    let (code, report) = run_tree("consensus-short", &chosen[..1], Some(&client));
    assert_eq!(code, 1);
    let message =
        case_report(&report, "consensus/tendermint/lock_on_polka")["message"].as_str().unwrap_or("").to_owned();
    assert!(message.contains("post.steps has 3 entries for the 4 inputs"), "{message}");
    let mut post = serde_json::to_value(&lock.post).expect("serialises");
    post["steps"][1]["outputs"][0]["vote"]["type"] = Value::String("commit".into());
    let client = scripted_client(&dir, r#"{"consensus": ["*"]}"#, &serde_json::json!({ "post": post }).to_string());
    let (_, report) = run_tree("consensus-bad-type", &chosen[..1], Some(&client));
    let message =
        case_report(&report, "consensus/tendermint/lock_on_polka")["message"].as_str().unwrap_or("").to_owned();
    assert!(message.contains("commit"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// the format

#[test]
fn consensus_vectors_that_break_the_schema_or_the_format_are_refused() {
    let schemas = harness::schema::Schemas::load(&repo().join("vectors/schemas")).expect("schemas");
    let cases = consensus_cases_cached();
    for id in [
        "consensus/tendermint/pipelined_validation",
        "consensus/tendermint/equivocating_proposer",
        "consensus/proposer/cometbft_selection_1",
        "consensus/evidence/valid_proposal_values",
    ] {
        let text = Case::Consensus(find(cases, id)).render(harness::case::Encoding::Yaml);
        assert_eq!(schemas.validate_yaml(&text), Ok(()), "{id}");
        let mut value: Value = serde_norway::from_str(&text).expect("YAML");
        value["config"]["surprise"] = Value::String("1".into());
        assert!(schemas.validate(&value).is_err(), "{id}: an unknown key");
        let mut value: Value = serde_norway::from_str(&text).expect("YAML");
        value["post"] = serde_json::json!({"ok": {"fraud": "maybe"}});
        assert!(schemas.validate(&value).is_err(), "{id}: a result of another shape");
    }
    let ConsensusVector::Tendermint(v) = find(cases, "consensus/tendermint/pipelined_validation") else { panic!() };
    let text = Case::Consensus(ConsensusVector::Tendermint(v.clone())).render(harness::case::Encoding::Yaml);
    let mut value: Value = serde_norway::from_str(&text).expect("YAML");
    value["config"]["app"] = serde_json::json!({"values": [], "invalid": []});
    assert!(schemas.validate(&value).is_err(), "app in pipelined mode");
    value["config"]["inputs"][0] =
        serde_json::json!({"start": {}, "timeout": {"kind": "propose", "height": "1", "round": "0"}});
    assert!(schemas.validate(&value).is_err(), "an input with two keys");
    // A node holding a quorum alone decides, but one height per input (a decision ends its
    // input), in callback mode as in pipelined mode.
    let mut alone = v.config.clone();
    let key = Keypair::from_secret(alone.node.secret_key.0);
    alone.validators = vec![harness::case::consensus::ValidatorKey {
        public_key: harness::case::consensus::Bytes(key.public_key()),
        power: harness::case::Uint(1),
    }];
    alone.validation = ValidationMode::Callback;
    alone.app = Some(harness::case::consensus::AppSpec::default());
    alone.inputs = vec![InputSpec::Start(harness::case::consensus::Empty {})];
    let post = harness::reference::consensus::tendermint(&alone).expect("a node with a quorum of its own");
    assert_eq!(post.state.height.0, 2, "one decision for one input");
    alone.validation = ValidationMode::Pipelined;
    alone.app = None;
    let post = harness::reference::consensus::tendermint(&alone).expect("pipelined");
    assert_eq!(post.state.height.0, 1, "pipelined, it waits for a value");
    // VEC-8.4: a timeout the node never scheduled is not a vector.
    let mut unscheduled = v.clone();
    unscheduled.config.inputs.insert(
        1,
        InputSpec::Timeout(harness::case::consensus::TimeoutSpec {
            kind: TimeoutKindCode::Prevote,
            height: harness::case::Uint(1),
            round: harness::case::Uint32(0),
        }),
    );
    unscheduled.post.steps.insert(1, StepPost::Outputs(Vec::new()));
    let text = Case::Consensus(ConsensusVector::Tendermint(unscheduled)).render(harness::case::Encoding::Yaml);
    let err = Case::parse(&text, harness::case::Encoding::Yaml).expect_err("an unscheduled timeout");
    assert!(err.to_string().contains("never scheduled"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A consensus vector's text with a byte changed is read or refused, never a panic.
    #[test]
    fn mutated_consensus_vectors_are_read_or_refused(at in any::<usize>(), byte in any::<u8>(), which in 0usize..4) {
        let ids = [
            "consensus/tendermint/equivocating_voter",
            "consensus/tendermint/pipelined_proposer",
            "consensus/proposer/max_total_power",
            "consensus/evidence/valid_proposal_valid_round",
        ];
        let text = Case::Consensus(find(consensus_cases_cached(), ids[which])).render(harness::case::Encoding::Yaml);
        let mut bytes = text.into_bytes();
        let i = at % bytes.len();
        bytes[i] = byte;
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = Case::parse(&text, harness::case::Encoding::Yaml);
            let _ = harness::case::consensus::ConsensusRequest::from_json(&text);
        }
    }

    /// Whatever the inputs (any heights, rounds, values, signers, signatures, timeouts and
    /// answers), the reference node answers each with outputs or an error, never a panic.
    #[test]
    fn any_inputs_get_an_answer(
        picks in proptest::collection::vec((0u8..6, any::<u64>(), 0u32..4, 0usize..5, any::<bool>()), 1..40),
        pipelined in any::<bool>(),
    ) {
        let ConsensusVector::Tendermint(base) = find(consensus_cases_cached(), "consensus/tendermint/happy_path_as_non_proposer") else { panic!() };
        let keys: Vec<Keypair> = (0..5).map(|i| Keypair::derive(harness::vectors::gen_consensus::script::KEY_SEED, i)).collect();
        let mut config = base.config.clone();
        if pipelined {
            config.validation = ValidationMode::Pipelined;
            config.app = None;
        }
        config.inputs = vec![InputSpec::Start(harness::case::consensus::Empty {})];
        for (kind, noise, round, who, flag) in picks {
            let key = &keys[who];
            let height = 1 + noise % 3;
            let value = noise.to_le_bytes()[..(noise % 4) as usize].to_vec();
            let input = match kind {
                0 => InputSpec::Proposal(harness::vectors::gen_consensus::script::Script::signed_proposal(
                    key, height, round, &value, (noise % 2 == 0).then_some(round / 2),
                )),
                1 | 2 => InputSpec::Vote(harness::vectors::gen_consensus::script::Script::signed_vote(
                    key,
                    if kind == 1 { VoteTypeCode::Prevote } else { VoteTypeCode::Precommit },
                    height,
                    round,
                    flag.then(|| value_id(&value)),
                )),
                3 => InputSpec::Timeout(harness::case::consensus::TimeoutSpec {
                    kind: [TimeoutKindCode::Propose, TimeoutKindCode::Prevote, TimeoutKindCode::Precommit][(noise % 3) as usize],
                    height: harness::case::Uint(height),
                    round: harness::case::Uint32(round),
                }),
                4 => InputSpec::ProposeValue(harness::case::consensus::ProposeValueSpec {
                    height: harness::case::Uint(height),
                    round: harness::case::Uint32(round),
                    value: harness::case::Hex(value),
                }),
                _ => InputSpec::Validated(harness::case::consensus::ValidatedSpec {
                    height: harness::case::Uint(height),
                    value_id: harness::case::HashHex(value_id(&value)),
                    valid: harness::case::consensus::Flag(flag),
                }),
            };
            config.inputs.push(input);
        }
        let post = harness::reference::consensus::tendermint(&config).expect("the reference answers");
        prop_assert_eq!(post.steps.len(), config.inputs.len());
    }
}

/// Runs the client given as its argument, line for line, removing `consensus` from the suites
/// its `hello` result claims.
const UNCLAIMING_SHIM: &str = r#"
import json, subprocess, sys
child = subprocess.Popen([sys.executable, sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
for line in sys.stdin:
    child.stdin.write(line)
    child.stdin.flush()
    answer = child.stdout.readline()
    try:
        message = json.loads(answer)
        suites = message.get("result", {}).get("suites")
        if isinstance(suites, dict) and "consensus" in suites:
            del suites["consensus"]
            answer = json.dumps(message) + "\n"
    except (ValueError, AttributeError):
        pass
    sys.stdout.write(answer)
    sys.stdout.flush()
child.stdin.close()
child.wait()
"#;
