//! Player strategies for the dissection game and a driver, [`play`], that plays a game to its
//! verdict.
//!
//! A [`Player`] answers the game's `Await*` outputs with moves. Strategies are named types,
//! like the node behaviours of the simulator: [`Honest`] (either role), the dishonest defender
//! [`LiesFrom`] (a [`Trace`] wrapper that an [`Honest`] player then defends consistently), the
//! dishonest challengers [`ChoosesBlindly`] and [`ForgesProofs`], and [`Silent`].
//!
//! Nothing here is random: the one pseudo-random policy, [`Pick::Seeded`], is a splitmix64
//! sequence from a seed the caller passes in.

use std::fmt;

use primitives::{Hash32, keccak256_concat, splitmix64};

use super::game::{Game, Input, Output, Party, StepVerifier, Verdict};

/// How many responses the driver asks a player for in one turn before it treats the player as
/// silent. A response that the game rejects, or that does not end the turn, uses one attempt.
pub const MAX_ATTEMPTS_PER_TURN: u32 = 4;

/// How many iterations (responses plus ticks) the driver runs before it gives up.
///
/// A game has at most `2·⌈log_2 N⌉ + 1 ≤ 129` turns, each of at most
/// [`MAX_ATTEMPTS_PER_TURN`] responses and one tick, so this bound is never reached by a game
/// the driver can finish; it only guards against a bug.
pub const MAX_ITERATIONS: u32 = 4096;

/// What a player believes the trace is.
pub trait Trace {
    /// A proof of one transition, as the game's [`StepVerifier`] takes it.
    type Proof;

    /// The commitment `C_step` the player believes in.
    fn commitment(&mut self, step: u64) -> Hash32;

    /// A proof of the transition `step → step + 1`, or `None` if the player cannot make one.
    fn proof(&mut self, step: u64) -> Option<Self::Proof>;
}

/// A strategy: how a party answers what the game awaits.
pub trait Player<P> {
    /// The move to make, at tick `now`, as `role`, in answer to `awaiting`; `None` to stay
    /// silent. The driver only asks the party to move, and stamps nothing: the returned input
    /// is applied as it is.
    fn respond(&mut self, role: Party, now: u64, awaiting: &Output) -> Option<Input<P>>;
}

impl<P, T: Player<P> + ?Sized> Player<P> for Box<T> {
    fn respond(&mut self, role: Party, now: u64, awaiting: &Output) -> Option<Input<P>> {
        (**self).respond(role, now, awaiting)
    }
}

/// Why [`play`] could not finish a game.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum PlayError {
    /// The game was not resolved within [`MAX_ITERATIONS`] iterations.
    #[error("the game did not end within {limit} driver iterations")]
    IterationLimit {
        /// The bound, [`MAX_ITERATIONS`].
        limit: u32,
    },
    /// The game rejected the driver's tick past a deadline, or the tick did not resolve it.
    #[error("the tick past the deadline {deadline} did not resolve the game")]
    Stalled {
        /// The deadline the driver ticked past.
        deadline: u64,
    },
}

/// Plays `game` to its verdict between `defender` and `challenger`.
///
/// Each turn, the driver asks the party to move for a response at tick `now + 1` (time
/// advances by one tick per move), and stamps the move with that tick whatever the player
/// wrote: the environment owns the clock. A response that is rejected, or that does not end the turn
/// (a player's own `Tick`), uses one of [`MAX_ATTEMPTS_PER_TURN`] attempts. A party that stays
/// silent, or uses up its attempts, is treated as silent: the driver ticks to one past its
/// deadline, which resolves the game by timeout. An already resolved game returns its verdict.
pub fn play<V, D, C>(game: &mut Game<V>, defender: &mut D, challenger: &mut C) -> Result<Verdict, PlayError>
where
    V: StepVerifier,
    D: Player<V::Proof> + ?Sized,
    C: Player<V::Proof> + ?Sized,
{
    let mut attempts = 0;
    for _ in 0..MAX_ITERATIONS {
        let awaiting = game.awaiting();
        let (mover, deadline) = match (&awaiting, awaiting.mover(), awaiting.deadline()) {
            (Output::Resolved(verdict), _, _) => return Ok(verdict.clone()),
            (_, Some(mover), Some(deadline)) => (mover, deadline),
            // Every `Await*` output has a mover and a deadline.
            _ => return Err(PlayError::Stalled { deadline: game.now() }),
        };
        let now = game.now().saturating_add(1);
        let response = if attempts < MAX_ATTEMPTS_PER_TURN {
            match mover {
                Party::Defender => defender.respond(mover, now, &awaiting),
                Party::Challenger => challenger.respond(mover, now, &awaiting),
            }
        } else {
            None
        };
        match response {
            Some(mut input) => {
                // Time comes from the environment, never from the mover (DG-7): whatever tick
                // the player wrote, the move happens now.
                match &mut input {
                    Input::Dissect { at, .. } | Input::Choose { at, .. } | Input::Step { at, .. } => *at = now,
                    Input::Tick { .. } => {}
                }
                let moves_before = game.stats().moves;
                // A rejected move changes nothing; it only uses an attempt.
                let accepted = game.apply(input).is_ok();
                let turn_ended = game.stats().moves != moves_before || game.verdict().is_some();
                attempts = if accepted && turn_ended { 0 } else { attempts + 1 };
            }
            None => {
                // Silence: let the mover's clock run out.
                let tick = Input::Tick { now: deadline.saturating_add(1) };
                if game.apply(tick).is_err() || game.verdict().is_none() {
                    return Err(PlayError::Stalled { deadline });
                }
            }
        }
    }
    Err(PlayError::IterationLimit { limit: MAX_ITERATIONS })
}

