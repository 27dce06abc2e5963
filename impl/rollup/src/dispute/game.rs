//! The dissection game's state machine: configuration, inputs, outputs, verdicts and errors.
//!
//! The rules `DG-1` … `DG-11` cited below are stated in the [`crate::dispute`] module docs.

use std::fmt;

use primitives::Hash32;

/// The largest dissection degree (k) a game accepts.
///
/// It bounds a dissection move to 255 commitments (8160 bytes), which keeps one move within
/// what an L1 transaction can carry. Arbitrum classic used degrees in the same range.
pub const MAX_DEGREE: u32 = 256;

/// One of the two parties of a dispute.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Party {
    /// The party that asserted the claim (Arbitrum's "asserter", Optimism's proposer).
    Defender,
    /// The party that disputes the claim.
    Challenger,
}

impl Party {
    /// The opponent.
    pub fn other(self) -> Party {
        match self {
            Party::Defender => Party::Challenger,
            Party::Challenger => Party::Defender,
        }
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Party::Defender => "defender",
            Party::Challenger => "challenger",
        })
    }
}

/// The parameters of one game (DG-2). There is no `Default`: every field is a real choice.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct GameConfig {
    /// The dissection degree k: how many segments a dissection splits an interval into.
    pub degree: u32,
    /// The agreed commitment `C_0` before the first step.
    pub prestate: Hash32,
    /// The number of steps N the claim covers; at least 1.
    pub steps: u64,
    /// The defender's claimed commitment `C_N`.
    pub claim: Hash32,
    /// Each party's total time budget, in ticks; at least 1.
    pub clock: u64,
    /// The tick at which the game is created and the defender's (or, if N = 1, the
    /// challenger's) first turn starts.
    pub start: u64,
}

/// Why a [`GameConfig`] is not a valid game (DG-2).
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ConfigError {
    /// The degree is below 2 or above [`MAX_DEGREE`].
    #[error("the dissection degree must be in {min}..={max}, got {got}")]
    DegreeOutOfRange {
        /// The configured degree.
        got: u32,
        /// The smallest allowed degree, 2.
        min: u32,
        /// The largest allowed degree, [`MAX_DEGREE`].
        max: u32,
    },
    /// The claim covers no steps.
    #[error("a claim covers at least one step")]
    NoSteps,
    /// The clock is zero.
    #[error("each party needs a clock of at least one tick")]
    NoClock,
    /// `start + 2·clock + 1` does not fit in a `u64`, so a deadline could overflow.
    #[error("start {start} plus twice the clock {clock} overflows the tick counter")]
    ClockOverflow {
        /// The configured start tick.
        start: u64,
        /// The configured clock.
        clock: u64,
    },
}

/// Checks one-step proofs for a game (DG-6).
///
/// The VM implements this for its step proofs, and an L1 dispute contract for whatever it can
/// check on chain. A verifier must be deterministic: the same `pre` and proof give the same
/// answer every time.
pub trait StepVerifier {
    /// A proof of one transition.
    type Proof;
    /// Why a proof is invalid.
    type Error: std::error::Error;

    /// The commitment after one step from `pre`, as established by `proof`, or why `proof`
    /// does not establish one (for example because it is a proof about another state).
    fn verify(&self, pre: &Hash32, proof: &Self::Proof) -> Result<Hash32, Self::Error>;

    /// The size of `proof` on the wire, in bytes, for the game's byte accounting (DG-10).
    fn proof_len(&self, proof: &Self::Proof) -> u64;
}

