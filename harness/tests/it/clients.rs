//! `orsma conformance` against clients that crash, hang, print garbage, support only some
//! handlers, or answer wrongly: the right verdicts, and the harness never panics.

use serde_json::Value;

use super::{faulty_client, orsma};

/// Runs conformance with a JSON report; returns (exit code, report).
fn conformance(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["conformance", "--format", "json", "--no-artifacts"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = orsma(&all);
    let report =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not a JSON report ({e}):\n{stdout}\n{stderr}"));
    (code, report)
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["cases"]
        .as_array()
        .map(|cases| {
            cases
                .iter()
                .map(|c| (c["id"].as_str().unwrap_or("").to_owned(), c["status"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn count(report: &Value, status: &str) -> u64 {
    report["summary"][status].as_u64().unwrap_or(u64::MAX)
}

#[test]
fn the_reference_over_the_protocol_passes_a_handler() {
    let client = format!("{} client", env!("CARGO_BIN_EXE_orsma"));
    let (code, report) = conformance(&["--client", &client, "--handler", "traps"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(count(&report, "pass"), report["selected"].as_u64().unwrap_or(0));
    let (code, report) = conformance(&["--client", &client, "--client-mode", "oneshot", "--handler", "host"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(count(&report, "fail") + count(&report, "error"), 0);
}

#[test]
fn a_crashing_client_errors_that_case_and_is_restarted() {
    let client = faulty_client(&["crash-at=2"]);
    let (code, report) = conformance(&["--client", &client, "--handler", "stack", "--jobs", "1"]);
    assert_eq!(code, 1);
    let s = statuses(&report);
    // Each restarted process crashes on its second case: cases 2 and 4 of 5.
    assert_eq!(s.iter().map(|(_, st)| st.as_str()).collect::<Vec<_>>(), ["pass", "error", "pass", "error", "pass"]);
    let message = report["cases"][1]["message"].as_str().unwrap_or("");
    assert!(message.contains("crashed") && message.contains("status 3"), "{message}");
}

#[test]
fn a_hanging_client_times_out_and_the_run_goes_on() {
    let client = faulty_client(&["hang-at=1"]);
    let (code, report) = conformance(&[
        "--client",
        &client,
        "--handler",
        "stack",
        "--jobs",
        "1",
        "--timeout",
        "1",
        "--case",
        "vm/stack/push_pop_lifo",
    ]);
    assert_eq!(code, 1);
    assert_eq!(statuses(&report), [("vm/stack/push_pop_lifo".to_owned(), "error".to_owned())]);
    assert!(report["cases"][0]["message"].as_str().unwrap_or("").contains("did not answer within 1 s"));
}

#[test]
fn garbage_is_reported_with_the_offending_line() {
    let client = faulty_client(&["garbage-at=1"]);
    let (code, report) = conformance(&["--client", &client, "--case", "vm/move/li_0"]);
    assert_eq!(code, 1);
    let message = report["cases"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("garbage") && message.contains("this is not JSON"), "{message}");
}

#[test]
fn unclaimed_handlers_are_skipped_not_failed() {
    let client = faulty_client(&["claim=move"]);
    let (code, report) = conformance(&["--client", &client, "--handler", "move", "--handler", "stack"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(count(&report, "skip"), 5, "the five stack cases");
    assert_eq!(count(&report, "pass") + 5, report["selected"].as_u64().unwrap_or(0), "every move case ran and passed");
    assert_eq!(report["coverage"], serde_json::json!([]));
}

#[test]
fn a_claimed_handler_that_is_refused_fails_the_coverage_gate() {
    let client = faulty_client(&["refuse=stack"]);
    let (code, report) = conformance(&["--client", &client, "--handler", "stack"]);
    assert_eq!(code, 1);
    assert_eq!(count(&report, "skip"), 5);
    assert_eq!(report["coverage"].as_array().map(Vec::len), Some(5));
    assert_eq!(report["passed"], false);
}

#[test]
fn a_wrong_answer_fails_with_a_diff_naming_the_field() {
    let client = faulty_client(&["wrong-gas"]);
    let (code, report) = conformance(&["--client", &client, "--case", "vm/alu/add_2_3"]);
    assert_eq!(code, 1);
    let case = &report["cases"][0];
    assert_eq!(case["status"], "fail");
    assert_eq!(case["diffs"], serde_json::json!([{"path": "post.gas_used", "expected": "4", "got": "5"}]));
    let repro = case["repro"].as_str().unwrap_or("");
    assert!(repro.contains("orsma conformance --client ") && repro.ends_with("--case vm/alu/add_2_3"), "{repro}");
    // The command reproduces: run as printed, it fails the same way.
    let args: Vec<&str> = vec!["conformance", "--client", &client, "--case", "vm/alu/add_2_3", "--no-artifacts"];
    assert_eq!(orsma(&args).0, 1);
}

#[test]
fn expected_failures_turn_fail_into_xfail_and_pass_into_xpass() {
    let dir = super::scratch("xfail");
    let list = dir.join("xfail.yaml");
    std::fs::write(
        &list,
        "- case: vm/alu/add_2_3\n  reason: known gas bug\n- case: vm/move/li_*\n  reason: stale entry\n",
    )
    .expect("write");
    let client = faulty_client(&["wrong-gas"]);
    let list = list.to_string_lossy();
    let (code, report) = conformance(&["--client", &client, "--xfail", &list, "--case", "vm/alu/add_2_3"]);
    assert_eq!(code, 0, "an expected failure does not fail the run: {report}");
    assert_eq!(count(&report, "xfail"), 1);
    assert_eq!(report["unused_xfails"], serde_json::json!(["vm/move/li_*"]));
    let (code, report) = conformance(&["--xfail", &list, "--case", "vm/alu/add_2_3"]);
    assert_eq!(code, 1, "an unexpected pass fails the run");
    assert_eq!(count(&report, "xpass"), 1);
}

#[test]
fn a_client_that_cannot_start_stops_the_run_with_a_clear_error() {
    let (code, _, stderr) = orsma(&["conformance", "--client", "/nonexistent/client --serve", "--handler", "move"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot start client") && stderr.contains("hello failed"), "{stderr}");
    let (code, _, stderr) = orsma(&["conformance", "--client", "echo hello", "--handler", "move"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("garbage") || stderr.contains("crashed"), "{stderr}");
}

#[test]
fn fail_fast_stops_after_the_first_failure() {
    let client = faulty_client(&["wrong-gas"]);
    let (code, report) = conformance(&["--client", &client, "--handler", "alu", "--jobs", "1", "--fail-fast"]);
    assert_eq!(code, 1);
    assert_eq!(report["stopped_early"], true);
    assert_eq!(report["cases"].as_array().map(Vec::len), Some(1));
}

#[test]
fn junit_and_pretty_reports_carry_the_failures() {
    let client = faulty_client(&["wrong-gas"]);
    let (code, junit, _) =
        orsma(&["conformance", "--client", &client, "--case", "vm/alu/sub_2_3", "--format", "junit", "--no-artifacts"]);
    assert_eq!(code, 1);
    assert!(junit.contains("<failure") && junit.contains("post.gas_used: expected 4, got 5"), "{junit}");
    let (_, pretty, _) = orsma(&["conformance", "--client", &client, "--case", "vm/alu/sub_2_3", "--no-artifacts"]);
    assert!(pretty.contains("FAIL  vm/alu/sub_2_3") && pretty.contains("orsma conformance --client"), "{pretty}");
}

#[test]
fn shards_partition_the_cases() {
    let mut seen = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let (code, report) = conformance(&["--handler", "traps", "--shard", shard]);
        assert_eq!(code, 0);
        seen.extend(statuses(&report).into_iter().map(|(id, _)| id));
    }
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "no case is in two shards");
    let (_, all) = conformance(&["--handler", "traps"]);
    assert_eq!(total as u64, all["selected"].as_u64().unwrap_or(0), "every case is in some shard");
}

#[test]
fn reports_are_identical_whatever_the_number_of_workers() {
    let client = faulty_client(&["wrong-gas"]);
    let run = |jobs: &str| {
        orsma(&[
            "conformance",
            "--client",
            &client,
            "--handler",
            "control",
            "--jobs",
            jobs,
            "--format",
            "junit",
            "--no-artifacts",
        ])
        .1
    };
    assert_eq!(run("1"), run("3"));
}

#[test]
fn an_empty_selection_is_an_error_not_a_pass() {
    let (code, _, stderr) = orsma(&["conformance", "--case", "vm/nothing/*"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("matches none"), "{stderr}");
}

#[test]
fn a_result_that_breaks_the_format_is_malformed_not_a_failure() {
    let client = faulty_client(&["missing-gas"]);
    let (code, report) = conformance(&["--client", &client, "--case", "vm/alu/add_2_3"]);
    assert_eq!(code, 1);
    assert_eq!(report["cases"][0]["status"], "error");
    let message = report["cases"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("malformed") && message.contains("regs, ip, stack, memory_changes, gas_used and steps"),
        "{message}"
    );
}

#[test]
fn a_run_in_which_nothing_ran_fails() {
    let client = faulty_client(&["claim="]);
    let (code, report) = conformance(&["--client", &client, "--handler", "stack"]);
    assert_eq!(code, 1);
    assert_eq!(report["nothing_ran"], true);
    assert_eq!(report["passed"], false);
}

#[test]
fn a_compound_shell_command_is_a_client() {
    let client = format!("cd harness && {} client", env!("CARGO_BIN_EXE_orsma"));
    let (code, report) = conformance(&["--client", &client, "--handler", "stack"]);
    assert_eq!(code, 0, "{report}");
    let (code, report) = conformance(&["--client", &client, "--client-mode", "oneshot", "--handler", "stack"]);
    assert_eq!(code, 0, "{report}");
}

/// A client that answers `hello` and then never reads its stdin again: a request larger than
/// the pipe's buffer would block a harness that writes without a deadline.
#[test]
fn a_client_that_stops_reading_times_out_instead_of_blocking_the_harness() {
    use harness::case::Provenance;
    use harness::vectors::fill::VmSpec;

    let dir = super::scratch("deaf");
    let big = vm::Program::new(vec![vm::Instr::Nop; 40_000]).expect("short enough");
    let case = VmSpec::new(
        "big",
        "forty_thousand_nops",
        "a program whose request is larger than a pipe buffer",
        &big,
        Provenance::generated("test", 0),
    )
    .fill()
    .expect("fills");
    harness::vectors::write(&harness::vectors::render(&[case], 0), &dir).expect("writes");
    let deaf = "python3 -c \"import sys, json, time; r = json.loads(sys.stdin.readline()); \
print(json.dumps({'jsonrpc': '2.0', 'id': r['id'], 'result': {'protocol': 'orsma-client/1', \
'client': {'name': 'deaf', 'version': '1'}, 'suites': {'vm': ['*']}}}), flush=True); time.sleep(600)\"";
    let started = std::time::Instant::now();
    let dir = dir.to_string_lossy();
    let (code, report) = conformance(&["--vectors", &dir, "--client", deaf, "--timeout", "1"]);
    assert_eq!(code, 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "the harness was blocked");
    let message = report["cases"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("did not answer within 1 s"), "{message}");
}
