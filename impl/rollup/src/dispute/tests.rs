//! Tests of the dissection game and its players, against toy verifiers defined here.
//!
//! Two toys stand in for the VM. The *indexed* toy has `C_i = keccak256("toy" ‖ i ‖ salt)`,
//! so any commitment costs O(1) and a 10^12-step game is cheap; its proof of step `i` is `i`,
//! and the verifier checks that `C_i` is the agreed `pre`. The *chained* toy has
//! `C_{i+1} = keccak256("toy" ‖ C_i)` and the proof is the pre-state itself; it is only used
//! for short traces. Expected rounds and bytes come from models written here from the rules,
//! not from the game's code.

use primitives::{Hash32, keccak256, keccak256_concat};
use proptest::prelude::*;

use super::player::{ChoosesBlindly, ForgesProofs, Honest, LiesFrom, Pick, PlayError, Player, Silent, Trace, play};
use super::*;

const SALT: u64 = 7;
const CLOCK: u64 = 1_000;
const START: u64 = 100;

/// The indexed toy's commitment `C_i`.
fn c(i: u64) -> Hash32 {
    keccak256_concat(&[b"toy", &i.to_le_bytes(), &SALT.to_le_bytes()])
}

/// The wrong commitment a liar posts instead of `truth` (restated from `LiesFrom`'s docs).
fn lie(truth: Hash32) -> Hash32 {
    keccak256_concat(&[b"orsma/lie", truth.as_bytes()])
}

/// The indexed toy's proof of step `step → step + 1`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct ToyProof {
    step: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
enum ToyError {
    #[error("the proof is about step {step}, whose commitment is not the agreed pre-state")]
    NotThePrestate { step: u64 },
    #[error("there is no step after u64::MAX")]
    StepOverflow,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct ToyVerifier;

impl StepVerifier for ToyVerifier {
    type Proof = ToyProof;
    type Error = ToyError;

    fn verify(&self, pre: &Hash32, proof: &ToyProof) -> Result<Hash32, ToyError> {
        if c(proof.step) != *pre {
            return Err(ToyError::NotThePrestate { step: proof.step });
        }
        proof.step.checked_add(1).map(c).ok_or(ToyError::StepOverflow)
    }

    fn proof_len(&self, _proof: &ToyProof) -> u64 {
        8
    }
}

#[derive(Clone, Copy, Debug)]
struct ToyTrace;

impl Trace for ToyTrace {
    type Proof = ToyProof;

    fn commitment(&mut self, step: u64) -> Hash32 {
        c(step)
    }

    fn proof(&mut self, step: u64) -> Option<ToyProof> {
        Some(ToyProof { step })
    }
}

/// The chained toy: `C_0 = keccak256("genesis")`, `C_{i+1} = keccak256("toy" ‖ C_i)`.
fn chain(n: u64) -> Vec<Hash32> {
    let mut out = vec![keccak256(b"genesis")];
    for i in 0..n as usize {
        out.push(keccak256_concat(&[b"toy", out[i].as_bytes()]));
    }
    out
}

#[derive(Clone, Debug)]
struct ChainTrace(Vec<Hash32>);

impl Trace for ChainTrace {
    type Proof = Hash32;

    fn commitment(&mut self, step: u64) -> Hash32 {
        self.0[step as usize]
    }

