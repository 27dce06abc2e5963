//! The interactive dissection ("bisection") dispute game between a defender and a challenger.
//!
//! This is the k-ary dissection of the Arbitrum paper (Kalodner et al., USENIX Security 2018)
//! and of Arbitrum classic's `Challenge` contract; with `degree = 2` it is the bisection that
//! Optimism's fault dispute game (`FaultDisputeGame`) plays over its claim tree. Unlike the
//! Optimism game, there are exactly two parties and one line of play, so there is no claim
//! tree: the state is one interval.
//!
//! # Rules
//!
//! The rules below are numbered so that code and the spec (`docs/spec/refutation.md`) can cite
//! them; [`Game`] implements them, and each match arm is tagged with its rule.
//!
//! **DG-1 Trace.** A trace is a sequence of 32-byte state commitments `C_0, C_1, …, C_N`.
//! `C_0`, the *prestate*, is agreed by both parties. The defender asserts that `C_N = claim`
//! after `N ≥ 1` steps; the challenger disputes it.
//!
//! **DG-2 Configuration.** [`GameConfig`] carries `degree` (k), `prestate`, `steps` (N),
//! `claim`, `clock` (each party's time budget in ticks) and `start` (the tick of creation).
//! [`Game::new`] rejects it with a [`ConfigError`] unless `2 ≤ degree ≤ MAX_DEGREE` (256),
//! `steps ≥ 1`, `clock ≥ 1` and `start + 2·clock + 1 ≤ 2^64 − 1` (so every deadline, and the
//! tick after it, is a `u64`).
//!
//! **DG-3 Invariant.** While the game runs, its state is an interval `(lo, hi)` with
//! `lo < hi`, a commitment `pre` at `lo` that both parties agree on and the defender's
//! commitment `post` at `hi` that the challenger disputes. Initially it is
//! `(0, N, prestate, claim)`.
//!
//! **DG-4 Dissection (defender).** When `d = hi − lo ≥ 2`, the defender moves: with
//! `m = min(k, d)` segments and boundaries `b_j = lo + ⌊j·d/m⌋` for `j = 0..=m`, it posts
//! exactly `m − 1` commitments, for `b_1, …, b_{m−1}` in that order. The boundaries are
//! strictly increasing because `d/m ≥ 1`, and each segment has `⌊d/m⌋` or `⌈d/m⌉` steps.
//!
//! **DG-5 Choice (challenger).** After a dissection, the challenger chooses a segment index
//! `j` in `0..m`, meaning "I agree with the commitment at `b_j` and dispute the one at
//! `b_{j+1}`". The interval becomes `(b_j, b_{j+1})`; its `pre` is the old `pre` if `j = 0`,
//! else the posted commitment for `b_j`; its `post` is the old `post` if `j + 1 = m`, else
//! the posted commitment for `b_{j+1}`. One *round* is one dissection plus one choice.
//!
//! **DG-6 One-step proof (challenger).** When `d = 1` (immediately if `N = 1`), the challenger
//! submits a one-step proof. The game asks the [`StepVerifier`] for the commitment after one
//! step from `pre`. If the verifier accepts and computes `computed ≠ post`, the challenger
//! wins: the defender's commitment at `hi` is wrong and the disputed step is `lo → hi`. If
//! `computed = post`, the defender wins. If the verifier rejects the proof, the move is
//! rejected ([`GameError::Proof`]), nothing changes, and the challenger may try again while its
//! clock lasts.
//!
//! **DG-7 Chess clocks.** Each party has `clock` ticks in total. Time runs only for the party
//! whose turn it is, from the tick its turn started (`start` for the first turn, else the tick
//! of the last accepted move). The party's *deadline* is `turn_start + remaining`. Every move
//! carries its tick `at`; a move with `at` before the last known tick is rejected
//! ([`GameError::TimeWentBackwards`]). A move with `at > deadline` is not applied: the game
//! resolves for the other party ([`Reason::Timeout`]). `Tick { now }` advances the known time
//! to `now`; if `now > deadline`, the game resolves for the other party. An accepted move at
//! `at` charges `at − turn_start` to the mover's clock and starts the other party's turn at
//! `at`. Since exactly one clock runs at any time, every deadline is at most
//! `start + 2·clock`.
//!
//! **DG-8 Finality.** A verdict is final. After it, every move is rejected
//! ([`GameError::GameOver`]) and a `Tick` is a no-op that returns no outputs.
//!
//! **DG-9 Validation order.** An input is checked in this order, and the first failing
//! check decides: game over; the right party ([`GameError::NotYourTurn`]); the right kind of
//! move ([`GameError::WrongMove`]); time going backwards; the deadline (a late move resolves
//! the game by timeout, whatever its content); the content
//! ([`GameError::WrongPointCount`], [`GameError::SegmentOutOfRange`], [`GameError::Proof`]).
//! A rejected input leaves the game exactly as it was, including its known time.
//!
//! **DG-10 Accounting.** `moves` counts accepted moves. `rounds` counts accepted choices
//! (a dissection that is never answered is not a round). `bytes` is the sum over accepted
//! moves of: dissection `32 × (m − 1)`, choice `4`, one-step proof
//! [`StepVerifier::proof_len`] (the sum saturates at `u64::MAX`). A move that times out is not
//! accepted and costs nothing. For an honest challenger against a defender who lies from
//! step `j` on, the total is `bytes = Σ_rounds 32·(m_r − 1) + 4·rounds + proof_len`, and
//! `rounds ≤ ⌈log_k N⌉` since every segment has at most `⌈d/k⌉` steps.
//!
//! **DG-11 Verdict.** A [`Verdict`] names the winner, the [`Reason`] (`StepProven` with the
//! step, `pre`, the defender's `post` and the verifier's `computed`, or `Timeout` with the
//! loser), `rounds` and `bytes` at resolution, and `disputed_step`: `Some(lo)` if the interval
//! had narrowed to a single step `lo → lo + 1` when the game resolved (whether by proof or by
//! timeout), else `None`.
//!
//! # Example
//!
//! A toy trace where `C_i = keccak256(i)`, a defender who lies from step 5 on, and an honest
//! challenger, played to the end by the driver:
//!
//! ```
//! use primitives::{Hash32, keccak256};
//! use rollup::dispute::player::{Honest, LiesFrom, Trace, play};
//! use rollup::dispute::{Game, GameConfig, Party, StepVerifier};
//!
//! fn c(i: u64) -> Hash32 {
//!     keccak256(&i.to_le_bytes())
//! }
//!
//! /// The proof of step `i` is `i`; it is valid if `C_i` is the agreed pre-state.
//! struct Toy;
//!
//! #[derive(Debug, thiserror::Error)]
//! #[error("not a proof about the agreed pre-state")]
//! struct Invalid;
//!
//! impl StepVerifier for Toy {
//!     type Proof = u64;
//!     type Error = Invalid;
//!     fn verify(&self, pre: &Hash32, step: &u64) -> Result<Hash32, Invalid> {
//!         if c(*step) == *pre { Ok(c(step + 1)) } else { Err(Invalid) }
//!     }
//!     fn proof_len(&self, _: &u64) -> u64 {
//!         8
//!     }
//! }
//!
//! struct Truth;
//!
//! impl Trace for Truth {
//!     type Proof = u64;
//!     fn commitment(&mut self, step: u64) -> Hash32 {
//!         c(step)
//!     }
//!     fn proof(&mut self, step: u64) -> Option<u64> {
//!         Some(step)
//!     }
//! }
//!
//! let mut liar = LiesFrom::new(Truth, 5);
//! let claim = liar.commitment(1000);
//! let config = GameConfig { degree: 4, prestate: c(0), steps: 1000, claim, clock: 100, start: 0 };
//! let (mut game, _first_output) = Game::new(config, Toy)?;
//! let verdict = play(&mut game, &mut Honest::new(liar), &mut Honest::new(Truth))?;
//! assert_eq!(verdict.winner, Party::Challenger);
//! assert_eq!(verdict.disputed_step, Some(4));
//! assert!(verdict.rounds <= 5); // ⌈log_4 1000⌉
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod game;
pub mod player;

pub use game::{
    ConfigError, Game, GameConfig, GameError, Input, Interval, MAX_DEGREE, Output, Party, Reason, Stats, StepVerifier,
    Verdict,
};

#[cfg(test)]
mod tests;
