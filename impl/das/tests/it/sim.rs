//! The sampling and custody simulation: determinism, detection against the closed form and
//! against an independent count, and network-wide reconstruction in the cases where the
//! answer is known in advance.

use das::sampling::{detection_probability, min_withheld, sample_coordinates};
use das::sim::{Outcome, Sim, SimConfig, SimError, SimReport, Withholding, run};
use das::{Axis, SquareError};

fn config(k: usize, withholding: Withholding) -> SimConfig {
    SimConfig {
        k,
        share_size: 64,
        n_nodes: 32,
        custody_rows: 1,
        custody_cols: 1,
        n_offline: 0,
        n_light_clients: 300,
        samples: (1..=16).collect(),
        withholding,
        seed: 7,
    }
}

fn detection_at(report: &SimReport, s: usize) -> &das::sim::Detection {
    report.detection.iter().find(|d| d.samples == s).expect("sample count measured")
}

#[test]
fn the_same_seed_gives_the_same_report_and_another_seed_another() {
    let a = run(config(8, Withholding::Minimal)).unwrap();
    let b = run(config(8, Withholding::Minimal)).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.digest(), b.digest());
    let c = run(SimConfig { seed: 8, ..config(8, Withholding::Minimal) }).unwrap();
    assert_ne!(a.data_root, c.data_root);
    assert_ne!(a.digest(), c.digest());
}

#[test]
fn the_producer_serves_its_own_square_with_proofs_that_verify() {
    let sim = Sim::new(config(4, Withholding::Random(10))).unwrap();
    assert_eq!(sim.header(), &sim.square().dah());
    assert_eq!(sim.header().data_root(), sim.data_root());
    assert_eq!(sim.n_withheld(), 10);
    for r in 0..8 {
        for c in 0..8 {
            for axis in [Axis::Row, Axis::Col] {
                match sim.serve(r, c, axis) {
                    None => assert!(sim.is_withheld(r, c)),
                    Some(answer) => {
                        assert!(!sim.is_withheld(r, c));
                        assert_eq!(answer.proof.axis, axis);
                        assert_eq!(Some(answer.share.as_slice()), sim.square().share(r, c));
                        answer.proof.verify(sim.header(), 64, r, c, &answer.share).unwrap();
                    }
                }
            }
        }
    }
}

#[test]
fn without_withholding_no_light_client_detects_and_custody_rebuilds_the_square() {
    let report = run(config(8, Withholding::None)).unwrap();
    assert_eq!(report.n_withheld, 0);
    assert!(report.detection.iter().all(|d| d.n_detected == 0 && d.predicted == 0.0 && d.within_ci()));
    assert_eq!(report.custody.n_noticing, 0);
    // 32 nodes with one row and one column each of a 16-wide square: far more than the 8
    // distinct rows (or columns) that rebuilding needs.
    assert!(report.from_custody.recovered(), "{:?}", report.from_custody);
    assert!(report.from_custody_and_samples.recovered());
    assert!(report.nodes_needed.is_some_and(|n| n <= 32));
    assert!(report.problems().is_empty(), "{:?}", report.problems());
}