    fn proof(&mut self, step: u64) -> Option<Hash32> {
        Some(self.0[step as usize])
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[error("the proof's pre-state is not the agreed one")]
struct WrongPre;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct ChainVerifier;

impl StepVerifier for ChainVerifier {
    type Proof = Hash32;
    type Error = WrongPre;

    fn verify(&self, pre: &Hash32, proof: &Hash32) -> Result<Hash32, WrongPre> {
        if proof != pre {
            return Err(WrongPre);
        }
        Ok(keccak256_concat(&[b"toy", pre.as_bytes()]))
    }

    fn proof_len(&self, _proof: &Hash32) -> u64 {
        32
    }
}

fn config(degree: u32, steps: u64, claim: Hash32) -> GameConfig {
    GameConfig { degree, prestate: c(0), steps, claim, clock: CLOCK, start: START }
}

fn toy_game(degree: u32, steps: u64, claim: Hash32) -> Game<ToyVerifier> {
    match Game::new(config(degree, steps, claim), ToyVerifier) {
        Ok((game, _)) => game,
        Err(e) => panic!("valid config rejected: {e}"),
    }
}

/// Rounds and bytes (without the proof) of an honest challenger against a defender who lies
/// from `j` on, from DG-4/DG-5 solved for the segment directly: the chosen segment is the
/// first whose end `b_t = lo + ⌊t·d/m⌋` is `≥ j`, i.e. `t = ⌈(j − lo)·m / d⌉`.
fn model_lie(n: u64, k: u32, j: u64) -> (u32, u64, u64) {
    let (mut lo, mut hi, j) = (0u128, u128::from(n), u128::from(j.max(1)));
    let (mut rounds, mut bytes) = (0u32, 0u64);
    while hi - lo >= 2 {
        let d = hi - lo;
        let m = d.min(u128::from(k));
        let t = ((j - lo) * m).div_ceil(d);
        (lo, hi) = (lo + (t - 1) * d / m, lo + t * d / m);
        rounds += 1;
        bytes += 32 * (m as u64 - 1) + 4;
    }
    (rounds, bytes, lo as u64)
}

/// Rounds and bytes (without the proof) when the challenger always takes segment 0 or always
/// the last one: segment sizes `⌊d/m⌋` and `d − ⌊(m−1)·d/m⌋ = ⌈d/m⌉`.
fn model_edge(n: u64, k: u32, last: bool) -> (u32, u64) {
    let (mut d, mut rounds, mut bytes) = (u128::from(n), 0u32, 0u64);
    while d >= 2 {
        let m = d.min(u128::from(k));
        d = if last { d.div_ceil(m) } else { d / m };
        rounds += 1;
        bytes += 32 * (m as u64 - 1) + 4;
    }
    (rounds, bytes)
}

/// The smallest `r` with `k^r ≥ n`: `⌈log_k n⌉`.
fn ceil_log(k: u32, n: u64) -> u32 {
    let (mut r, mut power) = (0, 1u128);
    while power < u128::from(n) {
        power *= u128::from(k);
        r += 1;
    }
    r
}

fn must_play<V: StepVerifier>(
    game: &mut Game<V>,
    defender: &mut impl Player<V::Proof>,
    challenger: &mut impl Player<V::Proof>,
) -> Verdict {
    match play(game, defender, challenger) {
        Ok(verdict) => verdict,
        Err(e) => panic!("the driver failed: {e}"),
    }
}

/// Applies `input`, requires it to be rejected with `expected`, and requires the game to be
/// exactly as it was.
fn check_rejected<V>(game: &mut Game<V>, input: Input<V::Proof>, expected: GameError<V::Error>)
where
    V: StepVerifier + Clone + PartialEq + std::fmt::Debug,
    V::Error: PartialEq + std::fmt::Debug,
{
    let before = game.clone();
    assert_eq!(game.apply(input), Err(expected));
    assert_eq!(*game, before, "a rejected input changed the game");
}

fn lying_defender(j: u64) -> Honest<LiesFrom<ToyTrace>> {
    Honest::new(LiesFrom::new(ToyTrace, j))
}

// --- Configuration ---------------------------------------------------------------------------

#[test]
fn invalid_configs_are_rejected_with_typed_errors() {
    let ok = config(2, 10, c(10));
    let cases = [
        (GameConfig { degree: 0, ..ok }, ConfigError::DegreeOutOfRange { got: 0, min: 2, max: 256 }),
        (GameConfig { degree: 1, ..ok }, ConfigError::DegreeOutOfRange { got: 1, min: 2, max: 256 }),
        (GameConfig { degree: 257, ..ok }, ConfigError::DegreeOutOfRange { got: 257, min: 2, max: 256 }),
        (GameConfig { steps: 0, ..ok }, ConfigError::NoSteps),
        (GameConfig { clock: 0, ..ok }, ConfigError::NoClock),
        (
            GameConfig { clock: u64::MAX / 2, start: 1, ..ok },
            ConfigError::ClockOverflow { start: 1, clock: u64::MAX / 2 },
        ),
        (
            GameConfig { clock: 1, start: u64::MAX - 2, ..ok },
            ConfigError::ClockOverflow { start: u64::MAX - 2, clock: 1 },
        ),
    ];
    for (cfg, expected) in cases {
        assert_eq!(Game::new(cfg, ToyVerifier).err(), Some(expected), "{cfg:?}");
    }
    // The edges of the valid ranges.
    for cfg in [
        GameConfig { degree: 2, ..ok },
        GameConfig { degree: MAX_DEGREE, ..ok },
        GameConfig { steps: 1, ..ok },
        GameConfig { clock: 1, ..ok },
        GameConfig { clock: (u64::MAX - 1) / 2, start: 0, ..ok },
        GameConfig { clock: 1, start: u64::MAX - 3, ..ok },
    ] {
        assert!(Game::new(cfg, ToyVerifier).is_ok(), "{cfg:?}");
    }
}

#[test]
fn a_new_game_awaits_the_defenders_dissection_of_the_whole_trace() {
    let (game, outputs) = Game::new(config(3, 10, c(10)), ToyVerifier).unwrap();
    assert_eq!(outputs, vec![Output::AwaitDissection { lo: 0, hi: 10, at_steps: vec![3, 6], deadline: START + CLOCK }]);
    assert_eq!(game.turn(), Some(Party::Defender));
    assert_eq!(game.interval(), Interval { lo: 0, hi: 10, pre: c(0), post: c(10) });
    assert_eq!(game.deadline(), Some(START + CLOCK));
    assert_eq!(game.now(), START);
    assert_eq!(game.stats(), Stats::default());
    assert_eq!(game.verdict(), None);
}

#[test]
fn a_one_step_claim_goes_straight_to_the_challengers_proof() {
    let (game, outputs) = Game::new(config(2, 1, lie(c(1))), ToyVerifier).unwrap();
    assert_eq!(outputs, vec![Output::AwaitStep { step: 0, pre: c(0), post: lie(c(1)), deadline: START + CLOCK }]);
    assert_eq!(game.turn(), Some(Party::Challenger));
}

#[test]
fn boundaries_follow_the_floor_formula() {
    // (lo, hi, k) and b_j = lo + ⌊j·d/m⌋ worked out by hand.
    let cases: [(u64, u64, u32, &[u64]); 7] = [
        (0, 10, 3, &[0, 3, 6, 10]),
        (6, 10, 3, &[6, 7, 8, 10]),
        (0, 2, 40, &[0, 1, 2]),
        (8, 10, 2, &[8, 9, 10]),
        (0, 7, 2, &[0, 3, 7]),
        (0, 7, 4, &[0, 1, 3, 5, 7]),
        (0, 5, 8, &[0, 1, 2, 3, 4, 5]),
    ];
    for (lo, hi, k, expected) in cases {
        assert_eq!(game::boundaries(lo, hi, k), expected, "({lo}, {hi}) k={k}");
    }
    let wide = game::boundaries(0, u64::MAX, 256);
    assert_eq!(wide.len(), 257);
    assert_eq!(wide.first(), Some(&0));
    assert_eq!(wide.last(), Some(&u64::MAX));
    assert!(wide.windows(2).all(|w| w[0] < w[1]));
}

// --- Honest and lying players ----------------------------------------------------------------

#[test]
fn a_lie_from_any_step_is_caught_at_exactly_that_step_for_every_degree() {
    for k in [2, 3, 4, 8, 40] {
        for n in [1, 2, 3, 10, 41, 64, 100] {
            for j in 1..=n {
                let mut game = toy_game(k, n, lie(c(n)));
                let verdict = must_play(&mut game, &mut lying_defender(j), &mut Honest::new(ToyTrace));
                let (rounds, bytes, lo) = model_lie(n, k, j);
                assert_eq!(lo, j - 1, "the model itself must land on the first lie");
                let expected = Verdict {
                    winner: Party::Challenger,
                    reason: Reason::StepProven { step: j - 1, pre: c(j - 1), post: lie(c(j)), computed: c(j) },
                    rounds,
                    bytes: bytes + 8,
                    disputed_step: Some(j - 1),
                };
                assert_eq!(verdict, expected, "k={k} n={n} j={j}");
                assert!(rounds <= ceil_log(k, n), "k={k} n={n} j={j}");
                assert_eq!(game.stats(), Stats { rounds, bytes: bytes + 8, moves: 2 * rounds + 1 });
            }
        }
    }
}

#[test]
fn hand_worked_games_have_the_expected_rounds_and_bytes() {
    // (k, n, j, rounds, bytes), worked out by hand from DG-4, DG-5 and DG-10:
    // k=3 n=10 j=10: (0,10)→(6,10)→(8,10)→(9,10); 32·(2+2+1) + 4·3 + 8 = 180.
    // k=3 n=10 j=1:  (0,10)→(0,3)→(0,1);          32·(2+2)   + 4·2 + 8 = 144.
    // k=2 n=10^9: always the first half takes ⌊log2 10^9⌋ = 29 rounds, the last ⌈·⌉ = 30,
    // each 32 + 4 bytes, plus the 8-byte proof.
    let cases = [
        (3, 10, 10, 3, 180),
        (3, 10, 1, 2, 144),
        (2, 1_000_000_000, 1, 29, 29 * 36 + 8),
        (2, 1_000_000_000, 1_000_000_000, 30, 30 * 36 + 8),
        (10, 1_000_000_000, 1, 9, 9 * (9 * 32 + 4) + 8),
        (2, 1, 1, 0, 8),
        (2, 2, 2, 1, 44),
        (2, 2, 1, 1, 44),
    ];
    for (k, n, j, rounds, bytes) in cases {
        let mut game = toy_game(k, n, lie(c(n)));
        let verdict = must_play(&mut game, &mut lying_defender(j), &mut Honest::new(ToyTrace));
        assert_eq!(verdict.winner, Party::Challenger, "k={k} n={n} j={j}");
        assert_eq!(verdict.disputed_step, Some(j - 1), "k={k} n={n} j={j}");
        assert_eq!((verdict.rounds, verdict.bytes), (rounds, bytes), "k={k} n={n} j={j}");
    }
}

#[test]
fn the_chained_toy_catches_a_lie_too() {
    let truth = chain(100);
    for j in [1, 2, 37, 99, 100] {
        let claim = lie(truth[100]);
        let cfg = GameConfig { degree: 4, prestate: truth[0], steps: 100, claim, clock: CLOCK, start: 0 };
        let (mut game, _) = Game::new(cfg, ChainVerifier).unwrap();
        let verdict = must_play(
            &mut game,
            &mut Honest::new(LiesFrom::new(ChainTrace(truth.clone()), j)),
            &mut Honest::new(ChainTrace(truth.clone())),
        );
        let j = j as usize;
        let step = j as u64 - 1;
        assert_eq!(
            verdict.reason,
            Reason::StepProven { step, pre: truth[j - 1], post: lie(truth[j]), computed: truth[j] }
        );
        assert_eq!(verdict.winner, Party::Challenger);
        assert_eq!(verdict.bytes, model_lie(100, 4, step + 1).1 + 32);
    }
}

#[test]
fn an_honest_challenger_concedes_a_true_claim_by_timing_out() {
    // Driven into disputing a claim it agrees with, the honest challenger finds no segment
    // with a wrong end and stays silent (see `Honest`).
    let mut game = toy_game(2, 10, c(10));
    let verdict = must_play(&mut game, &mut Honest::new(ToyTrace), &mut Honest::new(ToyTrace));
    assert_eq!(verdict.winner, Party::Defender);
    assert_eq!(verdict.reason, Reason::Timeout { loser: Party::Challenger });
    assert_eq!((verdict.rounds, verdict.bytes, verdict.disputed_step), (0, 32, None));
}

#[test]
fn a_true_one_step_claim_is_upheld_by_the_challengers_own_proof() {
    let mut game = toy_game(2, 1, c(1));
    let verdict = must_play(&mut game, &mut Honest::new(ToyTrace), &mut Honest::new(ToyTrace));
    let reason = Reason::StepProven { step: 0, pre: c(0), post: c(1), computed: c(1) };
    assert_eq!(verdict, Verdict { winner: Party::Defender, reason, rounds: 0, bytes: 8, disputed_step: Some(0) });
}

// --- Dishonest challengers -------------------------------------------------------------------

#[test]
fn an_honest_defender_beats_blind_challengers() {
    for k in [2, 3, 4, 8, 40] {
        for n in [1, 2, 5, 100, 1_000_000_000] {
            for pick in [Pick::First, Pick::Last, Pick::Seeded(1), Pick::Seeded(0xdead_beef)] {
                let mut game = toy_game(k, n, c(n));
                let verdict =
                    must_play(&mut game, &mut Honest::new(ToyTrace), &mut ChoosesBlindly::new(ToyTrace, pick));
                let Reason::StepProven { step, pre, post, computed } = verdict.reason else {
                    panic!("k={k} n={n} {pick:?}: expected a proven step, got {verdict:?}");
                };
                assert_eq!(verdict.winner, Party::Defender);
                assert_eq!((pre, post, computed), (c(step), c(step + 1), c(step + 1)));
                assert_eq!(verdict.disputed_step, Some(step));
                match pick {
                    Pick::First => assert_eq!(step, 0),
                    Pick::Last => assert_eq!(step, n - 1),
                    Pick::Seeded(_) => assert!(step < n),
                }
                if let Pick::First | Pick::Last = pick {
                    let (rounds, bytes) = model_edge(n, k, pick == Pick::Last);
                    assert_eq!((verdict.rounds, verdict.bytes), (rounds, bytes + 8), "k={k} n={n} {pick:?}");
                }
                assert!(verdict.rounds <= ceil_log(k, n));
            }
        }
    }
}

#[test]
fn a_seeded_blind_challenger_is_deterministic_and_seed_dependent() {
    let run = |seed| {
        let mut game = toy_game(2, 1 << 40, c(1 << 40));
        must_play(&mut game, &mut Honest::new(ToyTrace), &mut ChoosesBlindly::new(ToyTrace, Pick::Seeded(seed)))
    };
    assert_eq!(run(5), run(5));
    let steps: std::collections::BTreeSet<_> = (0..8).map(|seed| run(seed).disputed_step).collect();
    assert!(steps.len() > 1, "eight seeds all disputed the same step: {steps:?}");
}

/// A `ForgesProofs` hook.
type Tamper = fn(u64, Option<ToyProof>) -> Option<ToyProof>;

#[test]
fn forged_proofs_are_rejected_and_the_forger_times_out() {
    let forgeries: [(&str, Tamper); 3] = [
        ("the next step", |step, _| Some(ToyProof { step: step + 1 })),
        ("the previous step", |step, _| Some(ToyProof { step: step.wrapping_sub(1) })),
        ("a corrupted proof", |_, honest| honest.map(|p| ToyProof { step: p.step ^ (1 << 63) })),
    ];
    for (what, tamper) in forgeries {
        let mut game = toy_game(3, 100, c(100));
        let mut forger = ForgesProofs::new(ToyTrace, Pick::Last, tamper);
        let verdict = must_play(&mut game, &mut Honest::new(ToyTrace), &mut forger);
        assert_eq!(verdict.winner, Party::Defender, "{what}");
        assert_eq!(verdict.reason, Reason::Timeout { loser: Party::Challenger }, "{what}");
        assert_eq!(verdict.disputed_step, Some(99), "{what}");
        let (rounds, bytes) = model_edge(100, 3, true);
        // No proof was accepted, so no proof bytes are counted.
        assert_eq!((verdict.rounds, verdict.bytes), (rounds, bytes), "{what}");
    }
}

#[test]
fn a_forger_that_submits_the_honest_proof_proves_the_defender_right() {
    let mut game = toy_game(3, 100, c(100));
    let mut forger = ForgesProofs::new(ToyTrace, Pick::First, |_, honest| honest);
    let verdict = must_play(&mut game, &mut Honest::new(ToyTrace), &mut forger);
    assert_eq!(verdict.winner, Party::Defender);
    assert_eq!(verdict.reason, Reason::StepProven { step: 0, pre: c(0), post: c(1), computed: c(1) });
}

// --- Silence and clocks ----------------------------------------------------------------------

#[test]
fn silent_parties_lose_on_time() {
    // A silent defender loses before the first round; a silent challenger lets even a false
    // claim stand, which is why someone honest must watch.
    let mut g = toy_game(2, 10, lie(c(10)));
    let v = must_play(&mut g, &mut Silent, &mut Honest::new(ToyTrace));
    assert_eq!(
        v,
        Verdict {
            winner: Party::Challenger,
            reason: Reason::Timeout { loser: Party::Defender },
            rounds: 0,
            bytes: 0,
            disputed_step: None
        }
    );
    assert_eq!(g.now(), START + CLOCK + 1);

    let mut g = toy_game(2, 10, lie(c(10)));
    let v = must_play(&mut g, &mut lying_defender(3), &mut Silent);
    assert_eq!(
        v,
        Verdict {
            winner: Party::Defender,
            reason: Reason::Timeout { loser: Party::Challenger },
            rounds: 0,
            bytes: 32,
            disputed_step: None
        }
    );
    // The defender moved at START + 1, so the challenger's turn started there.
    assert_eq!(g.now(), START + 1 + CLOCK + 1);

    let mut g = toy_game(2, 1, lie(c(1)));
    let v = must_play(&mut g, &mut Silent, &mut Silent);
    assert_eq!(v.reason, Reason::Timeout { loser: Party::Challenger });
    assert_eq!(v.disputed_step, Some(0));
}

/// A defender that plays honestly for `rounds` dissections and then goes silent.
struct StopsAfter {
    dissections: u32,
    inner: Honest<LiesFrom<ToyTrace>>,
}

impl Player<ToyProof> for StopsAfter {
    fn respond(&mut self, role: Party, now: u64, awaiting: &Output) -> Option<Input<ToyProof>> {
        self.dissections = self.dissections.checked_sub(1)?;
        self.inner.respond(role, now, awaiting)
    }
}

#[test]
fn a_defender_that_goes_silent_mid_game_loses_on_time() {
    let mut g = toy_game(2, 1 << 20, lie(c(1 << 20)));
    let mut defender = StopsAfter { dissections: 5, inner: lying_defender(1000) };
    let v = must_play(&mut g, &mut defender, &mut Honest::new(ToyTrace));
    assert_eq!(v.winner, Party::Challenger);
    assert_eq!(v.reason, Reason::Timeout { loser: Party::Defender });
    assert_eq!((v.rounds, v.bytes, v.disputed_step), (5, 5 * 36, None));
    assert_eq!(g.interval().hi - g.interval().lo, 1 << 15);
}

#[test]
fn clocks_run_only_for_the_party_to_move() {
    let (mut g, _) = Game::new(GameConfig { clock: 10, ..config(2, 4, lie(c(4))) }, ToyVerifier).unwrap();
    // The defender takes 4 ticks for its first dissection: 6 left.
    let out = g.apply(Input::Dissect { by: Party::Defender, at: START + 4, points: vec![c(2)] }).unwrap();
    assert_eq!(
        out,
        vec![Output::AwaitChoice {
            lo: 0,
            hi: 4,
            boundaries: vec![0, 2, 4],
            commitments: vec![c(0), c(2), lie(c(4))],
            deadline: START + 4 + 10,
        }]
    );
    assert_eq!((g.remaining(Party::Defender), g.remaining(Party::Challenger)), (6, 10));
    // The challenger takes 7: 3 left. The defender's deadline is 6 ticks after that move.
    let out = g.apply(Input::Choose { by: Party::Challenger, at: START + 11, segment: 1 }).unwrap();
    assert_eq!(out, vec![Output::AwaitDissection { lo: 2, hi: 4, at_steps: vec![3], deadline: START + 17 }]);
    assert_eq!((g.remaining(Party::Defender), g.remaining(Party::Challenger)), (6, 3));
    // A move exactly at the deadline is in time.
    g.apply(Input::Dissect { by: Party::Defender, at: START + 17, points: vec![c(3)] }).unwrap();
    assert_eq!(g.deadline(), Some(START + 20));
    // Ticks up to the deadline resolve nothing; the first tick after it does.
    assert_eq!(g.apply(Input::Tick { now: START + 18 }), Ok(vec![]));
    assert_eq!(g.apply(Input::Tick { now: START + 20 }), Ok(vec![]));
    let out = g.apply(Input::Tick { now: START + 21 }).unwrap();
    let verdict = Verdict {
        winner: Party::Defender,
        reason: Reason::Timeout { loser: Party::Challenger },
        rounds: 1,
        bytes: 68,
        disputed_step: None,
    };
    assert_eq!(out, vec![Output::Resolved(verdict.clone())]);
    assert_eq!(g.verdict(), Some(&verdict));
    assert_eq!(g.turn(), None);
    assert_eq!(g.deadline(), None);
}

#[test]
fn a_late_move_resolves_by_timeout_instead_of_being_applied() {
    let mut g = toy_game(2, 4, lie(c(4)));
    let late = START + CLOCK + 1;
    // Late and malformed: the deadline is checked before the content (DG-9).
    let out = g.apply(Input::Dissect { by: Party::Defender, at: late, points: vec![] }).unwrap();
    let verdict = Verdict {
        winner: Party::Challenger,
        reason: Reason::Timeout { loser: Party::Defender },
        rounds: 0,
        bytes: 0,
        disputed_step: None,
    };
    assert_eq!(out, vec![Output::Resolved(verdict)]);
    assert_eq!(g.stats(), Stats::default());
    assert_eq!(g.now(), late);

    // A late one-step proof, even a valid one that would win, loses on time.
    let mut g = toy_game(2, 1, lie(c(1)));
    let out =
        g.apply(Input::Step { by: Party::Challenger, at: START + CLOCK + 5, proof: ToyProof { step: 0 } }).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(
        g.verdict().map(|v| (v.winner, v.reason)),
        Some((Party::Defender, Reason::Timeout { loser: Party::Challenger }))
    );
    assert_eq!(g.stats().bytes, 0);
}

#[test]
fn after_the_verdict_moves_are_rejected_and_ticks_are_no_ops() {
    let mut g = toy_game(2, 1, lie(c(1)));
    g.apply(Input::Step { by: Party::Challenger, at: START, proof: ToyProof { step: 0 } }).unwrap();
    let resolved = g.clone();
    assert_eq!(g.verdict().map(|v| v.winner), Some(Party::Challenger));
    check_rejected(
        &mut g,
        Input::Step { by: Party::Challenger, at: START, proof: ToyProof { step: 0 } },
        GameError::GameOver,
    );
    check_rejected(&mut g, Input::Dissect { by: Party::Defender, at: START + 1, points: vec![] }, GameError::GameOver);
    check_rejected(&mut g, Input::Choose { by: Party::Defender, at: 0, segment: 0 }, GameError::GameOver);
    for now in [0, START, u64::MAX] {
        assert_eq!(g.apply(Input::Tick { now }), Ok(vec![]));
    }
    assert_eq!(g, resolved);
}

// --- Every error variant, each leaving the game unchanged ------------------------------------

#[test]
fn every_game_error_leaves_the_game_unchanged() {
    let mut g = toy_game(3, 10, lie(c(10)));
    let dissect = |by, at, points| Input::Dissect { by, at, points };
    check_rejected(
        &mut g,
        dissect(Party::Challenger, START, vec![c(3), c(6)]),
        GameError::NotYourTurn { expected: Party::Defender, got: Party::Challenger },
    );
    check_rejected(
        &mut g,
        Input::Choose { by: Party::Defender, at: START, segment: 0 },
        GameError::WrongMove { expected: "dissect", got: "choose" },
    );
    check_rejected(
        &mut g,
        Input::Step { by: Party::Defender, at: START, proof: ToyProof { step: 0 } },
        GameError::WrongMove { expected: "dissect", got: "step" },
    );
    check_rejected(
        &mut g,
        dissect(Party::Defender, START, vec![c(3)]),
        GameError::WrongPointCount { expected: 2, got: 1 },
    );
    check_rejected(
        &mut g,
        dissect(Party::Defender, START, vec![c(3), c(6), c(9)]),
        GameError::WrongPointCount { expected: 2, got: 3 },
    );
    check_rejected(
        &mut g,
        dissect(Party::Defender, START - 1, vec![c(3), c(6)]),
        GameError::TimeWentBackwards { now: START, at: START - 1 },
    );
    check_rejected(&mut g, Input::Tick { now: START - 1 }, GameError::TimeWentBackwards { now: START, at: START - 1 });

    g.apply(dissect(Party::Defender, START + 5, vec![c(3), c(6)])).unwrap();
    check_rejected(
        &mut g,
        Input::Choose { by: Party::Defender, at: START + 6, segment: 2 },
        GameError::NotYourTurn { expected: Party::Challenger, got: Party::Defender },
    );
    check_rejected(
        &mut g,
        Input::Step { by: Party::Challenger, at: START + 6, proof: ToyProof { step: 0 } },
        GameError::WrongMove { expected: "choose", got: "step" },
    );
    check_rejected(
        &mut g,
        Input::Choose { by: Party::Challenger, at: START + 6, segment: 3 },
        GameError::SegmentOutOfRange { segment: 3, segments: 3 },
    );
    check_rejected(
        &mut g,
        Input::Choose { by: Party::Challenger, at: START + 6, segment: u32::MAX },
        GameError::SegmentOutOfRange { segment: u32::MAX, segments: 3 },
    );
    check_rejected(
        &mut g,
        Input::Choose { by: Party::Challenger, at: START + 4, segment: 2 },
        GameError::TimeWentBackwards { now: START + 5, at: START + 4 },
    );

    // Narrow to the single step 9 → 10.
    g.apply(Input::Choose { by: Party::Challenger, at: START + 6, segment: 2 }).unwrap();
    g.apply(dissect(Party::Defender, START + 7, vec![c(7), c(8)])).unwrap();
    g.apply(Input::Choose { by: Party::Challenger, at: START + 8, segment: 2 }).unwrap();
    g.apply(dissect(Party::Defender, START + 9, vec![c(9)])).unwrap();
    g.apply(Input::Choose { by: Party::Challenger, at: START + 10, segment: 1 }).unwrap();
    // The challenger has used one tick on each of its three choices.
    assert_eq!(
        g.awaiting(),
        Output::AwaitStep { step: 9, pre: c(9), post: lie(c(10)), deadline: START + 10 + CLOCK - 3 }
    );
    check_rejected(
        &mut g,
        dissect(Party::Defender, START + 11, vec![]),
        GameError::NotYourTurn { expected: Party::Challenger, got: Party::Defender },
    );
    check_rejected(
        &mut g,
        Input::Choose { by: Party::Challenger, at: START + 11, segment: 0 },
        GameError::WrongMove { expected: "step", got: "choose" },
    );
    check_rejected(
        &mut g,
        Input::Step { by: Party::Challenger, at: START + 11, proof: ToyProof { step: 8 } },
        GameError::Proof(ToyError::NotThePrestate { step: 8 }),
    );
    check_rejected(
        &mut g,
        Input::Step { by: Party::Challenger, at: START + 11, proof: ToyProof { step: 10 } },
        GameError::Proof(ToyError::NotThePrestate { step: 10 }),
    );

    // After rejected proofs the challenger may still prove the step while its clock lasts.
    let out = g.apply(Input::Step { by: Party::Challenger, at: START + 12, proof: ToyProof { step: 9 } }).unwrap();
    let reason = Reason::StepProven { step: 9, pre: c(9), post: lie(c(10)), computed: c(10) };
    // Three rounds of 2, 2 and 1 points, three choices and an 8-byte proof.
    let verdict =
        Verdict { winner: Party::Challenger, reason, rounds: 3, bytes: 32 * 5 + 12 + 8, disputed_step: Some(9) };
    assert_eq!(out, vec![Output::Resolved(verdict)]);
    assert_eq!(g.stats().moves, 7);
    check_rejected(
        &mut g,
        Input::Step { by: Party::Challenger, at: START + 13, proof: ToyProof { step: 9 } },
        GameError::GameOver,
    );
}

#[test]
fn game_errors_display_their_fields() {
    let e: GameError<ToyError> = GameError::Proof(ToyError::NotThePrestate { step: 4 });
    assert_eq!(
        e.to_string(),
        "invalid one-step proof: the proof is about step 4, whose commitment is not the agreed pre-state"
    );
    let e: GameError<ToyError> = GameError::NotYourTurn { expected: Party::Defender, got: Party::Challenger };
    assert_eq!(e.to_string(), "it is the defender's turn, not the challenger's");
}

// --- The driver ------------------------------------------------------------------------------

/// A player that always answers, but always for the other party.
struct Impostor;

impl Player<ToyProof> for Impostor {
    fn respond(&mut self, role: Party, now: u64, _awaiting: &Output) -> Option<Input<ToyProof>> {
        Some(Input::Choose { by: role.other(), at: now, segment: 0 })
    }
}

/// A player that only ever sends ticks.
struct Ticker;

impl Player<ToyProof> for Ticker {
    fn respond(&mut self, _role: Party, now: u64, _awaiting: &Output) -> Option<Input<ToyProof>> {
        Some(Input::Tick { now })
    }
}

#[test]
fn the_driver_treats_endlessly_rejected_or_idle_players_as_silent() {
    let mut g = toy_game(2, 10, c(10));
    let v = must_play(&mut g, &mut Impostor, &mut Honest::new(ToyTrace));
    assert_eq!(v.reason, Reason::Timeout { loser: Party::Defender });

    let mut g = toy_game(2, 10, c(10));
    let v = must_play(&mut g, &mut Honest::new(ToyTrace), &mut Ticker);
    assert_eq!(v.reason, Reason::Timeout { loser: Party::Challenger });
    assert_eq!(v.rounds, 0);
}

#[test]
fn the_driver_returns_the_verdict_of_a_finished_game() {
    let mut g = toy_game(2, 1, lie(c(1)));
    let first = must_play(&mut g, &mut Silent, &mut Honest::new(ToyTrace));
    let again = play(&mut g, &mut Silent, &mut Silent);
    assert_eq!(again, Ok(first));
    assert_eq!(PlayError::IterationLimit { limit: 3 }.to_string(), "the game did not end within 3 driver iterations");
}

#[test]
fn boxed_players_work_with_the_driver() {
    let mut defenders: Vec<Box<dyn Player<ToyProof>>> = vec![Box::new(Silent), Box::new(lying_defender(2))];
    for defender in &mut defenders {
        let mut g = toy_game(2, 8, lie(c(8)));
        let v = must_play(&mut g, defender, &mut Honest::new(ToyTrace));
        assert_eq!(v.winner, Party::Challenger);
    }
}

// --- Properties ------------------------------------------------------------------------------

/// One arbitrary input, with its tick relative to the game's known time.
#[derive(Clone, Debug)]
enum Op {
    Dissect { defender: bool, dt: i8, n_points: u8, wrong: bool },
    Choose { challenger: bool, dt: i8, segment: u32 },
    Step { challenger: bool, dt: i8, step: u64 },
    Tick { dt: i16 },
}

fn op() -> impl Strategy<Value = Op> {
    let party = any::<bool>();
    let dt = -2i8..6;
    prop_oneof![
        (party, dt.clone(), 0u8..6, any::<bool>()).prop_map(|(defender, dt, n_points, wrong)| Op::Dissect {
            defender,
            dt,
            n_points,
            wrong
        }),
        (party, dt.clone(), 0u32..6).prop_map(|(challenger, dt, segment)| Op::Choose { challenger, dt, segment }),
        (party, dt, 0u64..40).prop_map(|(challenger, dt, step)| Op::Step { challenger, dt, step }),
        (-2i16..400).prop_map(|dt| Op::Tick { dt }),
    ]
}

fn to_input(game: &Game<ToyVerifier>, op: &Op) -> Input<ToyProof> {
    let party = |first: bool, p: Party| if first { p } else { p.other() };
    let at = |dt: i64| game.now().saturating_add_signed(dt);
    match *op {
        Op::Dissect { defender, dt, n_points, wrong } => {
            let lo = game.interval().lo;
            let points = (1..=u64::from(n_points)).map(|i| if wrong { lie(c(lo + i)) } else { c(lo + i) }).collect();
            Input::Dissect { by: party(defender, Party::Defender), at: at(dt.into()), points }
        }
        Op::Choose { challenger, dt, segment } => {
            Input::Choose { by: party(challenger, Party::Challenger), at: at(dt.into()), segment }
        }
        Op::Step { challenger, dt, step } => {
            Input::Step { by: party(challenger, Party::Challenger), at: at(dt.into()), proof: ToyProof { step } }
        }
        Op::Tick { dt } => Input::Tick { now: at(dt.into()) },
    }
}

proptest! {
    #[test]
    fn an_honest_challenger_finds_the_first_lie(n in 1u64..1_000_000_000_000, k in 2u32..=64, j_seed: u64) {
        let j = j_seed % n + 1;
        let mut g = toy_game(k, n, lie(c(n)));
        let verdict = must_play(&mut g, &mut lying_defender(j), &mut Honest::new(ToyTrace));
        let (rounds, bytes, _) = model_lie(n, k, j);
        prop_assert_eq!(verdict.winner, Party::Challenger);
        prop_assert_eq!(verdict.disputed_step, Some(j - 1));
        prop_assert_eq!(verdict.reason, Reason::StepProven { step: j - 1, pre: c(j - 1), post: lie(c(j)), computed: c(j) });
        prop_assert_eq!((verdict.rounds, verdict.bytes), (rounds, bytes + 8));
        prop_assert!(verdict.rounds <= ceil_log(k, n));
        prop_assert!(n < 2 || verdict.rounds >= 1);
    }

    #[test]
    fn an_honest_defender_beats_a_blind_challenger(n in 1u64..1_000_000_000_000, k in 2u32..=64, seed: u64) {
        let mut g = toy_game(k, n, c(n));
        let verdict = must_play(&mut g, &mut Honest::new(ToyTrace), &mut ChoosesBlindly::new(ToyTrace, Pick::Seeded(seed)));
        prop_assert_eq!(verdict.winner, Party::Defender);
        let Reason::StepProven { step, computed, post, .. } = verdict.reason else {
            return Err(TestCaseError::fail(format!("expected a proven step, got {verdict:?}")));
        };
        prop_assert_eq!(computed, post);
        prop_assert!(step < n);
        // Any line of play takes between the all-floor and the all-ceiling number of rounds.
        prop_assert!(verdict.rounds >= model_edge(n, k, false).0);
        prop_assert!(verdict.rounds <= model_edge(n, k, true).0);
        prop_assert!(verdict.rounds <= ceil_log(k, n));
    }

    #[test]
    fn boundaries_match_the_formula_in_u128(lo: u64, width in 1u64.., k in 2u32..=MAX_DEGREE) {
        let hi = lo.saturating_add(width);
        prop_assume!(lo < hi);
        let b = game::boundaries(lo, hi, k);
        let d = u128::from(hi - lo);
        let m = d.min(u128::from(k));
        prop_assert_eq!(b.len() as u128, m + 1);
        for (j, &bj) in b.iter().enumerate() {
            prop_assert_eq!(u128::from(bj), u128::from(lo) + j as u128 * d / m);
        }
        prop_assert!(b.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn arbitrary_inputs_keep_the_invariants(n in 1u64..30, k in 2u32..5, ops in prop::collection::vec(op(), 0..60)) {
        let (mut g, _) = Game::new(GameConfig { clock: 50, ..config(k, n, lie(c(n))) }, ToyVerifier).unwrap();
        for op in &ops {
            let before = g.clone();
            let input = to_input(&g, op);
            let is_tick = matches!(input, Input::Tick { .. });
            match g.apply(input) {
                Err(GameError::GameOver) => prop_assert!(before.verdict().is_some() && !is_tick),
                Err(_) => prop_assert_eq!(&g, &before),
                Ok(outputs) => {
                    prop_assert!(outputs.len() <= 1);
                    if before.verdict().is_some() {
                        prop_assert!(outputs.is_empty());
                        prop_assert_eq!(&g, &before);
                    }
                    if let Some(output) = outputs.first() {
                        prop_assert_eq!(output, &g.awaiting());
                    }
                    prop_assert!(g.now() >= before.now());
                    prop_assert!(g.stats().moves >= before.stats().moves);
                }
            }
            let iv = g.interval();
            prop_assert!(iv.lo < iv.hi && iv.hi <= n);
            prop_assert_eq!(g.turn().is_none(), g.verdict().is_some());
            if let Some(deadline) = g.deadline() {
                prop_assert!(g.now() <= deadline && deadline <= START + 2 * 50);
            }
        }
    }
}
