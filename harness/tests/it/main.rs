//! End-to-end and integration tests of the harness.

mod case_model;
mod clients;
mod consensus_suite;
mod das_sim_cli;
mod das_suite;
mod fuzz_props;
mod python_client;
mod refute_cli;
mod refute_suite;
mod reports;
mod sim_consensus_cli;
mod tree;
mod vm_cli;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use harness::case::Case;
use serde_json::Value;

/// Runs the `orsma` binary; returns (exit code, stdout, stderr).
pub(crate) fn orsma(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_orsma")).args(args).current_dir(repo()).output().expect("orsma runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the `orsma` binary with `args` that make it print a JSON report; returns the exit code
/// and the report.
pub(crate) fn orsma_report(args: &[&str]) -> (i32, Value) {
    let (code, stdout, stderr) = orsma(args);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not a JSON report ({e}): {stderr}"));
    (code, report)
}

/// The report of case `id` in a JSON report.
pub(crate) fn case_report<'a>(report: &'a Value, id: &str) -> &'a Value {
    let cases = report["cases"].as_array().expect("cases");
    cases.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no report for {id}: {report}"))
}

/// The field paths of the diffs in the report of case `id`.
pub(crate) fn diff_paths(report: &Value, id: &str) -> Vec<String> {
    let case = case_report(report, id);
    case["diffs"]
        .as_array()
        .map(|d| d.iter().map(|d| d["path"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

/// The committed vectors `pick` keeps (one suite's, say).
pub(crate) fn committed<T>(pick: impl Fn(Case) -> Option<T>) -> Vec<T> {
    harness::vectors::load(&repo().join("vectors"))
        .expect("vectors load")
        .into_iter()
        .filter_map(|l| pick(l.case))
        .collect()
}

/// Checks that `cases` render to the committed vector files byte for byte; returns how many of
/// them each handler has.
pub(crate) fn assert_committed(cases: &[Case]) -> BTreeMap<String, usize> {
    let tree = harness::vectors::render(cases, 0);
    for (path, text) in &tree.files {
        if path == "index.json" {
            continue;
        }
        let committed = std::fs::read_to_string(repo().join("vectors").join(path)).expect("committed vector");
        assert_eq!(&committed, text, "{path} differs from a regeneration");
    }
    let mut per_handler: BTreeMap<String, usize> = BTreeMap::new();
    for case in cases {
        *per_handler.entry(case.id().handler).or_default() += 1;
    }
    per_handler
}

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `orsma client` with these faults, as a `--client` command line.
pub(crate) fn faulty_client(faults: &[&str]) -> String {
    let mut command = format!("{} client", env!("CARGO_BIN_EXE_orsma"));
    for fault in faults {
        command.push_str(&format!(" --fault {fault}"));
    }
    command
}

/// A fresh scratch directory for one test.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("orsma-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A client in Python that claims `suites` (a JSON object) and answers every `run` with `result`.
pub(crate) fn scripted_client(dir: &std::path::Path, suites: &str, result: &str) -> String {
    let script = dir.join("client.py");
    let text = format!(
        "import json, sys\n\
         for line in sys.stdin:\n\
         \x20   r = json.loads(line)\n\
         \x20   if r['method'] == 'hello':\n\
         \x20       out = {{'protocol': 'orsma-client/1', 'client': {{'name': 'scripted', 'version': '1'}}, 'suites': json.loads({suites:?})}}\n\
         \x20   elif r['method'] == 'shutdown':\n\
         \x20       print(json.dumps({{'jsonrpc': '2.0', 'id': r['id'], 'result': None}}), flush=True)\n\
         \x20       break\n\
         \x20   else:\n\
         \x20       out = json.loads({result:?})\n\
         \x20   print(json.dumps({{'jsonrpc': '2.0', 'id': r['id'], 'result': out}}), flush=True)\n"
    );
    std::fs::write(&script, text).expect("writes the client");
    format!("python3 {}", script.display())
}
