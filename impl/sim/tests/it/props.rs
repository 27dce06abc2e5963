//! Property tests: Tendermint stays safe under any schedule while the deviating power stays
//! below a third (the `consensus_schedule` fuzz target's property, over the same
//! configurations: `scenario.rs`), a run is a function of its configuration and tape, and
//! random swarm configurations neither violate anything nor stall.
//!
//! The default case counts (256, 64 and 128) keep these to a few seconds in debug; set
//! `PROPTEST_CASES` for longer runs (it applies to each property), e.g.
//! `PROPTEST_CASES=10000 cargo test -p orsma-sim --release --test it props`.
//! A failure is shrunk and stored by proptest in `impl/sim/tests/proptest-regressions/props.txt`
//! (commit it); its message holds the configuration and the tape.

use consensus::{Deviation, TimeoutConfig};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use sim::{Behaviour, Latency, NetConfig, Partition, Sim, SimConfig, Topology};

#[path = "scenario.rs"]
mod scenario;

use scenario::{
    BEHAVIOUR_KIND, CHORDS, CRASH_AT, DEGREE, DOWN_FOR, DROP, DUPLICATE, FAULTY_DELAY, FAULTY_DROP, GOSSIP_EVERY,
    HEIGHTS, LATENCY, LINK_SPREAD, MAX_DRIFT_PPM, PARTITION_LEN, PARTITION_START, PARTITIONS, POWER, REORDER,
    REWIRE_EVERY, Scenario, TIMEOUT_DELTA_MS, TIMEOUT_MS, VALIDATE_DELAY, VALIDATORS, describe, run, safety_violation,
};

/// The longest schedule tape drawn (8 bytes a draw; the seed decides after it).
const TAPE: usize = 4096;

/// `cases` cases per property unless `PROPTEST_CASES` says otherwise.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

/// As `BEHAVIOUR_KIND` weighs them: half honest, a sixteenth each of the others.
fn behaviour() -> impl Strategy<Value = Behaviour> {
    let honest = BEHAVIOUR_KIND.filter(|&k| k == 0 || k > 7).count() as u32;
    prop_oneof![
        honest => Just(Behaviour::Honest),
        1 => Just(Behaviour::Dead),
        1 => (CRASH_AT, DOWN_FOR)
            .prop_map(|(crash_at, down)| Behaviour::CrashRestart { crash_at, restart_at: crash_at + down }),
        1 => (select(FAULTY_DROP.to_vec()), FAULTY_DELAY).prop_map(|(drop, delay)| Behaviour::Faulty { drop, delay }),
        1 => Just(Behaviour::Deviates(Deviation::IgnoresLock)),
        1 => Just(Behaviour::Deviates(Deviation::SkipsValidation)),
        1 => Just(Behaviour::Byzantine),
        1 => Just(Behaviour::BadStateHash),
    ]
}

fn latency() -> impl Strategy<Value = Latency> {
    let end = *LATENCY.end();
    prop_oneof![
        LATENCY.prop_map(Latency::Constant),
        LATENCY.prop_flat_map(move |min| (min..=end).prop_map(move |max| Latency::Uniform { min, max })),
        LATENCY.prop_flat_map(move |min| (min..=end).prop_map(move |mean| Latency::Exponential { min, mean })),
    ]
}

fn topology() -> impl Strategy<Value = Topology> {
    prop_oneof![
        Just(Topology::Full),
        CHORDS.prop_map(|chords| Topology::Ring { chords }),
        DEGREE.prop_map(|degree| Topology::Random { degree }),
    ]
}

fn partition(n: usize) -> impl Strategy<Value = Partition> {
    (PARTITION_START, PARTITION_LEN, any::<u16>())
        .prop_map(move |(start, len, mask)| scenario::partition(n, start, len, mask))
}