/// Plays its [`Trace`] faithfully, as either party.
///
/// As defender, it dissects with its trace's commitments. As challenger, it chooses the
/// *first* segment whose end commitment differs from its trace; it agrees with the segment's
/// start, because that is either the agreed `pre` or an earlier end it agreed with. At one
/// step, it submits its trace's proof.
///
/// An honest challenger only disputes a claim it believes wrong, and then, by induction, it
/// disagrees with `post` at every choice, so some segment always has a disagreeing end. If it
/// is made to dispute a claim it agrees with and finds no such segment, it has no honest move:
/// it concedes by staying silent, and the game resolves by timeout. (A challenger that
/// disputes a correct claim on purpose is [`ChoosesBlindly`].)
#[derive(Clone, Debug)]
pub struct Honest<T> {
    trace: T,
}

impl<T> Honest<T> {
    /// A player that believes `trace`.
    pub fn new(trace: T) -> Self {
        Honest { trace }
    }

    /// The trace the player believes.
    pub fn trace(&self) -> &T {
        &self.trace
    }
}

impl<T: Trace> Player<T::Proof> for Honest<T> {
    fn respond(&mut self, role: Party, now: u64, awaiting: &Output) -> Option<Input<T::Proof>> {
        match (role, awaiting) {
            (Party::Defender, Output::AwaitDissection { at_steps, .. }) => {
                Some(dissect(&mut self.trace, now, at_steps))
            }
            (Party::Challenger, Output::AwaitChoice { boundaries, commitments, .. }) => {
                let segment = first_disagreement(&mut self.trace, boundaries, commitments)?;
                Some(Input::Choose { by: role, at: now, segment })
            }
            (Party::Challenger, Output::AwaitStep { step, .. }) => {
                let proof = self.trace.proof(*step)?;
                Some(Input::Step { by: role, at: now, proof })
            }
            _ => None,
        }
    }
}

/// A trace that is right before `step` and wrong from `step` on: the commitment at every
/// `i ≥ step` is `keccak256("orsma/lie" ‖ C_i)`, where `C_i` is the wrapped trace's.
///
/// Wrapped in [`Honest`], it is a defender that claims a wrong result and dissects
/// consistently with its lie, the strongest lie there is: the first wrong step is `step − 1 →
/// step`, and an honest challenger must find it. Step 0 is the agreed prestate, which the game
/// never takes from a player, so `step = 0` behaves like `step = 1`. Proofs pass through
/// unchanged.
#[derive(Clone, Debug)]
pub struct LiesFrom<T> {
    inner: T,
    step: u64,
}

impl<T> LiesFrom<T> {
    /// Lies about `inner`'s commitments from `step` on.
    pub fn new(inner: T, step: u64) -> Self {
        LiesFrom { inner, step }
    }
}

impl<T: Trace> Trace for LiesFrom<T> {
    type Proof = T::Proof;

    fn commitment(&mut self, step: u64) -> Hash32 {
        let truth = self.inner.commitment(step);
        if step >= self.step { keccak256_concat(&[b"orsma/lie", truth.as_bytes()]) } else { truth }
    }

    fn proof(&mut self, step: u64) -> Option<T::Proof> {
        self.inner.proof(step)
    }
}

/// How a dishonest challenger picks a segment when it has no real disagreement.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Pick {
    /// Always segment 0.
    First,
    /// Always the last segment.
    Last,
    /// Segment `splitmix64(state) mod m`, the state advancing from the given seed.
    Seeded(u64),
}

