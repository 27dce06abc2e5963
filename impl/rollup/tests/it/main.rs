//! The dispute game played over real VM traces: an honest party wins every game, the disputed
//! step is the first wrong one, and whole-transition replay gives the same verdicts.

use std::sync::Arc;

use primitives::Hash32;
use proptest::prelude::*;
use rollup::dispute::player::{ChoosesBlindly, ForgesProofs, Honest, LiesFrom, Pick, Silent, play};
use rollup::dispute::{Game, GameConfig, Party, Reason};
use rollup::vm_dispute::{ReplayError, VmTrace, VmVerifier, replay};
use vm::proof::{Setup, Snapshot, StepProof};
use vm::{HostReturn, Program};

/// A loop that touches registers, memory, the stack and the host: 8 steps per iteration.
const SOURCE: &str = "
        li r0, 300
    loop:
        andi r2, r0, 7
        load r3, [r2 + 0]
        add r3, r3, r0
        store [r2 + 0], r3
        push r3
        pop r1
        subi r0, r0, 1
        jnz r0, loop
        custom 1
        halt r3
";

fn fixture() -> (Arc<Setup>, Snapshot) {
    let program = Program::assemble(SOURCE).expect("assembles");
    let setup = Arc::new(Setup::new(program, &[Ok(HostReturn { value: 5, gas: 2 })]));
    (setup, Snapshot::start(vec![0; 8], 1_000_000).expect("small"))
}

fn trace(interval: u64) -> VmTrace {
    let (setup, start) = fixture();
    VmTrace::new(setup, start, interval)
}

/// The commitment after `n` steps, by plain stepping from the start: no checkpoints.
fn direct(n: u64) -> Hash32 {
    let (setup, mut snapshot) = fixture();
    snapshot.run_steps(&setup, n);
    snapshot.commitment(&setup)
}

fn length() -> u64 {
    trace(1 << 20).length(1 << 20).expect("the loop ends")
}

fn game(k: u32, steps: u64, claim: Hash32) -> Game<VmVerifier> {
    let config = GameConfig { degree: k, prestate: direct(0), steps, claim, clock: 1_000, start: 0 };
    Game::new(config, VmVerifier).expect("valid config").0
}

#[test]
fn checkpointed_commitments_equal_plain_stepping() {
    let n = length();
    assert_eq!(n, 1 + 300 * 8 + 2);
    let mut t = trace(97);
    for step in [0, 1, 96, 97, 98, 500, 1000, 999, 2000, n - 1, n, n + 5, 10 * n] {
        assert_eq!(t.commitment_at(step), direct(step), "step {step}");
    }
    // Past the end, the state is the final one.
    assert_eq!(t.commitment_at(n + 1), t.commitment_at(n));
}

#[test]
fn a_trace_keeps_a_bounded_number_of_checkpoints() {
    let n = length();
    // One checkpoint per step would be 2403; the trace thins them to stay within the bound.
    let mut t = trace(1);
    for step in [n, 1, 700, 2, n - 1, 1999] {
        assert_eq!(t.commitment_at(step), direct(step), "step {step}");
    }
    let stats = t.stats();
    assert!(stats.checkpoints > rollup::vm_dispute::MAX_CHECKPOINTS as u64, "{stats:?}");
    let (kept, interval) = t.checkpoints();
    assert!(kept <= rollup::vm_dispute::MAX_CHECKPOINTS, "{kept} kept");
    assert!(interval >= 8 && u64::try_from(kept).is_ok_and(|k| (k - 1) * interval <= n), "{kept} every {interval}");
}

#[test]
fn an_honest_challenger_finds_the_first_wrong_step() {
    let n = length();
    for k in [2, 3, 8, 40] {
        for lie in [1, 2, 7, 100, 1000, n - 1, n] {
            let mut liar = LiesFrom::new(trace(64), lie);
            let claim = rollup::dispute::player::Trace::commitment(&mut liar, n);
            let mut g = game(k, n, claim);
            let verdict = play(&mut g, &mut Honest::new(liar), &mut Honest::new(trace(64))).expect("ends");
            assert_eq!(verdict.winner, Party::Challenger, "k={k} lie={lie}");
            assert_eq!(verdict.disputed_step, Some(lie - 1), "k={k} lie={lie}");
            match verdict.reason {
                Reason::StepProven { step, computed, .. } => {
                    assert_eq!(step, lie - 1);
                    assert_eq!(computed, direct(lie), "the proof computes the true state");
                }
                other => panic!("expected a proven step, got {other:?}"),
            }
            // Replay agrees.
            let (setup, start) = fixture();
            let r = replay(&setup, &start, &direct(0), n, &claim).expect("prestate matches");
            assert_eq!(r.winner, verdict.winner);
        }
    }
}

