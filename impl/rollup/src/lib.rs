//! The orsma optimistic rollup: for now, its interactive dispute game.
//!
//! An optimistic rollup posts claims ("after these N steps from this agreed state, the state
//! commitment is X") without proving them. Anyone who disagrees opens a dispute, and the
//! [`dispute`] game narrows the disagreement down to a single step, which the L1 then checks
//! with a one-step proof. Honest parties can always win, and the cost on L1 is logarithmic in
//! the number of steps.
//!
//! - [`dispute::Game`]: the k-ary dissection game as a deterministic, sans-IO state machine
//!   (moves in, outputs and verdicts out), generic over the one-step proof through
//!   [`dispute::StepVerifier`] so the VM and an L1 contract can plug in their own verifier.
//! - [`dispute::player`]: player strategies (honest, lying, blind, forging, silent) and a
//!   driver, [`dispute::player::play`], that plays a game to its verdict.
//! - [`vm_dispute`]: the game over orsma VM traces: the VM's step verifier, a trace that
//!   replays from checkpoints, and whole-transition replay, the non-interactive alternative.
//!
//! **Architecture invariant:** the game does no IO and reads no clock. Time is an input
//! (every move carries its tick, and `Tick` advances time), verdicts are outputs. The same
//! configuration and the same inputs give the same outputs, bit for bit.
//!
//! **API boundary:** the [`dispute`] module does not know the VM. The VM's step proofs reach
//! the game through a [`dispute::StepVerifier`] implementation, [`vm_dispute::VmVerifier`], so
//! an L1 contract can reuse the game with any verifier.
//!
//! The normative description is `docs/spec/refutation.md`; the game's rules are also in the
//! [`dispute`] module docs.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod dispute;
pub mod vm_dispute;
