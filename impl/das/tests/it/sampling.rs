use das::sampling::{SampleOutcome, detection_probability, min_withheld, sample_coordinates};
use das::{Axis, LightClient, ShareWithProof};

use crate::seeded_square;

#[test]
fn a_light_client_accepts_an_available_square_and_rejects_withholding_and_forgery() {
    let eds = seeded_square(8, 64, 1);
    let dah = eds.dah();
    let client = LightClient::new(&dah.data_root(), dah.clone(), 64).unwrap();
    let serve = |r: usize, c: usize| {
        Some(ShareWithProof { share: eds.share(r, c)?.to_vec(), proof: eds.share_proof(r, c, Axis::Row)? })
    };
    let report = client.sample(42, 16, serve);
    assert!(report.available());
    assert_eq!(report.verified(), 16);

    // Withhold everything in rows 0..=k: any sample there is missing.
    let report = client.sample(42, 64, |r, c| if r <= 8 { None } else { serve(r, c) });
    assert!(!report.available());
    assert!(report.samples.iter().all(|s| (s.outcome == SampleOutcome::Missing) == (s.row <= 8)));

    // A forged share with an honest proof fails with bad_path.
    let report = client.sample(42, 4, |r, c| {
        let mut answer = serve(r, c)?;
        answer.share[0] ^= 1;
        Some(answer)
    });
    assert!(report.samples.iter().all(|s| matches!(&s.outcome, SampleOutcome::Invalid(e) if e.code() == "bad_path")));

    // A header that does not hash to the data root is refused.
    let mut forged = dah.clone();
    forged.row_roots[3].0[0] ^= 1;
    assert!(LightClient::new(&dah.data_root(), forged, 64).is_err());
}

#[test]
fn proofs_against_columns_verify_and_do_not_move() {
    let eds = seeded_square(4, 64, 2);
    let dah = eds.dah();
    for (r, c) in [(0, 0), (7, 3), (5, 6)] {
        for axis in [Axis::Row, Axis::Col] {
            let proof = eds.share_proof(r, c, axis).unwrap();
            assert_eq!(proof.path.len(), 3);
            proof.verify(&dah, 64, r, c, eds.share(r, c).unwrap()).unwrap();
            // The same proof at another position fails: positions are bound by coordinates.
            assert!(proof.verify(&dah, 64, (r + 1) % 8, c, eds.share(r, c).unwrap()).is_err());
        }
    }
}

#[test]
fn measured_miss_rate_follows_the_formula() {
    // Withhold the minimal unrecoverable pattern, a (k+1)×(k+1) block, and count how often
    // 10 samples miss it over many seeds.
    let k = 4;
    let w = 2 * k;
    let trials = 20_000;
    let s = 10;
    let mut detected = 0;
    for seed in 0..trials {
        if sample_coordinates(seed, w, s).iter().any(|&(r, c)| r <= k && c <= k) {
            detected += 1;
        }
    }
    let measured = detected as f64 / trials as f64;
    let predicted = detection_probability(k, min_withheld(k), s);
    // Binomial standard deviation at 20,000 trials is about 0.0006 here; allow 5 of them.
    assert!((measured - predicted).abs() < 0.003, "measured {measured}, predicted {predicted}");
}
