//! The seed's dummy consensus (`docs/spec/consensus.md` §7): the leader of height `h` is
//! validator `(h − 1) mod n` in set order; it proposes, and every node decides the leader's
//! first valid proposal. No votes, no timeouts, no fault tolerance: a baseline for the
//! simulator and for testing the node layer.

use std::sync::Arc;

use crate::tendermint::{Application, Decision, Error, Input, Output};
use crate::types::{Height, Keypair, Message, Proposal, SignedProposal, Verifier};
use crate::validators::ValidatorSet;

/// One node of the dummy consensus.
#[derive(Clone)]
pub struct Dummy {
    set: ValidatorSet,
    key: Keypair,
    verifier: Arc<dyn Verifier>,
    app: Arc<dyn Application>,
    height: Height,
    started: bool,
    next: Option<SignedProposal>,
}

impl std::fmt::Debug for Dummy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dummy").field("height", &self.height).finish_non_exhaustive()
    }
}

impl Dummy {
    pub fn new(
        set: ValidatorSet,
        key: Keypair,
        height: Height,
        app: Arc<dyn Application>,
        verifier: Arc<dyn Verifier>,
    ) -> Dummy {
        Dummy { set, key, verifier, app, height, started: false, next: None }
    }

    pub fn height(&self) -> Height {
        self.height
    }

    /// Index of the leader of `height`.
    pub fn leader(&self, height: Height) -> usize {
        let n = self.set.len().max(1) as u64;
        (height.saturating_sub(1) % n) as usize
    }

    pub fn handle(&mut self, input: Input, out: &mut Vec<Output>) -> Result<(), Error> {
        match input {
            Input::Start if !self.started => {
                self.started = true;
                self.lead(out);
                Ok(())
            }
            Input::Proposal(p) => self.receive(p, out),
            // Any other input lets a leader that has not proposed yet do so.
            _ if self.started => {
                self.lead(out);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn lead(&mut self, out: &mut Vec<Output>) {
        let me = self.set.index_of(&self.key.address());
        // At most one height per input, so a one-validator set cannot loop (§7).
        if me == Some(self.leader(self.height)) {
            let value = self.app.value(self.height, 0);
            let signed = self.key.sign_proposal(Proposal { height: self.height, round: 0, value, valid_round: None });
            out.push(Output::Broadcast(Message::Proposal(signed.clone())));
            self.decide(signed, out);
        }
        if let Some(p) = self.next.take() {
            let _ = self.receive(p, out);
        }
    }

    fn decide(&mut self, proposal: SignedProposal, out: &mut Vec<Output>) {
        out.push(Output::Decide(Decision {
            height: self.height,
            round: 0,
            value: proposal.message.value.clone(),
            value_id: proposal.message.id(),
            proposal,
            precommits: Vec::new(),
        }));
        self.height = self.height.saturating_add(1);
    }

    fn receive(&mut self, p: SignedProposal, out: &mut Vec<Output>) -> Result<(), Error> {
        let h = p.message.height;
        if h < self.height {
            return Err(Error::PastHeight(h));
        }
        let index = self.set.index_of(&p.signer).ok_or(Error::UnknownValidator(p.signer))?;
        let leader = self.leader(h);
        if index != leader || p.message.round != 0 {
            let proposer = self.set.validators().get(leader).map_or(p.signer, |v| v.address);
            return Err(Error::NotProposer { signer: p.signer, round: p.message.round, proposer });
        }
        let key = self.set.key(index).ok_or(Error::UnknownValidator(p.signer))?;
        if !self.verifier.verify(key, p.message.payload().sign_bytes().as_slice(), &p.signature) {
            return Err(Error::BadSignature);
        }
        if h > self.height || !self.started {
            if h == self.height.saturating_add(1) || !self.started {
                self.next = Some(p);
                return Ok(());
            }
            return Err(Error::FutureHeight(h));
        }
        if self.app.validate(h, &p.message.value) {
            self.decide(p, out);
            self.lead(out);
        }
        Ok(())
    }
}
