//! The refute suite: its vectors regenerate identically, every tampered proof is rejected
//! with the error its tamper kind calls for (derived here from the kind, apart from the
//! reference), every untampered proof verifies, and a faulty client gets field-path diffs.

use std::collections::BTreeMap;

use harness::case::Case;
use harness::case::refute::{ProofErrorCode, RefuteVector, StepProofConfig, StepProofPost};
use harness::vectors::gen_refute::TAMPER_KINDS;
use serde_json::Value;

use super::{assert_committed, committed, diff_paths, faulty_client, orsma_report};

fn refute_cases() -> Vec<RefuteVector> {
    committed(|case| match case {
        Case::Refute(v) => Some(v),
        _ => None,
    })
}

#[test]
fn the_refute_vectors_regenerate_identically() {
    let cases = harness::vectors::gen_refute::generate(0).expect("generates");
    let again = harness::vectors::gen_refute::generate(0).expect("generates");
    assert_eq!(cases, again, "generation is deterministic");
    let per_handler = assert_committed(&cases);
    assert!(per_handler.values().all(|&n| n >= 30), "{per_handler:?}");
}

#[test]
fn every_tampered_proof_is_rejected_with_its_kinds_error_and_every_untampered_one_verifies() {
    let expected: BTreeMap<&str, &str> = TAMPER_KINDS.iter().copied().collect();
    let (mut tampered, mut untampered, mut proven) = (0, 0, 0);
    for v in refute_cases() {
        let RefuteVector::StepProof(case) = &v else { continue };
        let kind = case.tags.iter().find_map(|t| t.strip_prefix("tamper_"));
        match (&case.config, &case.post, kind) {
            (StepProofConfig::Verify { .. }, StepProofPost::Rejected { code }, Some(kind)) => {
                let class = expected.get(kind).unwrap_or_else(|| panic!("{}: unknown tamper kind {kind}", case.id));
                assert_eq!(code.name(), *class, "{}: {}", case.id, case.description);
                tampered += 1;
            }
            (StepProofConfig::Verify { .. }, post, Some(_)) => panic!("{}: a tampered proof gives {post:?}", case.id),
            (StepProofConfig::Verify { .. }, StepProofPost::Accepted { .. }, None) => untampered += 1,
            (StepProofConfig::Verify { .. }, post, None) => {
                // A scenario may verify a tampered proof without the tag; its description says so.
                assert!(case.tags.iter().any(|t| t == "scenario"), "{}: an untampered proof gives {post:?}", case.id);
            }
            (StepProofConfig::Prove { vm: config, at }, StepProofPost::Proven { pre, post, proof }, _) => {
                // `pre` and `post` are the commitments of the states the fast interpreter
                // reaches after `at` and `at + 1` steps, a second implementation of the step
                // the proof's verifier runs; the proof decodes and verifies to `post`.
                let (setup, mut snapshot) = harness::reference::refute::start_of(config).expect("a valid start");
                snapshot.run_steps(&setup, at.0);
                assert_eq!(snapshot.commitment(&setup), pre.0, "{}: pre", case.id);
                snapshot.run_steps(&setup, 1);
                assert_eq!(snapshot.commitment(&setup), post.0, "{}: post", case.id);
                let decoded = vm::proof::StepProof::decode(&proof.0).expect("a canonical proof decodes");
                assert_eq!(vm::proof::verify_step(&pre.0, &decoded), Ok(post.0), "{}", case.id);
                assert_eq!(decoded.encode(), proof.0, "{}: the proof is canonical", case.id);
                proven += 1;
            }
            (config, post, _) => panic!("{}: {config:?} with {post:?}", case.id),
        }
    }
    assert!(tampered >= 100 && untampered >= 20 && proven >= 50, "{tampered} {untampered} {proven}");
    // Every error code but `bad_instruction` (a program tree cannot hold an undecodable
    // instruction without a forged root) is reached by some tamper kind.
    let reached: std::collections::BTreeSet<&str> = expected.values().copied().collect();
    for code in ProofErrorCode::ALL {
        assert!(code == ProofErrorCode::BadInstruction || reached.contains(code.name()), "{code:?}");
    }
}

fn report(client: &str, handlers: &[&str]) -> (i32, Value) {
    let mut args = vec!["conformance", "--format", "json", "--no-artifacts", "--client", client];
    for h in handlers {
        args.extend(["--handler", h]);
    }
    orsma_report(&args)
}

#[test]
fn a_client_with_wrong_commitments_gets_field_path_diffs() {
    let (code, report) = report(&faulty_client(&["wrong-commitment"]), &["commitment", "step_proof", "bisection"]);
    assert_eq!(code, 1);
    assert_eq!(
        diff_paths(&report, "refute/commitment/scenario_commitments_follow_the_stack"),
        ["post.states[4].commitment", "post.states[4].memory_root"]
    );
    assert_eq!(diff_paths(&report, "refute/step_proof/prove_halt_step_1"), ["post.post"]);
    assert_eq!(diff_paths(&report, "refute/step_proof/verify_halt_step_1"), ["post.ok.post"]);
    assert_eq!(diff_paths(&report, "refute/bisection/short_n1_k2_honest_honest"), ["post.claim"]);
}

#[test]
fn a_client_with_a_wrong_error_code_gets_a_field_path_diff() {
    let (code, report) = report(&faulty_client(&["wrong-error-code"]), &["step_proof"]);
    assert_eq!(code, 1);
    assert_eq!(diff_paths(&report, "refute/step_proof/tampered_halt_truncated"), ["post.error.code"]);
    assert!(diff_paths(&report, "refute/step_proof/verify_halt_step_1").is_empty());
}