/// A move or a clock update given to [`Game::apply`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Input<P> {
    /// The defender's dissection (DG-4): commitments for `b_1, …, b_{m−1}`, in order.
    Dissect {
        /// Who sends the move.
        by: Party,
        /// The tick at which the move is made.
        at: u64,
        /// The commitments at the inner boundaries.
        points: Vec<Hash32>,
    },
    /// The challenger's choice of a segment (DG-5).
    Choose {
        /// Who sends the move.
        by: Party,
        /// The tick at which the move is made.
        at: u64,
        /// The index `j` of the disputed segment `(b_j, b_{j+1})`, in `0..m`.
        segment: u32,
    },
    /// The challenger's one-step proof (DG-6).
    Step {
        /// Who sends the move.
        by: Party,
        /// The tick at which the move is made.
        at: u64,
        /// The proof of the step `lo → lo + 1`.
        proof: P,
    },
    /// The environment's clock reached `now` (DG-7).
    Tick {
        /// The current tick.
        now: u64,
    },
}

impl<P> Input<P> {
    /// The move's name as used in [`GameError::WrongMove`]: `dissect`, `choose`, `step` or
    /// `tick`.
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Dissect { .. } => "dissect",
            Input::Choose { .. } => "choose",
            Input::Step { .. } => "step",
            Input::Tick { .. } => "tick",
        }
    }
}

/// What the game tells its environment after a step.
///
/// Every accepted move yields exactly one output: the next `Await*` or `Resolved`. The party
/// who must move is implied by the variant: the defender for `AwaitDissection`, the challenger
/// for `AwaitChoice` and `AwaitStep`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Output {
    /// The defender must dissect `(lo, hi)` (DG-4) by `deadline`.
    AwaitDissection {
        /// The start of the disputed interval.
        lo: u64,
        /// The end of the disputed interval.
        hi: u64,
        /// The inner boundaries `b_1, …, b_{m−1}` the defender must commit to, in order.
        at_steps: Vec<u64>,
        /// The last tick at which the move is accepted.
        deadline: u64,
    },
    /// The challenger must choose a segment of `(lo, hi)` (DG-5) by `deadline`.
    AwaitChoice {
        /// The start of the disputed interval.
        lo: u64,
        /// The end of the disputed interval.
        hi: u64,
        /// All boundaries `b_0 = lo, b_1, …, b_m = hi`; segment `j` is `(b_j, b_{j+1})`.
        boundaries: Vec<u64>,
        /// The commitment at each boundary: `pre`, the defender's points, then `post`.
        commitments: Vec<Hash32>,
        /// The last tick at which the move is accepted.
        deadline: u64,
    },
    /// The challenger must prove the single step `step → step + 1` (DG-6) by `deadline`.
    AwaitStep {
        /// The step in dispute, `lo`.
        step: u64,
        /// The agreed commitment at `step`.
        pre: Hash32,
        /// The defender's commitment at `step + 1`.
        post: Hash32,
        /// The last tick at which the move is accepted.
        deadline: u64,
    },
    /// The game is over (DG-11).
    Resolved(Verdict),
}

impl Output {
    /// The party who must move next, or `None` once the game is resolved.
    pub fn mover(&self) -> Option<Party> {
        match self {
            Output::AwaitDissection { .. } => Some(Party::Defender),
            Output::AwaitChoice { .. } | Output::AwaitStep { .. } => Some(Party::Challenger),
            Output::Resolved(_) => None,
        }
    }

    /// The deadline of the awaited move, or `None` once the game is resolved.
    pub fn deadline(&self) -> Option<u64> {
        match self {
            Output::AwaitDissection { deadline, .. }
            | Output::AwaitChoice { deadline, .. }
            | Output::AwaitStep { deadline, .. } => Some(*deadline),
            Output::Resolved(_) => None,
        }
    }
}

/// The final result of a game (DG-11).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Verdict {
    /// Who won.
    pub winner: Party,
    /// Why.
    pub reason: Reason,
    /// The rounds (dissection plus choice) played.
    pub rounds: u32,
    /// The bytes exchanged in accepted moves (DG-10).
    pub bytes: u64,
    /// The step `lo` if the interval had narrowed to `lo → lo + 1`, else `None`.
    pub disputed_step: Option<u64>,
}

