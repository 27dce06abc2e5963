//! Per-height bookkeeping of proposals and votes: tallies by value, the senders of each
//! round (for the f+1 round skip), conflicting votes, and the "for the first time" flags of
//! Algorithm 1's rules (`docs/spec/consensus.md` §4.2).

use std::collections::BTreeMap;

use primitives::Hash32;

use crate::evidence::Evidence;
use crate::types::{Round, SignedProposal, SignedVote, VoteType};

const NONE: u32 = u32::MAX;

/// Distinct values counted per validator per vote type and round: an equivocator's votes
/// count for each value it signed (as the paper counts messages), up to this many.
pub(crate) const MAX_VOTES_PER_SLOT: usize = 4;

/// Distinct proposals kept per round from an equivocating proposer, beyond which only
/// justified ones (with a polka or a precommit quorum for their value in that round) are kept.
pub(crate) const MAX_PROPOSALS_PER_ROUND: usize = 4;

/// Power per value (nil is `None`) for one vote type in one round.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    values: Vec<(Option<Hash32>, u64)>,
    any: u64,
}

impl Tally {
    fn add(&mut self, value: Option<Hash32>, power: u64, new_sender: bool) {
        if new_sender {
            self.any = self.any.saturating_add(power);
        }
        match self.values.iter_mut().find(|(v, _)| *v == value) {
            Some((_, p)) => *p = p.saturating_add(power),
            None => self.values.push((value, power)),
        }
    }

    pub(crate) fn power_for(&self, value: Option<Hash32>) -> u64 {
        self.values.iter().find(|(v, _)| *v == value).map_or(0, |(_, p)| *p)
    }

    pub(crate) fn any(&self) -> u64 {
        self.any
    }
}

/// One round of one height.
#[derive(Debug, Clone)]
pub(crate) struct RoundVotes {
    /// `slot[type][validator]`: index into `votes`, or `NONE`.
    slot: [Vec<u32>; 2],
    votes: Vec<SignedVote>,
    pub(crate) tally: [Tally; 2],
    /// Further votes by validators who already voted differently: (type, validator, value).
    conflicts: Vec<(usize, usize, Option<Hash32>)>,
    sent: Vec<bool>,
    pub(crate) senders_power: u64,
    /// Proposals from this round's proposer, in arrival order: the first, then conflicting
    /// ones while fewer than [`MAX_PROPOSALS_PER_ROUND`] are kept, or when justified.
    pub(crate) proposals: Vec<SignedProposal>,
    /// `id(v)` of each proposal, computed once.
    pub(crate) proposal_ids: Vec<Hash32>,
    proposal_conflicted: bool,
    /// Rule 34 (timeout prevote scheduled), 36 (polka on a value acted on), 47 (timeout precommit scheduled).
    pub(crate) fired_34: bool,
    pub(crate) fired_36: bool,
    pub(crate) fired_47: bool,
}

fn type_index(t: VoteType) -> usize {
    match t {
        VoteType::Prevote => 0,
        VoteType::Precommit => 1,
    }
}

/// What adding a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Added {
    /// Counted.
    New,
    /// The same message again: ignored.
    Duplicate,
    /// A second, different message for the same slot: evidence the first time; `counted` if
    /// it was counted for its value.
    Conflict { evidence: Option<Box<Evidence>>, counted: bool },
}

impl RoundVotes {
    fn new(n: usize) -> RoundVotes {
        RoundVotes {
            slot: [vec![NONE; n], vec![NONE; n]],
            votes: Vec::new(),
            tally: [Tally::default(), Tally::default()],
            conflicts: Vec::new(),
            sent: vec![false; n],
            senders_power: 0,
            proposals: Vec::new(),
            proposal_ids: Vec::new(),
            proposal_conflicted: false,
            fired_34: false,
            fired_36: false,
            fired_47: false,
        }
    }

    pub(crate) fn tally(&self, t: VoteType) -> &Tally {
        &self.tally[type_index(t)]
    }

    fn mark_sender(&mut self, validator: usize, power: u64) {
        if let Some(sent) = self.sent.get_mut(validator)
            && !*sent
        {
            *sent = true;
            self.senders_power = self.senders_power.saturating_add(power);
        }
    }