impl Pick {
    /// The segment among `segments` (at least 1) to choose next.
    fn next(&mut self, segments: u32) -> u32 {
        let segments = segments.max(1);
        match self {
            Pick::First => 0,
            Pick::Last => segments - 1,
            Pick::Seeded(state) => {
                let draw = splitmix64(state) % u64::from(segments);
                // `draw < segments ≤ u32::MAX`, so the conversion cannot fail.
                u32::try_from(draw).unwrap_or(0)
            }
        }
    }
}

/// A challenger that disputes a claim it has no reason to dispute (typically a correct one)
/// and picks segments by a [`Pick`] policy instead of by disagreement. At one step it submits
/// its trace's proof, which, for a correct claim, proves the defender right.
#[derive(Clone, Debug)]
pub struct ChoosesBlindly<T> {
    trace: T,
    pick: Pick,
}

impl<T> ChoosesBlindly<T> {
    /// A blind challenger with `trace` for proofs and `pick` for choices.
    pub fn new(trace: T, pick: Pick) -> Self {
        ChoosesBlindly { trace, pick }
    }
}

impl<T: Trace> Player<T::Proof> for ChoosesBlindly<T> {
    fn respond(&mut self, role: Party, now: u64, awaiting: &Output) -> Option<Input<T::Proof>> {
        match awaiting {
            Output::AwaitChoice { boundaries, .. } => {
                let segment = self.pick.next(segment_count(boundaries));
                Some(Input::Choose { by: role, at: now, segment })
            }
            Output::AwaitStep { step, .. } => {
                let proof = self.trace.proof(*step)?;
                Some(Input::Step { by: role, at: now, proof })
            }
            _ => None,
        }
    }
}

/// A challenger that chooses segments by a [`Pick`] policy and, at one step, submits whatever
/// its `tamper` hook makes of the honest proof: a proof of another step, a corrupted proof,
/// or `None` to stay silent. The hook gets the disputed step and the trace's proof of it.
pub struct ForgesProofs<T: Trace, F> {
    trace: T,
    pick: Pick,
    tamper: F,
}

impl<T: Trace, F> ForgesProofs<T, F>
where
    F: FnMut(u64, Option<T::Proof>) -> Option<T::Proof>,
{
    /// A forging challenger with `trace` for honest proofs, `pick` for choices and `tamper`
    /// to forge.
    pub fn new(trace: T, pick: Pick, tamper: F) -> Self {
        ForgesProofs { trace, pick, tamper }
    }
}

impl<T: Trace + fmt::Debug, F> fmt::Debug for ForgesProofs<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForgesProofs").field("trace", &self.trace).field("pick", &self.pick).finish_non_exhaustive()
    }
}

impl<T: Trace, F> Player<T::Proof> for ForgesProofs<T, F>
where
    F: FnMut(u64, Option<T::Proof>) -> Option<T::Proof>,
{
    fn respond(&mut self, role: Party, now: u64, awaiting: &Output) -> Option<Input<T::Proof>> {
        match awaiting {
            Output::AwaitChoice { boundaries, .. } => {
                let segment = self.pick.next(segment_count(boundaries));
                Some(Input::Choose { by: role, at: now, segment })
            }
            Output::AwaitStep { step, .. } => {
                let honest = self.trace.proof(*step);
                let proof = (self.tamper)(*step, honest)?;
                Some(Input::Step { by: role, at: now, proof })
            }
            _ => None,
        }
    }
}

/// A player that never moves; it loses on time.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Silent;

impl<P> Player<P> for Silent {
    fn respond(&mut self, _role: Party, _now: u64, _awaiting: &Output) -> Option<Input<P>> {
        None
    }
}

/// The dissection of an honest defender: its trace's commitments at `at_steps`.
fn dissect<T: Trace>(trace: &mut T, now: u64, at_steps: &[u64]) -> Input<T::Proof> {
    let points = at_steps.iter().map(|&step| trace.commitment(step)).collect();
    Input::Dissect { by: Party::Defender, at: now, points }
}

/// The first segment whose end commitment differs from `trace`'s, if any.
fn first_disagreement<T: Trace>(trace: &mut T, boundaries: &[u64], commitments: &[Hash32]) -> Option<u32> {
    let idx = boundaries
        .iter()
        .zip(commitments)
        .skip(1)
        .position(|(&step, commitment)| trace.commitment(step) != *commitment)?;
    u32::try_from(idx).ok()
}

/// The number of segments `m` of a dissection with these boundaries.
fn segment_count(boundaries: &[u64]) -> u32 {
    u32::try_from(boundaries.len().saturating_sub(1)).unwrap_or(u32::MAX)
}
