//! Tendermint consensus (`docs/spec/consensus.md`).
//!
//! - [`Tendermint`]: Algorithm 1 of Buchman, Kwon and Milosevic, "The latest gossip on BFT
//!   consensus" (arXiv 1807.04938), as a sans-IO state machine: [`Input`]s in, [`Output`]s
//!   out. Every upon-rule is a method tagged with its lines in the paper, including the f+1
//!   round skip (lines 55–56). Timeouts are outputs the environment feeds back; they grow by
//!   a delta per round. Quorums are exact integer comparisons (`3·w > 2·N`).
//! - [`ValidatorSet`]: voting power and CometBFT's weighted round-robin proposer selection,
//!   integer rounding included.
//! - [`Keypair`] / [`Verifier`]: ed25519 (RFC 8032, `ed25519-dalek`) over fixed sign bytes;
//!   [`CachingVerifier`] verifies each distinct signed message once.
//! - [`Evidence`]: two conflicting signed messages by one validator.
//! - [`Dummy`]: the seed's dummy consensus (a rotating leader that is always believed).
//!
//! Nothing here reads a clock, a socket or a random source: time arrives as timeouts,
//! randomness as the simulator's seed.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

mod dummy;
mod evidence;
mod keeper;
pub mod tendermint;
pub mod types;
pub mod validators;

pub use dummy::Dummy;
pub use evidence::{Evidence, EvidenceError};
pub use tendermint::{
    Application, Config, Decision, Deviation, Error, Input, MAX_ROUNDS_AHEAD, Output, RULE_ORDER, State, Step,
    Tendermint, Timeout, TimeoutConfig, TimeoutKind, Validation,
};
pub use types::{
    CachingVerifier, DirectVerifier, Height, Keypair, Message, Proposal, Round, SignPayload, Signed, SignedProposal,
    SignedVote, Value, Verifier, Vote, VoteType, value_id,
};
pub use validators::{Address, Validator, ValidatorSet, ValidatorSetError, WeightedRoundRobin};