/// Why a game ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reason {
    /// The one-step proof decided (DG-6).
    StepProven {
        /// The step `lo`; the proof covers `lo → lo + 1`.
        step: u64,
        /// The agreed commitment at `lo`.
        pre: Hash32,
        /// The defender's commitment at `lo + 1`.
        post: Hash32,
        /// The commitment at `lo + 1` the verifier computed.
        computed: Hash32,
    },
    /// A party did not move before its deadline (DG-7).
    Timeout {
        /// The party whose clock ran out.
        loser: Party,
    },
}

/// Counters of a game so far (DG-10).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Stats {
    /// Rounds completed: accepted choices.
    pub rounds: u32,
    /// Bytes of accepted moves.
    pub bytes: u64,
    /// Accepted moves.
    pub moves: u32,
}

/// The current disputed interval (DG-3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Interval {
    /// The step both parties agree on.
    pub lo: u64,
    /// The step whose commitment the challenger disputes.
    pub hi: u64,
    /// The agreed commitment at `lo`.
    pub pre: Hash32,
    /// The defender's commitment at `hi`.
    pub post: Hash32,
}

/// Why [`Game::apply`] rejected an input. A rejected input changes nothing (DG-9).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum GameError<E> {
    /// The move came from the party whose turn it is not.
    #[error("it is the {expected}'s turn, not the {got}'s")]
    NotYourTurn {
        /// The party whose turn it is.
        expected: Party,
        /// The party that sent the move.
        got: Party,
    },
    /// The right party sent the wrong kind of move.
    #[error("expected a {expected} move, got {got}")]
    WrongMove {
        /// The move the game awaits ([`Input::kind`]).
        expected: &'static str,
        /// The move that was sent.
        got: &'static str,
    },
    /// A dissection with the wrong number of commitments.
    #[error("a dissection here has {expected} commitments, got {got}")]
    WrongPointCount {
        /// `m − 1`.
        expected: usize,
        /// The number sent.
        got: usize,
    },
    /// A choice of a segment that does not exist.
    #[error("segment {segment} does not exist; there are {segments}")]
    SegmentOutOfRange {
        /// The index sent.
        segment: u32,
        /// The number of segments `m`.
        segments: u32,
    },
    /// The input's tick is before the last known tick.
    #[error("the input is at tick {at}, before the last known tick {now}")]
    TimeWentBackwards {
        /// The last known tick.
        now: u64,
        /// The tick of the input.
        at: u64,
    },
    /// The game is already resolved.
    #[error("the game is over")]
    GameOver,
    /// The verifier rejected the one-step proof.
    #[error("invalid one-step proof: {0}")]
    Proof(E),
}

/// What the game waits for; private so that only [`Game`] can change it.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Phase {
    /// The defender must dissect the interval (DG-4).
    Dissect,
    /// The challenger must choose a segment (DG-5) of a posted dissection.
    Choose {
        /// `b_0, …, b_m`.
        boundaries: Vec<u64>,
        /// The commitments at `b_0, …, b_m`: `pre`, the posted points, `post`.
        commitments: Vec<Hash32>,
    },
    /// The challenger must prove the step `lo → lo + 1` (DG-6).
    Step,
    /// The game is over (DG-8).
    Resolved(Verdict),
}

/// The dissection game (DG-1 … DG-11) as a deterministic, sans-IO state machine.
///
/// Feed it [`Input`]s through [`Game::apply`] and act on the [`Output`]s it returns. It reads
/// no clock: time enters only through the ticks carried by inputs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Game<V> {
    config: GameConfig,
    verifier: V,
    interval: Interval,
    phase: Phase,
    /// The last known tick.
    now: u64,
    /// The tick at which the current turn started.
    turn_start: u64,
    /// The defender's clock left at the start of the current turn.
    remaining_defender: u64,
    /// The challenger's clock left at the start of the current turn.
    remaining_challenger: u64,
    stats: Stats,
}