#[test]
fn minimal_withholding_is_unrecoverable_and_detected_at_the_closed_form_rate() {
    let k = 8;
    let cfg = SimConfig { n_light_clients: 2000, ..config(k, Withholding::Minimal) };
    let sim = Sim::new(cfg.clone()).unwrap();
    // The withheld set is k+1 whole rows crossed with k+1 whole columns.
    let w = 2 * k;
    let rows: Vec<usize> = (0..w).filter(|&r| (0..w).any(|c| sim.is_withheld(r, c))).collect();
    let cols: Vec<usize> = (0..w).filter(|&c| (0..w).any(|r| sim.is_withheld(r, c))).collect();
    assert_eq!((rows.len(), cols.len()), (k + 1, k + 1));
    assert!(rows.iter().all(|&r| cols.iter().all(|&c| sim.is_withheld(r, c))));
    assert_eq!(sim.n_withheld() as u64, min_withheld(k));

    let report = sim.run(|_| {});
    // 2000 clients × 16 samples cover every served share, so all that stays missing is the
    // withheld block itself.
    assert_eq!(report.n_sampled, w * w - (k + 1) * (k + 1));
    match &report.from_custody_and_samples.outcome {
        Outcome::Unrecoverable { missing, rows, cols } => {
            assert_eq!((*missing, *rows, *cols), ((k + 1) * (k + 1), k + 1, k + 1))
        }
        other => panic!("the minimal block cannot be rebuilt, got {other:?}"),
    }
    assert!(matches!(report.from_custody.outcome, Outcome::Unrecoverable { .. }));
    assert_eq!(report.nodes_needed, None);
    assert!(report.custody.n_noticing > 0);

    // Each measured rate against the closed form, within 4 binomial standard errors: a
    // correct implementation fails one of these five with probability below 5 · 6.4e-5.
    for s in [1, 2, 4, 8, 16] {
        let d = detection_at(&report, s);
        let p = detection_probability(k, min_withheld(k), s);
        assert_eq!(d.predicted, p);
        let sigma = (p * (1.0 - p) / 2000.0).sqrt();
        assert!((d.measured - p).abs() <= 4.0 * sigma, "s={s}: measured {} predicted {p} (σ {sigma})", d.measured);
    }
    assert!(report.problems().is_empty(), "{:?}", report.problems());
}

#[test]
fn detection_matches_an_independent_count_over_the_same_seeds() {
    // Recount each light client's detection from its seed, the sampling rule and the withheld
    // set alone, without proofs or the producer's answers.
    let cfg = SimConfig { n_light_clients: 200, ..config(4, Withholding::Random(9)) };
    let sim = Sim::new(cfg.clone()).unwrap();
    let report = sim.run(|_| {});
    for d in &report.detection {
        let detected = (0..cfg.n_light_clients)
            .filter(|&i| {
                sample_coordinates(sim.light_client_seed(i), 8, d.samples).iter().any(|&(r, c)| sim.is_withheld(r, c))
            })
            .count();
        assert_eq!(d.n_detected, detected, "s={}", d.samples);
        assert_eq!(d.n_clients, 200);
    }
}

#[test]
fn a_withheld_quadrant_is_detected_yet_rebuilt_from_custody() {
    // The producer withholds all k² original shares: fewer than (k+1)², so the parity
    // quadrants that full nodes hold rebuild them.
    let k = 8;
    let report = run(config(k, Withholding::Quadrant)).unwrap();
    assert_eq!(report.n_withheld, k * k);
    assert!(report.from_custody.recovered(), "{:?}", report.from_custody);
    // Every node's row or column crosses the original quadrant half the time; some notice.
    assert!(report.custody.n_noticing > 0);
    let d = detection_at(&report, 16);
    assert!(d.n_detected > 0, "{d:?}");
    assert!(d.z_score().abs() < 4.0, "{d:?}");
    assert!(report.problems().is_empty(), "{:?}", report.problems());
}

#[test]
fn light_client_samples_rebuild_what_too_few_full_nodes_cannot() {
    // 4 online nodes with one row and one column each hold at most 4 full rows and 4 full
    // columns; rebuilding a 16-wide square needs 8 of one kind. The light clients' 300 × 16
    // samples make up the rest.
    let cfg = SimConfig { n_offline: 28, ..config(8, Withholding::None) };
    let report = run(cfg).unwrap();
    assert_eq!(report.custody.n_online, 4);
    assert!(matches!(report.from_custody.outcome, Outcome::Unrecoverable { .. }), "{:?}", report.from_custody);
    assert!(report.from_custody_and_samples.recovered(), "{:?}", report.from_custody_and_samples);
}

#[test]
fn whole_rows_are_rebuilt_up_to_k_and_not_beyond() {
    let k = 4;
    for (n, recoverable) in [(k, true), (k + 1, false)] {
        let cfg = SimConfig { n_light_clients: 400, ..config(k, Withholding::Rows(n)) };
        let report = run(cfg).unwrap();
        assert_eq!(report.n_withheld, n * 2 * k);
        assert_eq!(report.from_custody_and_samples.recovered(), recoverable, "rows:{n}");
    }
}

