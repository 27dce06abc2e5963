//! Dispute benchmarks: what checkpointing costs while a party runs the VM, one game played
//! over a 10^6-step trace, and a game over a 10^9-step run (rounds, bytes exchanged and wall
//! time for several degrees k, measured once and printed).
//!
//! Run with `just bench dispute` (or `cargo bench -p orsma-rollup --bench dispute`; a filter
//! that matches no benchmark, such as `-- none`, plays only the 10^9-step games, in about
//! 10 s). After criterion's own output, tables of medians and ratios are printed;
//! `docs/performance.md` records them.

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use primitives::Hash32;
use rollup::dispute::player::{Honest, LiesFrom, Trace, play};
use rollup::dispute::{Game, GameConfig, Party, Reason, Verdict};
use rollup::vm_dispute::{VmTrace, VmVerifier};
use vm::proof::{Setup, Snapshot, StepProof};
use vm::{Machine, NoHost, Outcome, Program};

#[path = "../../vm/benches/support/mod.rs"]
mod support;

use support::{criterion_dir, filename_safe, fmt_ns};

/// The counted loop: `1 + 2·n + 1` steps for `memory[0] = n`.
const COUNT: &str = include_str!("../../vm/programs/count.asm");
/// `n` for the checkpointing measurement: 2·10^8 + 2 steps, as in the VM's `interp` bench.
const EXEC_N: i64 = 100_000_000;
/// `n` for the criterion game: 10^6 + 2 steps.
const GAME_N: i64 = 500_000;
/// `n` for the printed game: 10^9 + 2 steps.
const BIG_N: i64 = 500_000_000;
/// The checkpoint interval of the traces of the criterion game.
const GAME_INTERVAL: u64 = 1 << 14;
/// The checkpoint interval of the traces of the printed game.
const BIG_INTERVAL: u64 = 1 << 22;

fn setup() -> Arc<Setup> {
    Arc::new(Setup::new(Program::assemble(COUNT).expect("count.asm assembles"), &[]))
}

fn start(n: i64) -> Snapshot {
    Snapshot::start(vec![n], u64::MAX).expect("one cell")
}

/// The run's length: `2·n + 2`.
fn length(n: i64) -> u64 {
    2 * n as u64 + 2
}

/// Lends a trace to a player, so that the checkpoints it builds stay for the next game.
#[derive(Debug)]
struct Lent<'a>(&'a mut VmTrace);

impl Trace for Lent<'_> {
    type Proof = StepProof;

    fn commitment(&mut self, step: u64) -> Hash32 {
        self.0.commitment_at(step)
    }

    fn proof(&mut self, step: u64) -> Option<StepProof> {
        Some(self.0.proof_at(step))
    }
}

/// Plays one game: a defender lying from step `lie` on, an honest challenger. Returns the
/// verdict after checking that the challenger won at the first wrong step.
fn game(k: u32, steps: u64, lie: u64, defender: &mut VmTrace, challenger: &mut VmTrace) -> Verdict {
    let prestate = challenger.commitment_at(0);
    let mut liar = LiesFrom::new(Lent(defender), lie);
    let claim = liar.commitment(steps);
    let config = GameConfig { degree: k, prestate, steps, claim, clock: 1_000_000, start: 0 };
    let (mut g, _) = Game::new(config, VmVerifier).expect("valid config");
    let verdict = play(&mut g, &mut Honest::new(liar), &mut Honest::new(Lent(challenger))).expect("the game ends");
    assert_eq!(verdict.winner, Party::Challenger, "k={k}");
    assert_eq!(verdict.disputed_step, Some(lie - 1), "k={k}");
    assert!(matches!(verdict.reason, Reason::StepProven { .. }), "k={k}");
    verdict
}

