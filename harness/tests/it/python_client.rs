//! The example Python client (written from `docs/spec/` alone) against every suite, and with one
//! instruction broken on purpose: it must fail exactly the cases that execute that instruction,
//! each pointing at the field.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use vm::{BinOp, Instr, Machine, Program, TraceStep};

use super::{orsma, repo};

fn python_client(extra: &str) -> String {
    let script = repo().join("harness/clients/python/orsma_vm_client.py");
    format!("python3 {} {extra}", script.display())
}

fn report(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["conformance", "--format", "json", "--no-artifacts"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = orsma(&all);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not a JSON report ({e}): {stderr}"));
    (code, report)
}

#[test]
fn the_python_client_passes_every_case_of_every_suite() {
    let client = python_client("");
    // The client implements every suite. The `large` das squares (k ≥ 128) take the pure-Python
    // client up to a minute each; CI runs them with a longer per-case limit.
    let (code, report) = report(&["--client", &client, "--trace-all", "--skip-tag", "large"]);
    assert_eq!(code, 0, "{}", report["summary"]);
    // The client claims every suite: every selected case runs and passes, and nothing is skipped.
    let index = harness::vectors::read_index(&repo().join("vectors")).expect("index");
    let count = |suite: &str| {
        index.cases.iter().filter(|c| c.id.starts_with(suite) && !c.tags.iter().any(|t| t == "large")).count()
    };
    let (vm, refute, das, consensus) = (count("vm/"), count("refute/"), count("das/"), count("consensus/"));
    assert!(refute > 0 && vm > 0 && das > 0 && consensus > 0);
    assert_eq!(report["selected"].as_u64(), Some((refute + vm + das + consensus) as u64));
    assert_eq!(report["summary"]["skip"].as_u64(), Some(0), "{}", report["summary"]);
    assert_eq!(
        report["summary"]["pass"].as_u64(),
        Some((refute + vm + das + consensus) as u64),
        "{}",
        report["summary"]
    );
    assert_eq!(report["coverage"].as_array().map(Vec::len), Some(0), "{}", report["coverage"]);
    let cases = report["cases"].as_array().expect("cases");
    for (suite, count) in [("vm/", vm), ("refute/", refute), ("das/", das), ("consensus/", consensus)] {
        let passed =
            cases.iter().filter(|c| c["status"] == "pass" && c["id"].as_str().is_some_and(|id| id.starts_with(suite)));
        assert_eq!(passed.count(), count, "every {suite} case passes");
    }
}

/// The ids of the cases whose reference run executes `mul` (register form), with the step of
/// the first such `mul`, found by tracing each case on the reference VM, independently of the
/// harness's comparison.
fn cases_that_run_mul() -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for loaded in harness::vectors::load(&repo().join("vectors")).expect("vectors load") {
        let harness::case::Case::Vm(v) = &loaded.case else { continue };
        let Ok(program) = Program::decode(&v.config.program.bytecode.0) else { continue };
        let mut host = harness::reference::scripted_host(&v.config);
        let mut machine = Machine::new(v.config.initial_memory(), v.config.gas_limit.0).expect("memory within limits");
        let mut trace: Vec<TraceStep> = Vec::new();
        machine.run_traced(&program, &mut host, &mut trace);
        // A mul that runs out of gas before executing did not execute: only count steps
        // followed by another step, or the final step of a run that did not trap on it.
        let executed = trace.iter().enumerate().position(|(i, step)| {
            matches!(step.instr, Some(Instr::Bin { op: BinOp::Mul, .. }))
                && (i + 1 < trace.len()
                    || !matches!(machine.outcome, Some(vm::Outcome::Trapped { trap: vm::Trap::OutOfGas })))
        });
        if let Some(first) = executed
            && v.post.steps.is_some_and(|s| s.0 <= harness::runner::MAX_TRACE_STEPS)
        {
            out.insert(v.id.clone(), first);
        }
    }
    out
}

#[test]
fn a_client_with_a_wrong_mul_fails_exactly_the_cases_that_run_mul() {
    let client = python_client("--bug mul");
    // `mul` is a VM instruction: the das suite, which does not run the VM, is left out.
    let (code, report) = report(&["--client", &client, "--trace-all", "--suite", "vm", "--suite", "refute"]);
    assert_eq!(code, 1);
    let cases = report["cases"].as_array().expect("cases");
    // `--bug` breaks the VM suite's interpreter only; the refute suite (which the client also
    // claims) is unaffected, so its cases pass. Nothing is skipped, but a skip would not be
    // a failure of the instruction, so skips stay out of the set.
    let failed: BTreeSet<String> = cases
        .iter()
        .filter(|c| c["status"] != "pass" && c["status"] != "skip")
        .map(|c| c["id"].as_str().unwrap_or("").to_owned())
        .collect();
    let expected = cases_that_run_mul();
    assert!(expected.len() > 20, "the suite exercises mul ({} cases)", expected.len());
    assert_eq!(failed, expected.keys().cloned().collect::<BTreeSet<_>>());
    for case in cases.iter().filter(|c| c["status"] != "pass" && c["status"] != "skip") {
        assert_eq!(case["status"], "fail", "{case}");
        let divergence = case["divergence"].as_str().unwrap_or("");
        // The bisection lands on the entry right after the first mul, and names that mul.
        let first = expected.get(case["id"].as_str().unwrap_or("")).copied().unwrap_or(usize::MAX);
        assert!(
            divergence.contains(&format!("before step {}", first + 1))
                && divergence.contains(&format!("step {first} ran `mul ")),
            "the divergence names the first mul ({first}): {case}"
        );
        assert!(divergence.contains("[found by bisection in "), "{case}");
        let diffs = case["diffs"].as_array().map(Vec::len).unwrap_or(0);
        assert!(diffs > 0 || case["message"] == "the final state matches, but the trace does not", "{case}");
    }
}