    /// The signed votes of type `t` for `value`, in arrival order.
    pub(crate) fn votes_for(&self, t: VoteType, value: Option<Hash32>) -> Vec<SignedVote> {
        self.votes.iter().filter(|v| v.message.vote_type == t && v.message.value == value).cloned().collect()
    }
}

/// All rounds of the current height.
#[derive(Debug, Clone)]
pub(crate) struct Keeper {
    n: usize,
    /// The least power that is a quorum: `⌊2N/3⌋ + 1`.
    quorum: u64,
    rounds: BTreeMap<Round, RoundVotes>,
}

impl Keeper {
    pub(crate) fn new(n: usize, quorum: u64) -> Keeper {
        Keeper { n, quorum, rounds: BTreeMap::new() }
    }

    pub(crate) fn round(&self, r: Round) -> Option<&RoundVotes> {
        self.rounds.get(&r)
    }

    pub(crate) fn round_mut(&mut self, r: Round) -> &mut RoundVotes {
        let n = self.n;
        self.rounds.entry(r).or_insert_with(|| RoundVotes::new(n))
    }

    pub(crate) fn rounds(&self) -> impl Iterator<Item = (&Round, &RoundVotes)> {
        self.rounds.iter()
    }

    /// Adds a vote (signature already checked) by validator `validator` of power `power`.
    pub(crate) fn add_vote(&mut self, vote: &SignedVote, validator: usize, power: u64) -> Added {
        let t = type_index(vote.message.vote_type);
        let round = self.round_mut(vote.message.round);
        let Some(&slot) = round.slot[t].get(validator) else {
            return Added::Duplicate;
        };
        if slot != NONE {
            let Some(existing) = round.votes.get(slot as usize) else {
                return Added::Duplicate;
            };
            let value = vote.message.value;
            if existing.message.value == value || round.conflicts.contains(&(t, validator, value)) {
                return Added::Duplicate;
            }
            let earlier = round.conflicts.iter().filter(|(ct, cv, _)| *ct == t && *cv == validator).count();
            let evidence = (earlier == 0).then(|| Box::new(Evidence::votes(existing.clone(), vote.clone())));
            let counted = earlier + 1 < MAX_VOTES_PER_SLOT;
            if counted {
                round.conflicts.push((t, validator, value));
                round.tally[t].add(value, power, false);
                round.votes.push(vote.clone());
            }
            return Added::Conflict { evidence, counted };
        }
        round.mark_sender(validator, power);
        if let Some(s) = round.slot[t].get_mut(validator) {
            *s = u32::try_from(round.votes.len()).unwrap_or(NONE);
        }
        round.tally[t].add(vote.message.value, power, true);
        round.votes.push(vote.clone());
        Added::New
    }

    /// Adds a proposal (signature checked, signer is the round's proposer). Returns what
    /// happened and whether the proposal is now kept.
    pub(crate) fn add_proposal(&mut self, proposal: &SignedProposal, validator: usize, power: u64) -> (Added, bool) {
        let quorum = self.quorum;
        let round = self.round_mut(proposal.message.round);
        // The same proposal signed again (ed25519 signatures are deterministic, but a signer
        // may use another nonce) is a duplicate, not a conflict.
        if round.proposals.iter().any(|p| p.message == proposal.message) {
            return (Added::Duplicate, false);
        }
        let Some(first) = round.proposals.first() else {
            round.mark_sender(validator, power);
            round.proposal_ids.push(proposal.message.id());
            round.proposals.push(proposal.clone());
            return (Added::New, true);
        };
        let evidence =
            (!round.proposal_conflicted).then(|| Box::new(Evidence::proposals(first.clone(), proposal.clone())));
        round.proposal_conflicted = true;
        let id = proposal.message.id();
        let justified =
            [VoteType::Prevote, VoteType::Precommit].iter().any(|t| round.tally(*t).power_for(Some(id)) >= quorum);
        let keep = round.proposals.len() < MAX_PROPOSALS_PER_ROUND || justified;
        if keep {
            round.proposal_ids.push(id);
            round.proposals.push(proposal.clone());
        }
        (Added::Conflict { evidence, counted: keep }, keep)
    }
}