fn net(n: usize) -> impl Strategy<Value = NetConfig> {
    (
        latency(),
        select(LINK_SPREAD.to_vec()),
        select(DROP.to_vec()),
        select(DUPLICATE.to_vec()),
        select(REORDER.to_vec()),
        topology(),
        option::of(REWIRE_EVERY),
        option::of(1..=n as u32 - 1),
        vec(partition(n), PARTITIONS),
    )
        .prop_map(|(latency, link_spread, drop, duplicate, reorder, topology, rewire, fanout, partitions)| {
            NetConfig {
                latency,
                link_spread,
                drop,
                duplicate,
                reorder,
                topology,
                rewire_every: rewire.unwrap_or(0),
                fanout,
                partitions,
            }
        })
}

fn timeouts() -> impl Strategy<Value = TimeoutConfig> {
    let kind = || (TIMEOUT_MS, TIMEOUT_DELTA_MS);
    (kind(), kind(), kind()).prop_map(
        |((propose_ms, propose_delta_ms), (prevote_ms, prevote_delta_ms), (precommit_ms, precommit_delta_ms))| {
            TimeoutConfig {
                propose_ms,
                propose_delta_ms,
                prevote_ms,
                prevote_delta_ms,
                precommit_ms,
                precommit_delta_ms,
            }
        },
    )
}

/// The fuzz target's configurations (`fuzz/fuzz_targets/consensus_schedule.rs`).
fn scenario() -> impl Strategy<Value = Scenario> {
    VALIDATORS.prop_flat_map(|n| {
        (
            any::<u64>(),
            vec((POWER, behaviour()), n),
            HEIGHTS,
            net(n),
            select(MAX_DRIFT_PPM.to_vec()),
            option::of(VALIDATE_DELAY),
            timeouts(),
            select(GOSSIP_EVERY.to_vec()),
        )
            .prop_map(
                |(seed, nodes, heights, net, max_drift_ppm, pipelined_validation, timeouts, gossip_every)| Scenario {
                    seed,
                    nodes,
                    heights,
                    net,
                    max_drift_ppm,
                    pipelined_validation,
                    timeouts,
                    gossip_every,
                },
            )
    })
}

fn tape() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=TAPE)
}

proptest! {
    #![proptest_config(config(256))]

    /// Agreement, integrity and validity hold for every protocol-following node whatever the
    /// schedule, when the deviating power is below a third.
    #[test]
    fn safety_holds_under_any_schedule(scenario in scenario(), tape in tape()) {
        let config = scenario.config(&tape);
        let total: u64 = config.powers.iter().sum();
        prop_assert!(3 * config.byzantine_power() < total, "admitted too much deviating power");
        let report = run(&config);
        if let Some(violation) = safety_violation(&report) {
            prop_assert!(false, "safety violation: {violation}\n{}", describe(&config));
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// The same configuration and tape give the same run.
    #[test]
    fn a_run_is_a_function_of_its_configuration_and_tape(scenario in scenario(), tape in tape()) {
        let config = scenario.config(&tape);
        let (a, b) = (run(&config), run(&config));
        prop_assert_eq!(&a.commits, &b.commits);
        prop_assert_eq!(&a.counters, &b.counters);
        prop_assert_eq!(&a.violation, &b.violation);
        prop_assert_eq!((a.time, a.heights, a.completed), (b.time, b.heights, b.completed));
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Swarm configurations (faulty power below a third, partitions that heal) break nothing
    /// and, when they expect progress, decide every height.
    #[test]
    fn swarm_configurations_are_safe_and_live(seed in any::<u64>(), n in VALIDATORS, heights in 2u64..=5) {
        let config = SimConfig::swarm(seed, n, heights);
        let report = Sim::new(config.clone()).expect("a valid swarm configuration").run();
        prop_assert_eq!(&report.violation, &None, "swarm({}, {}, {}): {:?}", seed, n, heights, config);
        if config.expects_progress() {
            prop_assert!(
                report.completed,
                "swarm({seed}, {n}, {heights}) stuck at {} of {heights} heights at {} µs: {config:?}",
                report.heights,
                report.time
            );
        }
    }
}
