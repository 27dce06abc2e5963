//! Simulated heights per second and messages per height at 4, 16, 64 and 128 validators, next
//! to the floor measured in the same run: the ed25519 signing and verification the heights
//! needed plus their events at the event queue's cost (`docs/performance.md`, "Consensus").
//!
//! `just bench consensus` runs criterion's groups, then interleaved paired rounds (simulation,
//! floor, simulation, floor, …) whose medians give the ratios, because this machine drifts
//! between criterion groups.

use std::hint::black_box;
use std::time::{Duration, Instant};

use consensus::{DirectVerifier, Keypair, Verifier, Vote, VoteType};
use criterion::{Criterion, criterion_group};
use primitives::Hash32;
use sim::{Report, Sim, SimConfig};

const SIZES: [(usize, u64); 4] = [(4, 400), (16, 100), (64, 20), (128, 10)];

/// Honest validators over the default network (uniform 20–120 ms latency, full mesh).
fn config(n: usize, heights: u64) -> SimConfig {
    SimConfig::new(1, n, heights)
}

fn simulate(n: usize, heights: u64) -> Report {
    let report = Sim::new(config(n, heights)).expect("valid config").run();
    assert!(report.completed && report.violation.is_none(), "benchmark run failed: {report:?}");
    report
}

/// The work a run of `report`'s size cannot avoid: sign and verify every distinct message,
/// and take every event through the simulator's queue at the run's mean depth, as
/// deliveries of distinct broadcast messages (`sim::queue_workload`).
struct Floor {
    signatures: u64,
    events: u64,
    depth: usize,
    per_broadcast: usize,
}

impl Floor {
    fn of(report: &Report) -> Floor {
        let c = &report.counters;
        Floor {
            signatures: c.verified,
            events: c.events,
            depth: (c.queue_depth_sum / c.events.max(1)) as usize,
            per_broadcast: (c.batched_deliveries / c.batches.max(1)) as usize,
        }
    }

    fn run(&self) -> Duration {
        let key = Keypair::derive(99, 0);
        let public = ed25519_dalek::VerifyingKey::from_bytes(&key.public_key()).expect("valid key");
        let start = Instant::now();
        for i in 0..self.signatures {
            let vote = Vote { vote_type: VoteType::Prevote, height: i, round: 0, value: Some(Hash32([7; 32])) };
            let signed = key.sign_vote(vote);
            let ok = DirectVerifier.verify(&public, vote.payload().sign_bytes().as_slice(), &signed.signature);
            black_box(ok);
        }
        black_box(sim::queue_workload(self.events, self.depth, self.per_broadcast));
        start.elapsed()
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("consensus");
    group.sample_size(10);
    for (n, heights) in SIZES {
        group
            .bench_function(format!("simulate {heights} heights, {n} validators"), |b| b.iter(|| simulate(n, heights)));
        let floor = Floor::of(&simulate(n, heights));
        group.bench_function(format!("floor of {heights} heights, {n} validators"), |b| b.iter(|| floor.run()));
    }
    group.finish();
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Interleaved paired rounds: the ratios the targets are stated in.
#[allow(clippy::print_stdout)]
fn paired() {
    let rounds: usize = std::env::var("ORSMA_BENCH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    println!();
    println!("consensus: interleaved rounds ({rounds}), medians per height");
    println!(
        "{:>4} {:>8} {:>12} {:>12} {:>8} {:>12} {:>10} {:>12}",
        "n", "heights", "sim ms/h", "floor ms/h", "ratio", "heights/s", "msgs/h", "deliveries/h"
    );
    for (n, heights) in SIZES {
        let report = simulate(n, heights);
        let floor = Floor::of(&report);
        let (mut sims, mut floors) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let start = Instant::now();
            black_box(simulate(n, heights));
            sims.push(start.elapsed().as_secs_f64() / heights as f64);
            floors.push(floor.run().as_secs_f64() / heights as f64);
        }
        let (sim, fl) = (median(sims), median(floors));
        println!(
            "{:>4} {:>8} {:>12.3} {:>12.3} {:>7.2}x {:>12.0} {:>10.0} {:>12.0}",
            n,
            heights,
            sim * 1e3,
            fl * 1e3,
            sim / fl,
            1.0 / sim,
            report.counters.consensus_messages as f64 / heights as f64,
            report.counters.deliveries as f64 / heights as f64,
        );
    }
    let start = Instant::now();
    let report = simulate(128, 100);
    println!(
        "128 validators x 100 heights: {:.2} s (target < 10 s), {} events",
        start.elapsed().as_secs_f64(),
        report.counters.events
    );
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os("ORSMA_BENCH_PAIRED_ONLY").is_none() {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    paired();
}
