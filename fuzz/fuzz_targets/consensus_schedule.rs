//! Tendermint safety under adversarial schedules: a simulation of 4 to 10 validators whose
//! deviating power (Byzantine, ignores-lock, skips-validation, bad state hash) stays strictly
//! below a third of the total, with any mix of dead, crash-restart and faulty nodes besides,
//! never lets a protocol-following node decide two values at one height, one height twice, or
//! an invalid block, whatever the network does. The fuzzer picks the configuration and then,
//! through the simulator's schedule tape, every per-message network decision (latency, drop,
//! duplicate, reorder delay, fan-out pick, rewiring) until the tape runs out; the seed decides
//! the rest. A run that stalls or does not finish within its bounds is fine: only an
//! agreement, integrity or validity violation fails, and the panic message holds the whole
//! configuration and the tape in hex.
//!
//! The configuration, ranges and the run are shared with the property tests through
//! `impl/sim/tests/it/scenario.rs` (included by path). The input is read front to back with
//! `arbitrary`'s `Unstructured` (missing bytes read as zeros): `int_in_range(a..=b)` takes the
//! fewest bytes that cover `b − a`, big-endian, and gives `a + value mod (b − a + 1)`;
//! `choose` is `int_in_range` over the table's indices; `bool` is one byte's low bit.
//!
//! 1. `seed: u64` (8 bytes, little-endian), `n` in `VALIDATORS`, `heights` in `HEIGHTS`;
//! 2. per node: `power` in `POWER`, `kind` in `BEHAVIOUR_KIND` (1 dead, 2 crash-restart,
//!    3 faulty, 4 ignores-lock, 5 skips-validation, 6 Byzantine, 7 bad state hash, any other
//!    honest), then for crash-restart
//!    `crash_at` in `CRASH_AT` and the downtime in `DOWN_FOR`, for faulty a `FAULTY_DROP`
//!    index and the delay in `FAULTY_DELAY` (deviating kinds past a third become honest);
//! 3. latency `kind` in `0..=2`: constant `c`; uniform `min`, `max` in `min..`; exponential
//!    `min`, `mean` in `min..` (all in `LATENCY`);
//! 4. `LINK_SPREAD`, `DROP`, `DUPLICATE`, `REORDER` indices;
//! 5. topology in `0..=2`: full; ring and `CHORDS`; random and `DEGREE`;
//! 6. `bool` rewire, then the interval in `REWIRE_EVERY`; `bool` fan-out, then `1..=n−1`;
//! 7. partition count in `PARTITIONS`, each `PARTITION_START`, `PARTITION_LEN` and a `u16`
//!    (2 bytes, little-endian) whose bit `i` is node `i`'s side;
//! 8. `MAX_DRIFT_PPM` index; `bool` pipelined validation, then its delay in `VALIDATE_DELAY`;
//! 9. timeouts: propose, prevote, precommit, each a base in `TIMEOUT_MS` and a delta in
//!    `TIMEOUT_DELTA_MS`; a `GOSSIP_EVERY` index;
//! 10. the rest of the input is the schedule tape (8 bytes, little-endian, per draw).

#![no_main]

#[path = "../../impl/sim/tests/it/scenario.rs"]
mod scenario;

use arbitrary::{Arbitrary, Unstructured};
use consensus::{Deviation, TimeoutConfig};
use libfuzzer_sys::fuzz_target;
use sim::{Behaviour, Latency, NetConfig, Topology};

use crate::scenario::{
    BEHAVIOUR_KIND, CHORDS, CRASH_AT, DEGREE, DOWN_FOR, DROP, DUPLICATE, FAULTY_DELAY, FAULTY_DROP, GOSSIP_EVERY,
    HEIGHTS, LATENCY, LINK_SPREAD, MAX_DRIFT_PPM, PARTITION_LEN, PARTITION_START, PARTITIONS, POWER, REORDER,
    REWIRE_EVERY, Scenario, TIMEOUT_DELTA_MS, TIMEOUT_MS, VALIDATE_DELAY, VALIDATORS,
};

fuzz_target!(|input: Input| check(&input));

