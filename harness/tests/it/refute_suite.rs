//! The refute suite: its vectors regenerate identically, every tampered proof is rejected
//! with the error its tamper kind calls for (derived here from the kind, apart from the
//! reference), every untampered proof verifies, and a faulty client gets field-path diffs.

use std::collections::BTreeMap;

use harness::case::Case;
use harness::case::refute::{ProofErrorCode, RefuteVector, StepProofConfig, StepProofPost};
use harness::vectors::gen_refute::TAMPER_KINDS;
use serde_json::Value;

use super::{faulty_client, orsma, repo};

fn refute_cases() -> Vec<RefuteVector> {
    harness::vectors::load(&repo().join("vectors"))
        .expect("vectors load")
        .into_iter()
        .filter_map(|l| match l.case {
            Case::Refute(v) => Some(v),
            _ => None,
        })
        .collect()
}

#[test]
fn the_refute_vectors_regenerate_identically() {
    let cases = harness::vectors::gen_refute::generate(0).expect("generates");
    let again = harness::vectors::gen_refute::generate(0).expect("generates");
    assert_eq!(cases, again, "generation is deterministic");
    let tree = harness::vectors::render(&cases, 0);
    for (path, text) in &tree.files {
        if path == "index.json" {
            continue;
        }
        let committed = std::fs::read_to_string(repo().join("vectors").join(path)).expect("committed vector");
        assert_eq!(&committed, text, "{path} differs from a regeneration");
    }
    let mut per_handler: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        *per_handler.entry(case.id().handler).or_default() += 1;
    }
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
    let (code, stdout, stderr) = orsma(&args);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not a JSON report ({e}): {stderr}"));
    (code, report)
}

fn diffs_of(report: &Value, id: &str) -> Vec<String> {
    let case = report["cases"].as_array().and_then(|cases| cases.iter().find(|c| c["id"] == id)).cloned();
    let case = case.unwrap_or_else(|| panic!("no report for {id}"));
    case["diffs"]
        .as_array()
        .map(|d| d.iter().map(|d| d["path"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn a_client_with_wrong_commitments_gets_field_path_diffs() {
    let (code, report) = report(&faulty_client(&["wrong-commitment"]), &["commitment", "step_proof", "bisection"]);
    assert_eq!(code, 1);
    assert_eq!(
        diffs_of(&report, "refute/commitment/scenario_commitments_follow_the_stack"),
        ["post.states[4].commitment", "post.states[4].memory_root"]
    );
    assert_eq!(diffs_of(&report, "refute/step_proof/prove_halt_step_1"), ["post.post"]);
    assert_eq!(diffs_of(&report, "refute/step_proof/verify_halt_step_1"), ["post.ok.post"]);
    assert_eq!(diffs_of(&report, "refute/bisection/short_n1_k2_honest_honest"), ["post.claim"]);
}

#[test]
fn a_client_with_a_wrong_error_code_gets_a_field_path_diff() {
    let (code, report) = report(&faulty_client(&["wrong-error-code"]), &["step_proof"]);
    assert_eq!(code, 1);
    assert_eq!(diffs_of(&report, "refute/step_proof/tampered_halt_truncated"), ["post.error.code"]);
    assert!(diffs_of(&report, "refute/step_proof/verify_halt_step_1").is_empty());
}