fn benches(c: &mut Criterion) {
    let setup = setup();
    let program = setup.program().clone();

    // 4. Running with checkpoints against the bare interpreter.
    let exec_steps = {
        let mut m = Machine::new(vec![EXEC_N], u64::MAX).expect("one cell");
        m.run(&program, &mut NoHost);
        assert_eq!(m.outcome, Some(Outcome::Halted { value: 0 }));
        m.steps
    };
    let mut group = c.benchmark_group("vm_dispute::trace");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(exec_steps));
    group.bench_function("machine_run", |b| {
        b.iter(|| {
            let mut m = Machine::new(vec![black_box(EXEC_N)], u64::MAX).expect("one cell");
            m.run(&program, &mut NoHost);
            m.steps
        })
    });
    for log_interval in [20u32, 22] {
        group.bench_function(BenchmarkId::new("checkpoints", format!("interval=2^{log_interval}")), |b| {
            b.iter(|| {
                let mut trace = VmTrace::new(setup.clone(), start(black_box(EXEC_N)), 1 << log_interval);
                let end = trace.snapshot(exec_steps);
                assert_eq!(end.machine.steps, exec_steps);
                trace.stats().checkpoints
            })
        });
    }
    group.finish();

    // 5a. One game over a 10^6-step trace: from fresh traces (each party runs the VM and
    // builds its checkpoints), and with checkpoints already built.
    let steps = length(GAME_N);
    let lie = steps * 6 / 10;
    let mut group = c.benchmark_group("dispute::game");
    group.sample_size(10).measurement_time(Duration::from_secs(4));
    let mut warm = Vec::new();
    for k in [2u32, 8] {
        let key = format!("steps=10^6,k={k}");
        group.bench_function(BenchmarkId::new("cold", &key), |b| {
            b.iter(|| {
                let mut defender = VmTrace::new(setup.clone(), start(GAME_N), GAME_INTERVAL);
                let mut challenger = VmTrace::new(setup.clone(), start(GAME_N), GAME_INTERVAL);
                game(k, steps, lie, &mut defender, &mut challenger).bytes
            })
        });
        let mut defender = VmTrace::new(setup.clone(), start(GAME_N), GAME_INTERVAL);
        let mut challenger = VmTrace::new(setup.clone(), start(GAME_N), GAME_INTERVAL);
        let verdict = game(k, steps, lie, &mut defender, &mut challenger);
        group.bench_function(BenchmarkId::new("warm", &key), |b| {
            b.iter_batched(
                || (defender.clone(), challenger.clone()),
                |(mut d, mut c)| game(k, steps, lie, &mut d, &mut c).bytes,
                BatchSize::SmallInput,
            )
        });
        warm.push((key, verdict));
    }
    group.finish();

    report(exec_steps, &warm);

    // 5b. The big game, measured once.
    big_game(&setup, BIG_N);
}

/// Plays the printed games: k = 2 from fresh traces, then k = 4, 8, 40 on the same traces
/// (their checkpoints already built).
fn big_game(setup: &Arc<Setup>, n: i64) {
    let steps = length(n);
    let lie = steps * 6 / 10;
    println!("\nDispute over a {steps}-step run of count.asm, the defender lying from step {lie} on:");
    println!("| k | rounds | bytes | of which the proof | wall time | VM steps run (defender + challenger) | note |");
    println!("|---|---|---|---|---|---|---|");
    let mut defender = VmTrace::new(setup.clone(), start(n), BIG_INTERVAL);
    let mut challenger = VmTrace::new(setup.clone(), start(n), BIG_INTERVAL);
    for (k, note) in [(2u32, "fresh traces"), (4, "traces reused"), (8, "traces reused"), (40, "traces reused")] {
        let before = defender.stats().steps_run + challenger.stats().steps_run;
        let began = Instant::now();
        let verdict = game(k, steps, lie, &mut defender, &mut challenger);
        let wall = began.elapsed();
        let run = defender.stats().steps_run + challenger.stats().steps_run - before;
        let proof_len = challenger.proof_at(lie - 1).encoded_len();
        let Reason::StepProven { step, .. } = verdict.reason else { unreachable!("checked in game") };
        assert_eq!(step, lie - 1);
        println!(
            "| {k} | {} | {} | {proof_len} | {:.2} s | {run} | {note} |",
            verdict.rounds,
            verdict.bytes,
            wall.as_secs_f64()
        );
    }
}

/// Reads criterion's medians back and prints the tables of `docs/performance.md`.
fn report(exec_steps: u64, warm: &[(String, Verdict)]) {
    let Some(dir) = criterion_dir() else { return };
    let median = |group: &str, bench: &str| -> Option<f64> {
        let path = bench.split('/').fold(dir.join(filename_safe(group)), |path, part| path.join(filename_safe(part)));
        let text = std::fs::read_to_string(path.join("new/estimates.json")).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json["median"]["point_estimate"].as_f64()
    };

    if let Some(run) = median("vm_dispute::trace", "machine_run") {
        println!("\n| count ({exec_steps} steps) | median | Minstr/s | vs Machine::run |");
        println!("|---|---|---|---|");
        println!("| Machine::run | {} | {:.0} | 1.000x |", fmt_ns(run), exec_steps as f64 / run * 1e3);
        for log_interval in [20, 22] {
            let Some(ns) = median("vm_dispute::trace", &format!("checkpoints/interval=2^{log_interval}")) else {
                continue;
            };
            println!(
                "| VmTrace, checkpoints every 2^{log_interval} | {} | {:.0} | {:.3}x |",
                fmt_ns(ns),
                exec_steps as f64 / ns * 1e3,
                ns / run
            );
        }
    }

    println!("\n| game | rounds | bytes | cold (fresh traces) | warm (checkpoints built) |");
    println!("|---|---|---|---|---|");
    for (key, verdict) in warm {
        let (Some(cold), Some(warm)) =
            (median("dispute::game", &format!("cold/{key}")), median("dispute::game", &format!("warm/{key}")))
        else {
            continue;
        };
        println!("| {key} | {} | {} | {} | {} |", verdict.rounds, verdict.bytes, fmt_ns(cold), fmt_ns(warm));
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