impl<V: StepVerifier> Game<V> {
    /// Creates a game and returns it with its first output, which awaits the first move.
    pub fn new(config: GameConfig, verifier: V) -> Result<(Self, Vec<Output>), ConfigError> {
        // DG-2.
        if !(2..=MAX_DEGREE).contains(&config.degree) {
            return Err(ConfigError::DegreeOutOfRange { got: config.degree, min: 2, max: MAX_DEGREE });
        }
        if config.steps == 0 {
            return Err(ConfigError::NoSteps);
        }
        if config.clock == 0 {
            return Err(ConfigError::NoClock);
        }
        let last_tick =
            config.clock.checked_mul(2).and_then(|c| c.checked_add(config.start)).and_then(|t| t.checked_add(1));
        if last_tick.is_none() {
            return Err(ConfigError::ClockOverflow { start: config.start, clock: config.clock });
        }
        // DG-3: the initial interval is the whole trace.
        let interval = Interval { lo: 0, hi: config.steps, pre: config.prestate, post: config.claim };
        let phase = if config.steps == 1 { Phase::Step } else { Phase::Dissect };
        let game = Game {
            config,
            verifier,
            interval,
            phase,
            now: config.start,
            turn_start: config.start,
            remaining_defender: config.clock,
            remaining_challenger: config.clock,
            stats: Stats::default(),
        };
        let outputs = vec![game.awaiting()];
        Ok((game, outputs))
    }

    /// Applies one input and returns the resulting outputs.
    ///
    /// An accepted move returns one output, the next `Await*` or `Resolved`. A move past its
    /// deadline, or a `Tick` past it, returns `Resolved`. A `Tick` that resolves nothing returns
    /// no outputs. An `Err` means the input was rejected and the game is unchanged (DG-9).
    pub fn apply(&mut self, input: Input<V::Proof>) -> Result<Vec<Output>, GameError<V::Error>> {
        let (by, at) = match &input {
            Input::Tick { now } => return self.tick(*now),
            Input::Dissect { by, at, .. } | Input::Choose { by, at, .. } | Input::Step { by, at, .. } => (*by, *at),
        };
        // DG-9: game over, party, kind of move, time, deadline, content.
        let (expected_party, expected_move) = match &self.phase {
            Phase::Resolved(_) => return Err(GameError::GameOver), // DG-8
            Phase::Dissect => (Party::Defender, "dissect"),
            Phase::Choose { .. } => (Party::Challenger, "choose"),
            Phase::Step => (Party::Challenger, "step"),
        };
        if by != expected_party {
            return Err(GameError::NotYourTurn { expected: expected_party, got: by });
        }
        if input.kind() != expected_move {
            return Err(GameError::WrongMove { expected: expected_move, got: input.kind() });
        }
        if at < self.now {
            return Err(GameError::TimeWentBackwards { now: self.now, at });
        }
        if at > self.deadline_of_turn(by) {
            // DG-7: a late move is not applied; the mover has lost on time.
            self.now = at;
            return Ok(vec![self.resolve(by.other(), Reason::Timeout { loser: by })]);
        }
        match input {
            Input::Dissect { points, .. } => self.dissect(at, points),
            Input::Choose { segment, .. } => self.choose(at, segment),
            Input::Step { proof, .. } => self.step(at, &proof),
            // Ticks returned early above; handling one here again is still correct.
            Input::Tick { now } => self.tick(now),
        }
    }

    /// The configuration the game was created with.
    pub fn config(&self) -> &GameConfig {
        &self.config
    }

    /// The verifier of one-step proofs.
    pub fn verifier(&self) -> &V {
        &self.verifier
    }

    /// The current disputed interval (DG-3). After resolution, the interval at resolution.
    pub fn interval(&self) -> Interval {
        self.interval
    }

    /// The party who must move next, or `None` once the game is resolved.
    pub fn turn(&self) -> Option<Party> {
        match self.phase {
            Phase::Dissect => Some(Party::Defender),
            Phase::Choose { .. } | Phase::Step => Some(Party::Challenger),
            Phase::Resolved(_) => None,
        }
    }