#[test]
fn nodes_needed_is_the_first_prefix_holding_k_distinct_rows() {
    // With one row each and no columns, a set of nodes can rebuild exactly when it holds k
    // distinct full rows: then every column has k shares, and below that nothing decodes.
    let k = 8;
    let cfg = SimConfig { n_nodes: 60, custody_cols: 0, ..config(k, Withholding::None) };
    let sim = Sim::new(cfg).unwrap();
    let mut rows = std::collections::BTreeSet::new();
    let expected = (0..60).find_map(|n| {
        rows.extend(sim.custody(n).unwrap().rows.iter().copied());
        (rows.len() >= k).then_some(n + 1)
    });
    assert!(expected.is_some());
    assert_eq!(sim.run(|_| {}).nodes_needed, expected);
}

#[test]
fn custody_statistics_count_what_nodes_hold() {
    let k = 4;
    let w = 2 * k;
    let cfg = SimConfig { n_nodes: 1, ..config(k, Withholding::None) };
    let sim = Sim::new(cfg).unwrap();
    let report = sim.run(|_| {});
    let custody = sim.custody(0).unwrap();
    assert_eq!((custody.rows.len(), custody.cols.len()), (1, 1));
    assert_eq!(report.custody.shares_per_node, 2 * w - 1);
    assert_eq!(report.custody.held_online, 2 * w - 1);
    assert_eq!(report.custody.uncovered, w * w - (2 * w - 1));
    assert_eq!((report.custody.replication_min, report.custody.replication_max), (0, 1));

    // Offline nodes still count towards what was held before they left.
    let cfg = SimConfig { n_nodes: 3, n_offline: 3, ..config(k, Withholding::None) };
    let report = run(cfg).unwrap();
    assert_eq!((report.custody.n_online, report.custody.held_online), (0, 0));
    assert!(report.custody.held_all >= 2 * w - 1);
    assert_eq!(report.from_custody.n_given, 0);
}

#[test]
fn configurations_out_of_range_are_refused_with_typed_errors() {
    let base = config(4, Withholding::None);
    let refused = |cfg: SimConfig| run(cfg).unwrap_err();
    assert_eq!(refused(SimConfig { k: 3, ..base.clone() }), SimError::Square(SquareError::BadWidth(3)));
    assert_eq!(refused(SimConfig { k: 256, ..base.clone() }), SimError::TooWide { k: 256, max: 128 });
    assert_eq!(refused(SimConfig { share_size: 65, ..base.clone() }), SimError::Square(SquareError::BadShareSize(65)));
    assert!(matches!(refused(SimConfig { custody_rows: 9, ..base.clone() }), SimError::CustodyTooWide { got: 9, .. }));
    assert!(matches!(refused(SimConfig { n_offline: 33, ..base.clone() }), SimError::TooManyOffline { .. }));
    assert_eq!(refused(SimConfig { n_light_clients: 0, ..base.clone() }), SimError::Empty("light client"));
    assert_eq!(refused(SimConfig { samples: vec![], ..base.clone() }), SimError::Empty("sample count"));
    assert_eq!(refused(SimConfig { samples: vec![0], ..base.clone() }), SimError::SampleCount { got: 0, max: 64 });
    assert_eq!(refused(SimConfig { samples: vec![65], ..base.clone() }), SimError::SampleCount { got: 65, max: 64 });
    assert!(matches!(
        refused(SimConfig { withholding: Withholding::Random(65), ..base.clone() }),
        SimError::Withholding { .. }
    ));
    assert!(matches!(
        refused(SimConfig { withholding: Withholding::Rows(9), ..base.clone() }),
        SimError::Withholding { .. }
    ));
    assert!(matches!(
        refused(SimConfig { n_light_clients: 1_000_000, samples: vec![64], ..base }),
        SimError::Limit { what: "light clients × samples", .. }
    ));
}
