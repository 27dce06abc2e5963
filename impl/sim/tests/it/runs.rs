use sim::{Behaviour, EngineKind, Sim, SimConfig};

fn run(config: SimConfig) -> sim::Report {
    Sim::new(config).expect("valid config").run()
}

#[test]
fn four_honest_validators_decide_every_height_in_round_zero() {
    let report = run(SimConfig::new(1, 4, 20));
    assert_eq!(report.violation, None);
    assert!(report.completed, "{report:?}");
    assert_eq!(report.heights, 20);
    assert!(report.rounds.iter().all(|&r| r == 0), "rounds {:?}", report.rounds);
}

#[test]
fn dummy_consensus_decides() {
    let mut c = SimConfig::new(2, 4, 10);
    c.engine = EngineKind::Dummy;
    let report = run(c);
    assert_eq!(report.violation, None);
    assert!(report.completed);
}

#[test]
fn a_byzantine_and_a_dead_node_out_of_seven_do_not_stop_progress() {
    let mut c = SimConfig::new(3, 7, 10);
    c.behaviours[5] = Behaviour::Byzantine;
    c.behaviours[6] = Behaviour::Dead;
    let report = run(c);
    assert_eq!(report.violation, None);
    assert!(report.completed, "{:?}", report.heights);
    assert!(report.evidence > 0);
}

#[test]
fn swarm_seeds_keep_agreement() {
    for seed in 0..20 {
        let c = SimConfig::swarm(seed, 7, 5);
        let report = run(c.clone());
        assert_eq!(report.violation, None, "seed {seed}: {c:?}");
        if c.expects_progress() {
            assert!(report.completed, "seed {seed} stuck at {} (time {}): {c:?}", report.heights, report.time);
        }
    }
}

#[test]
fn a_run_is_a_function_of_its_seed() {
    for seed in [7, 8, 9] {
        let a = run(SimConfig::swarm(seed, 7, 6));
        let b = run(SimConfig::swarm(seed, 7, 6));
        assert_eq!(a.commits, b.commits, "seed {seed}");
        assert_eq!(a.counters, b.counters, "seed {seed}");
    }
}