    /// The verdict, once the game is resolved.
    pub fn verdict(&self) -> Option<&Verdict> {
        match &self.phase {
            Phase::Resolved(verdict) => Some(verdict),
            _ => None,
        }
    }

    /// The counters so far (DG-10).
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The last known tick.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The last tick at which the party to move can still move, or `None` once resolved.
    pub fn deadline(&self) -> Option<u64> {
        self.turn().map(|party| self.deadline_of_turn(party))
    }

    /// The clock `party` had left when the current turn started (DG-7). The party to move has
    /// `deadline − now` ticks left at the last known tick.
    pub fn remaining(&self, party: Party) -> u64 {
        match party {
            Party::Defender => self.remaining_defender,
            Party::Challenger => self.remaining_challenger,
        }
    }

    /// The output describing what the game waits for now: an `Await*`, or `Resolved`.
    pub fn awaiting(&self) -> Output {
        let Interval { lo, hi, pre, post } = self.interval;
        let deadline = self.deadline().unwrap_or(self.now);
        match &self.phase {
            Phase::Dissect => {
                let boundaries = boundaries(lo, hi, self.config.degree);
                let inner = inner(&boundaries).to_vec();
                Output::AwaitDissection { lo, hi, at_steps: inner, deadline }
            }
            Phase::Choose { boundaries, commitments } => Output::AwaitChoice {
                lo,
                hi,
                boundaries: boundaries.clone(),
                commitments: commitments.clone(),
                deadline,
            },
            Phase::Step => Output::AwaitStep { step: lo, pre, post, deadline },
            Phase::Resolved(verdict) => Output::Resolved(verdict.clone()),
        }
    }

    /// DG-7 for `Tick`: advance the known time and resolve if the mover ran out.
    fn tick(&mut self, now: u64) -> Result<Vec<Output>, GameError<V::Error>> {
        // DG-8: after the verdict, ticks are no-ops.
        let Some(mover) = self.turn() else { return Ok(Vec::new()) };
        if now < self.now {
            return Err(GameError::TimeWentBackwards { now: self.now, at: now });
        }
        self.now = now;
        if now > self.deadline_of_turn(mover) {
            return Ok(vec![self.resolve(mover.other(), Reason::Timeout { loser: mover })]);
        }
        Ok(Vec::new())
    }

    /// DG-4: checks and records the defender's dissection.
    fn dissect(&mut self, at: u64, points: Vec<Hash32>) -> Result<Vec<Output>, GameError<V::Error>> {
        let Interval { lo, hi, pre, post } = self.interval;
        let boundaries = boundaries(lo, hi, self.config.degree);
        let expected = inner(&boundaries).len();
        if points.len() != expected {
            return Err(GameError::WrongPointCount { expected, got: points.len() });
        }
        let bytes = 32u64.saturating_mul(points.len() as u64);
        let mut commitments = Vec::with_capacity(points.len() + 2);
        commitments.push(pre);
        commitments.extend(points);
        commitments.push(post);
        debug_assert_eq!(commitments.len(), boundaries.len());
        self.accept(Party::Defender, at, bytes);
        self.phase = Phase::Choose { boundaries, commitments };
        Ok(vec![self.awaiting()])
    }

    /// DG-5: checks and applies the challenger's choice of a segment.
    fn choose(&mut self, at: u64, segment: u32) -> Result<Vec<Output>, GameError<V::Error>> {
        let Phase::Choose { boundaries, commitments } = &self.phase else {
            // `apply` matched the move to the phase, so this is unreachable; it rejects rather
            // than panics so that a bug here cannot crash an embedder.
            return Err(GameError::WrongMove { expected: "choose", got: "choose" });
        };
        let segments = u32::try_from(boundaries.len().saturating_sub(1)).unwrap_or(u32::MAX);
        let j = segment as usize;
        let next = j.saturating_add(1);
        let (Some(&lo), Some(&hi), Some(&pre), Some(&post)) =
            (boundaries.get(j), boundaries.get(next), commitments.get(j), commitments.get(next))
        else {
            return Err(GameError::SegmentOutOfRange { segment, segments });
        };
        debug_assert!(lo < hi, "boundaries are strictly increasing");
        self.accept(Party::Challenger, at, 4);
        self.stats.rounds = self.stats.rounds.saturating_add(1);
        self.interval = Interval { lo, hi, pre, post };
        self.phase = if hi - lo == 1 { Phase::Step } else { Phase::Dissect };
        Ok(vec![self.awaiting()])
    }

