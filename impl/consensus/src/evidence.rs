//! Evidence of equivocation (`docs/spec/consensus.md` §6).

use std::cmp::Ordering;

use crate::types::{SignedProposal, SignedVote, Verifier};
use crate::validators::{Address, ValidatorSet};

/// Two signed messages by one validator for the same slot that conflict.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Evidence {
    /// Two votes of the same type, height and round by one validator for different values
    /// (nil counts as a value). `a` sorts before `b` (CON-6.1).
    DuplicateVote { a: SignedVote, b: SignedVote },
    /// Two proposals for the same height and round by one validator that differ in value or
    /// valid round. `a`'s sign bytes sort before `b`'s.
    DuplicateProposal { a: SignedProposal, b: SignedProposal },
}

/// Why evidence is invalid, in the order the checks run (CON-6.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("the two messages are for different heights, rounds or vote types")]
    DifferentSlot,
    #[error("the two messages have different signers")]
    DifferentSigners,
    #[error("the two messages do not conflict")]
    NoConflict,
    #[error("the pair is not in canonical order (a must sort before b)")]
    NotCanonical,
    #[error("the signer {0:?} is not in the validator set")]
    UnknownValidator(Address),
    #[error("signature {0} does not verify")]
    BadSignature(char),
}

impl EvidenceError {
    /// The stable error code used in vectors.
    pub fn code(&self) -> &'static str {
        match self {
            EvidenceError::DifferentSlot => "different_slot",
            EvidenceError::DifferentSigners => "different_signers",
            EvidenceError::NoConflict => "no_conflict",
            EvidenceError::NotCanonical => "not_canonical",
            EvidenceError::UnknownValidator(_) => "unknown_validator",
            EvidenceError::BadSignature(_) => "bad_signature",
        }
    }
}

/// Canonical order of two votes' values: nil first, then by the 32 bytes of the id.
pub(crate) fn vote_value_order(a: &SignedVote, b: &SignedVote) -> Ordering {
    a.message.value.map(|h| h.0).cmp(&b.message.value.map(|h| h.0))
}

pub(crate) fn proposal_order(a: &SignedProposal, b: &SignedProposal) -> Ordering {
    a.message.payload().sign_bytes().as_slice().cmp(b.message.payload().sign_bytes().as_slice())
}

impl Evidence {
    /// Evidence from two conflicting votes, in canonical order.
    pub fn votes(x: SignedVote, y: SignedVote) -> Evidence {
        if vote_value_order(&x, &y) == Ordering::Greater {
            Evidence::DuplicateVote { a: y, b: x }
        } else {
            Evidence::DuplicateVote { a: x, b: y }
        }
    }

    /// Evidence from two conflicting proposals, in canonical order.
    pub fn proposals(x: SignedProposal, y: SignedProposal) -> Evidence {
        if proposal_order(&x, &y) == Ordering::Greater {
            Evidence::DuplicateProposal { a: y, b: x }
        } else {
            Evidence::DuplicateProposal { a: x, b: y }
        }
    }

    /// The equivocating validator.
    pub fn offender(&self) -> Address {
        match self {
            Evidence::DuplicateVote { a, .. } => a.signer,
            Evidence::DuplicateProposal { a, .. } => a.signer,
        }
    }

    pub fn height(&self) -> u64 {
        match self {
            Evidence::DuplicateVote { a, .. } => a.message.height,
            Evidence::DuplicateProposal { a, .. } => a.message.height,
        }
    }

    /// Checks the evidence against the validator set of its height (CON-6.2).
    pub fn verify(&self, set: &ValidatorSet, verifier: &dyn Verifier) -> Result<(), EvidenceError> {
        let (signer_a, signer_b, bytes_a, bytes_b, sig_a, sig_b) = match self {
            Evidence::DuplicateVote { a, b } => {
                let (x, y) = (&a.message, &b.message);
                if x.vote_type != y.vote_type || x.height != y.height || x.round != y.round {
                    return Err(EvidenceError::DifferentSlot);
                }
                if a.signer != b.signer {
                    return Err(EvidenceError::DifferentSigners);
                }
                match vote_value_order(a, b) {
                    Ordering::Equal => return Err(EvidenceError::NoConflict),
                    Ordering::Greater => return Err(EvidenceError::NotCanonical),
                    Ordering::Less => {}
                }
                (a.signer, b.signer, x.payload().sign_bytes(), y.payload().sign_bytes(), &a.signature, &b.signature)
            }
            Evidence::DuplicateProposal { a, b } => {
                let (x, y) = (&a.message, &b.message);
                if x.height != y.height || x.round != y.round {
                    return Err(EvidenceError::DifferentSlot);
                }
                if a.signer != b.signer {
                    return Err(EvidenceError::DifferentSigners);
                }
                match proposal_order(a, b) {
                    Ordering::Equal => return Err(EvidenceError::NoConflict),
                    Ordering::Greater => return Err(EvidenceError::NotCanonical),
                    Ordering::Less => {}
                }
                (a.signer, b.signer, x.payload().sign_bytes(), y.payload().sign_bytes(), &a.signature, &b.signature)
            }
        };
        debug_assert_eq!(signer_a, signer_b);
        let index = set.index_of(&signer_a).ok_or(EvidenceError::UnknownValidator(signer_a))?;
        let key = set.key(index).ok_or(EvidenceError::UnknownValidator(signer_b))?;
        if !verifier.verify(key, bytes_a.as_slice(), sig_a) {
            return Err(EvidenceError::BadSignature('a'));
        }
        if !verifier.verify(key, bytes_b.as_slice(), sig_b) {
            return Err(EvidenceError::BadSignature('b'));
        }
        Ok(())
    }
}