/// One fuzz input: the configuration and the schedule tape.
#[derive(Debug)]
struct Input {
    scenario: Scenario,
    tape: Vec<u8>,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Input> {
        // Only reached when an `Input` is nested in something else.
        Ok(Input { scenario: scenario(u)?, tape: u.arbitrary()? })
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> arbitrary::Result<Input> {
        let scenario = scenario(&mut u)?;
        Ok(Input { scenario, tape: u.take_rest().to_vec() })
    }
}

fn scenario(u: &mut Unstructured<'_>) -> arbitrary::Result<Scenario> {
    let seed = u64::arbitrary(u)?;
    let n = u.int_in_range(VALIDATORS)?;
    let heights = u.int_in_range(HEIGHTS)?;
    let mut nodes = Vec::with_capacity(n);
    for _ in 0..n {
        let power = u.int_in_range(POWER)?;
        let behaviour = match u.int_in_range(BEHAVIOUR_KIND)? {
            1 => Behaviour::Dead,
            2 => {
                let crash_at = u.int_in_range(CRASH_AT)?;
                Behaviour::CrashRestart { crash_at, restart_at: crash_at + u.int_in_range(DOWN_FOR)? }
            }
            3 => Behaviour::Faulty { drop: *u.choose(&FAULTY_DROP)?, delay: u.int_in_range(FAULTY_DELAY)? },
            4 => Behaviour::Deviates(Deviation::IgnoresLock),
            5 => Behaviour::Deviates(Deviation::SkipsValidation),
            6 => Behaviour::Byzantine,
            7 => Behaviour::BadStateHash,
            _ => Behaviour::Honest,
        };
        nodes.push((power, behaviour));
    }
    let latency = match u.int_in_range(0..=2u8)? {
        0 => Latency::Constant(u.int_in_range(LATENCY)?),
        1 => {
            let min = u.int_in_range(LATENCY)?;
            Latency::Uniform { min, max: u.int_in_range(min..=*LATENCY.end())? }
        }
        _ => {
            let min = u.int_in_range(LATENCY)?;
            Latency::Exponential { min, mean: u.int_in_range(min..=*LATENCY.end())? }
        }
    };
    let link_spread = *u.choose(&LINK_SPREAD)?;
    let drop = *u.choose(&DROP)?;
    let duplicate = *u.choose(&DUPLICATE)?;
    let reorder = *u.choose(&REORDER)?;
    let topology = match u.int_in_range(0..=2u8)? {
        0 => Topology::Full,
        1 => Topology::Ring { chords: u.int_in_range(CHORDS)? },
        _ => Topology::Random { degree: u.int_in_range(DEGREE)? },
    };
    let rewire_every = if bool::arbitrary(u)? { u.int_in_range(REWIRE_EVERY)? } else { 0 };
    let fanout = if bool::arbitrary(u)? { Some(u.int_in_range(1..=n as u32 - 1)?) } else { None };
    let count = u.int_in_range(PARTITIONS)?;
    let mut partitions = Vec::with_capacity(count);
    for _ in 0..count {
        let start = u.int_in_range(PARTITION_START)?;
        let len = u.int_in_range(PARTITION_LEN)?;
        partitions.push(scenario::partition(n, start, len, u16::arbitrary(u)?));
    }
    let net = NetConfig { latency, link_spread, drop, duplicate, reorder, topology, rewire_every, fanout, partitions };
    let max_drift_ppm = *u.choose(&MAX_DRIFT_PPM)?;
    let pipelined_validation = if bool::arbitrary(u)? { Some(u.int_in_range(VALIDATE_DELAY)?) } else { None };
    let mut timeout =
        || -> arbitrary::Result<(u64, u64)> { Ok((u.int_in_range(TIMEOUT_MS)?, u.int_in_range(TIMEOUT_DELTA_MS)?)) };
    let (propose_ms, propose_delta_ms) = timeout()?;
    let (prevote_ms, prevote_delta_ms) = timeout()?;
    let (precommit_ms, precommit_delta_ms) = timeout()?;
    let timeouts =
        TimeoutConfig { propose_ms, propose_delta_ms, prevote_ms, prevote_delta_ms, precommit_ms, precommit_delta_ms };
    let gossip_every = *u.choose(&GOSSIP_EVERY)?;
    Ok(Scenario { seed, nodes, heights, net, max_drift_ppm, pipelined_validation, timeouts, gossip_every })
}

fn check(input: &Input) {
    let config = input.scenario.config(&input.tape);
    let report = scenario::run(&config);
    if let Some(violation) = scenario::safety_violation(&report) {
        panic!("safety violation: {violation}\n{}", scenario::describe(&config));
    }
}