    /// DG-6: checks the challenger's one-step proof and resolves the game.
    fn step(&mut self, at: u64, proof: &V::Proof) -> Result<Vec<Output>, GameError<V::Error>> {
        let Interval { lo, pre, post, .. } = self.interval;
        let computed = self.verifier.verify(&pre, proof).map_err(GameError::Proof)?;
        let bytes = self.verifier.proof_len(proof);
        self.accept(Party::Challenger, at, bytes);
        // The defender's commitment at `hi` is wrong exactly when the proven step disagrees.
        let winner = if computed != post { Party::Challenger } else { Party::Defender };
        Ok(vec![self.resolve(winner, Reason::StepProven { step: lo, pre, post, computed })])
    }

    /// Records an accepted move by `mover` at `at` that cost `bytes`, and hands the turn over
    /// (DG-7, DG-10). The caller has checked `turn_start ≤ at ≤ deadline`.
    fn accept(&mut self, mover: Party, at: u64, bytes: u64) {
        let elapsed = at.saturating_sub(self.turn_start);
        let remaining = match mover {
            Party::Defender => &mut self.remaining_defender,
            Party::Challenger => &mut self.remaining_challenger,
        };
        debug_assert!(elapsed <= *remaining, "a late move is never accepted");
        *remaining = remaining.saturating_sub(elapsed);
        self.now = at;
        self.turn_start = at;
        self.stats.moves = self.stats.moves.saturating_add(1);
        self.stats.bytes = self.stats.bytes.saturating_add(bytes);
    }

    /// Ends the game (DG-11) and returns the `Resolved` output.
    fn resolve(&mut self, winner: Party, reason: Reason) -> Output {
        let Interval { lo, hi, .. } = self.interval;
        let verdict = Verdict {
            winner,
            reason,
            rounds: self.stats.rounds,
            bytes: self.stats.bytes,
            disputed_step: (hi - lo == 1).then_some(lo),
        };
        self.phase = Phase::Resolved(verdict.clone());
        Output::Resolved(verdict)
    }

    /// The deadline of `party`'s current turn: `turn_start + remaining` (DG-7).
    fn deadline_of_turn(&self, party: Party) -> u64 {
        // `Game::new` checked that `start + 2·clock + 1` fits, and `turn_start + remaining`
        // never exceeds `start + 2·clock`, so this does not saturate.
        self.turn_start.saturating_add(self.remaining(party))
    }
}

/// The boundaries `b_0, …, b_m` of a dissection of `(lo, hi)` with degree `degree` (DG-4):
/// `m = min(degree, hi − lo)` and `b_j = lo + ⌊j·d/m⌋`.
///
/// `⌊j·d/m⌋` is computed as `j·q + ⌊j·r/m⌋` with `d = q·m + r`, which is exact and cannot
/// overflow: `j·q ≤ d` and `j·r < m² ≤ 2^16`. The caller guarantees `lo < hi` and
/// `degree ≥ 2`.
pub(crate) fn boundaries(lo: u64, hi: u64, degree: u32) -> Vec<u64> {
    let d = hi.saturating_sub(lo);
    let m = d.min(u64::from(degree)).max(1);
    let (q, r) = (d / m, d % m);
    (0..=m).map(|j| lo + j * q + j * r / m).collect()
}

/// The inner boundaries `b_1, …, b_{m−1}`: all but the first and the last.
fn inner(boundaries: &[u64]) -> &[u64] {
    match boundaries {
        [_, inner @ .., _] => inner,
        _ => &[],
    }
}