#[test]
fn an_honest_defender_beats_every_dishonest_challenger() {
    let n = length();
    let claim = direct(n);
    let forge = |step: u64, proof: Option<StepProof>| {
        proof.map(|mut p| {
            p.state.steps = p.state.steps.wrapping_add(step + 1);
            p
        })
    };
    for k in [2, 5] {
        for pick in [Pick::First, Pick::Last, Pick::Seeded(7)] {
            let mut g = game(k, n, claim);
            let v =
                play(&mut g, &mut Honest::new(trace(128)), &mut ChoosesBlindly::new(trace(128), pick)).expect("ends");
            assert_eq!(v.winner, Party::Defender, "blind {pick:?}");
            assert!(matches!(v.reason, Reason::StepProven { .. }));

            let mut g = game(k, n, claim);
            let v = play(&mut g, &mut Honest::new(trace(128)), &mut ForgesProofs::new(trace(128), pick, forge))
                .expect("ends");
            assert_eq!(v.winner, Party::Defender, "forger {pick:?}");
            assert_eq!(v.reason, Reason::Timeout { loser: Party::Challenger }, "forged proofs are all rejected");
        }
        let mut g = game(k, n, claim);
        let v = play(&mut g, &mut Honest::new(trace(128)), &mut Silent).expect("ends");
        assert_eq!(v.winner, Party::Defender);
        let (setup, start) = fixture();
        assert_eq!(replay(&setup, &start, &direct(0), n, &claim).map(|r| r.winner), Ok(Party::Defender));
    }
}

#[test]
fn a_silent_defender_loses_on_time() {
    let n = length();
    let mut g = game(2, n, direct(n));
    let v = play(&mut g, &mut Silent, &mut Honest::new(trace(128))).expect("ends");
    assert_eq!(v.reason, Reason::Timeout { loser: Party::Defender });
}

#[test]
fn replay_refuses_a_pre_state_that_is_not_the_agreed_one() {
    let (setup, mut start) = fixture();
    let agreed = start.commitment(&setup);
    start.machine.memory[0] = 1;
    assert!(matches!(replay(&setup, &start, &agreed, 10, &Hash32::ZERO), Err(ReplayError::PrestateMismatch { .. })));
}

#[test]
fn rounds_and_bytes_are_logarithmic() {
    let n = length();
    let mut liar = LiesFrom::new(trace(64), n / 3);
    let claim = rollup::dispute::player::Trace::commitment(&mut liar, n);
    let mut g = game(2, n, claim);
    let v = play(&mut g, &mut Honest::new(liar), &mut Honest::new(trace(64))).expect("ends");
    let log2 = 64 - (n - 1).leading_zeros();
    assert!(v.rounds <= log2, "{} rounds for {n} steps", v.rounds);
    // Each bisection round is one posted hash and one choice, then one proof.
    let proof_len = trace(64).proof_at(n / 3 - 1).encoded_len();
    assert_eq!(v.bytes, u64::from(v.rounds) * (32 + 4) + proof_len);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// For any lie position, degree and checkpoint interval, the honest challenger wins at
    /// exactly the first wrong step, and replay agrees.
    #[test]
    fn honest_always_wins(lie in 1u64..2403, k in 2u32..=16, interval in 1u64..400, seed in any::<u64>()) {
        let n = 2403;
        let mut liar = LiesFrom::new(trace(interval), lie);
        let claim = rollup::dispute::player::Trace::commitment(&mut liar, n);
        let mut g = game(k, n, claim);
        let v = play(&mut g, &mut Honest::new(liar), &mut Honest::new(trace(interval))).expect("ends");
        prop_assert_eq!(v.winner, Party::Challenger);
        prop_assert_eq!(v.disputed_step, Some(lie - 1));

        let mut g = game(k, n, direct(n));
        let v = play(&mut g, &mut Honest::new(trace(interval)), &mut ChoosesBlindly::new(trace(interval), Pick::Seeded(seed)))
            .expect("ends");
        prop_assert_eq!(v.winner, Party::Defender);
    }
}
