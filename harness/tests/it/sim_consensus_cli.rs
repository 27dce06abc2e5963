//! `orsma sim consensus`: the summary, the timeline `--out` writes (every height agreed on by
//! the validators that follow the protocol), determinism, warnings, configuration errors, the
//! replay command of a failing run, and a swarm sweep.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{orsma, scratch};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn consensus(flags: &[&str]) -> (i32, String, String) {
    let mut args = vec!["sim", "consensus"];
    args.extend_from_slice(flags);
    orsma(&args)
}

/// The value after `label` on the summary line that starts with it.
fn field<'a>(summary: &'a str, label: &str) -> &'a str {
    summary
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{summary}"))
}

/// The flags of a printed replay command (everything after `sim consensus`).
fn replay_flags(command: &str) -> Vec<String> {
    let (_, flags) = command.split_once(" sim consensus ").unwrap_or_else(|| panic!("not a replay command: {command}"));
    flags.split_whitespace().map(str::to_owned).collect()
}

/// Tags open and close in order under one `<svg>` root.
fn assert_well_formed_svg(svg: &str) {
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>').expect("every tag ends");
        let tag = &rest[open + 1..close];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.trim()), "closing tag out of order");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap_or("").to_owned());
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "unclosed tags: {stack:?}");
}

#[test]
fn the_default_run_passes_and_prints_the_summary() {
    let (code, stdout, stderr) = consensus(&[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("orsma sim consensus: 4 validators running Tendermint, seed 1, 100 heights"),
        "{stdout}"
    );
    assert_eq!(field(&stdout, "nodes"), "0..=3 honest (power 40)");
    assert!(field(&stdout, "heights").starts_with("100 of 100 decided by every correct validator"), "{stdout}");
    for label in ["rounds", "messages", "delivery", "signatures", "evidence", "time"] {
        field(&stdout, label);
    }
    assert!(stdout.contains("  round   0"), "a round histogram: {stdout}");
    assert!(field(&stdout, "verdict").starts_with("PASS: agreement, integrity and validity held"), "{stdout}");
    assert!(field(&stdout, "replay").ends_with("sim consensus --seed 1"), "{stdout}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn out_writes_a_timeline_whose_commits_agree_and_a_plot() {
    let dir = scratch("sim-consensus-out");
    let out = dir.to_string_lossy().into_owned();
    // Faults within the first 2 s, while the 12 heights are being decided.
    let flags = [
        "--nodes",
        "5",
        "--heights",
        "12",
        "--crash",
        "1",
        "--partitions",
        "1",
        "--fault-phase",
        "2s",
        "--seed",
        "3",
        "--json",
        "--out",
        &out,
    ];
    let (code, stdout, stderr) = consensus(&flags);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let printed = json(&stdout);
    assert_eq!(printed["summary"]["verdict"], "passed");

    let timeline = json(&std::fs::read_to_string(dir.join("timeline.json")).expect("timeline.json written"));
    assert_eq!(timeline["summary"], printed["summary"], "the same summary in both");
    let config = &timeline["config"];
    assert_eq!(config["seed"], 3);
    assert_eq!(config["heights"], 12);
    let validators = config["validators"].as_array().expect("validators");
    assert_eq!(validators.len(), 5);
    assert_eq!(validators[4]["behaviour"], "crash-restart", "behaviours go to the highest index");
    assert!(validators[..4].iter().all(|v| v["behaviour"] == "honest"));
    let crashes = timeline["crashes"].as_array().expect("crashes");
    assert_eq!(crashes.len(), 1);
    assert_eq!(crashes[0]["node"], 4);
    assert!(crashes[0]["crash_us"].as_u64() < crashes[0]["restart_us"].as_u64());
    let partitions = timeline["partitions"].as_array().expect("partitions");
    assert_eq!(partitions.len(), 1);
    let sides = partitions[0]["sides"].as_array().expect("sides");
    let mut nodes: Vec<u64> = sides.iter().flat_map(|s| s.as_array().unwrap()).map(|n| n.as_u64().unwrap()).collect();
    nodes.sort_unstable();
    assert_eq!(nodes, [0, 1, 2, 3, 4], "the two sides split the validators");
    assert!(sides.iter().all(|s| !s.as_array().unwrap().is_empty()));

    // Every validator here follows the protocol: one value per height, and each honest
    // validator decides each height once.
    let mut value_at: BTreeMap<u64, String> = BTreeMap::new();
    let mut decided: BTreeMap<(u64, u64), u32> = BTreeMap::new();
    for commit in timeline["commits"].as_array().expect("commits") {
        let (node, height) = (commit["node"].as_u64().unwrap(), commit["height"].as_u64().unwrap());
        let value = commit["value"].as_str().unwrap().to_owned();
        assert_eq!(value.len(), 66, "a 0x-prefixed hash: {value}");
        let first = value_at.entry(height).or_insert_with(|| value.clone());
        assert_eq!(first, &value, "height {height}: node {node} decided another value");
        *decided.entry((node, height)).or_default() += 1;
    }
    for node in 0..4 {
        for height in 1..=12 {
            assert_eq!(decided.get(&(node, height)), Some(&1), "node {node} height {height}");
        }
    }
    assert_eq!(timeline["summary"]["heights"]["decided"], 12);
    assert!(timeline["reproduce"].as_str().unwrap().starts_with("orsma sim consensus --seed 3 --nodes 5"));

    let svg = std::fs::read_to_string(dir.join("commits.svg")).expect("commits.svg written");
    assert_well_formed_svg(&svg);
    assert!(svg.contains("simulated time (s)") && svg.contains("height decided"));
    assert!(svg.contains(">\nhonest\n<"), "the legend names the honest validators");
    if decided.keys().any(|&(node, _)| node == 4) {
        assert!(svg.contains(">\ncrash-restart\n<"), "and the crash-restart one in another colour");
    }
    if partitions[0]["start_us"].as_u64() < timeline["summary"]["simulated_time_us"].as_u64() {
        assert!(svg.contains(">\npartition\n<"), "and shades the partition");
    }
}

#[test]
fn the_same_flags_give_the_same_timeline_bytes() {
    let timeline = |name: &str, seed: &str| {
        let dir = scratch(name);
        let out = dir.to_string_lossy().into_owned();
        let flags = [
            "--nodes",
            "7",
            "--heights",
            "8",
            "--seed",
            seed,
            "--byzantine",
            "1",
            "--faulty",
            "1",
            "--drop",
            "0.05",
            "--duplicate",
            "0.1",
            "--reorder",
            "0.2",
            "--topology",
            "ring:1",
            "--fanout",
            "3",
            "--partitions",
            "2",
            "--drift-ppm",
            "5000",
            "--out",
            &out,
        ];
        let (code, stdout, stderr) = consensus(&flags);
        assert_eq!(code, 0, "{stdout}\n{stderr}");
        std::fs::read(dir.join("timeline.json")).expect("timeline.json written")
    };
    let first = timeline("sim-consensus-a", "21");
    assert_eq!(first, timeline("sim-consensus-b", "21"), "same flags, same bytes");
    assert_ne!(first, timeline("sim-consensus-c", "22"), "another seed, another run");
}

#[test]
fn a_third_of_the_power_byzantine_warns_but_runs() {
    let (code, stdout, stderr) =
        consensus(&["--nodes", "3", "--byzantine", "1", "--heights", "3", "--max-time", "120s"]);
    assert_ne!(code, 2, "{stderr}");
    assert!(stderr.contains("warning: validators that break the protocol"), "{stderr}");
    assert!(stderr.contains("agreement and validity are not guaranteed"), "{stderr}");
    assert!(stderr.contains("progress is not guaranteed and not checked"), "{stderr}");
    assert!(field(&stdout, "power").contains("progress not checked"), "{stdout}");

    let (_, _, quiet) = consensus(&["--nodes", "4", "--byzantine", "1", "--heights", "3"]);
    assert!(!quiet.contains("warning"), "1 of 4 is below a third: {quiet}");
}

#[test]
fn impossible_configurations_exit_2_and_say_what_to_change() {
    for (flags, says) in [
        (&["--nodes", "0"][..], "pass --nodes 1 or more"),
        (&["--nodes", "4", "--byzantine", "3", "--dead", "2"][..], "raise --nodes"),
        (&["--powers", "10,0,10"][..], "at least 1"),
        (&["--latency", "uniform:2s..1s"][..], "--latency"),
        (&["--max-time", "60"][..], "needs a unit"),
        (&["--drop", "1.5"][..], "from 0 to 1"),
        (&["--topology", "star"][..], "--topology"),
        (&["--swarm", "--byzantine", "1"][..], "--swarm"),
    ] {
        let (code, stdout, stderr) = consensus(flags);
        assert_eq!(code, 2, "{flags:?}: {stdout}");
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
    }
}

/// With every message lost nobody decides, and the progress check stops the run at the first
/// bound: a violation on every seed.
#[test]
fn a_failing_run_prints_the_seed_and_a_replay_command_that_reproduces_it() {
    let dir = scratch("sim-consensus-fail");
    let out = dir.to_string_lossy().into_owned();
    let (code, stdout, stderr) =
        consensus(&["--seed", "9", "--drop", "1", "--progress-bound", "5s", "--heights", "3", "--out", &out]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let verdict = field(&stdout, "verdict");
    assert!(verdict.starts_with("FAIL: progress: node"), "{stdout}");
    assert_eq!(field(&stdout, "seed"), "9");
    let replay = field(&stdout, "replay");
    let flags = replay_flags(replay);
    assert_eq!(flags, ["--seed", "9", "--heights", "3", "--drop", "1", "--progress-bound", "5s"], "{replay}");
    let first = std::fs::read(dir.join("timeline.json")).expect("timeline.json written");

    let again_dir = scratch("sim-consensus-replay");
    let again_out = again_dir.to_string_lossy().into_owned();
    let mut args: Vec<&str> = vec!["sim", "consensus"];
    args.extend(flags.iter().map(String::as_str));
    args.extend(["--json", "--out", &again_out]);
    let (code, replayed, stderr) = orsma(&args);
    assert_eq!(code, 1, "{replayed}");
    assert_eq!(json(&replayed)["summary"]["violation"]["kind"], "progress");
    assert!(stderr.contains("replay: "), "with --json the failure is on stderr too: {stderr}");
    let again = std::fs::read(again_dir.join("timeline.json")).expect("timeline.json written");
    assert_eq!(again, first, "the replay is the same run");
}

#[test]
fn a_swarm_sweep_over_twenty_seeds_passes() {
    let (code, stdout, stderr) = consensus(&["--swarm", "--seeds", "0..20", "--nodes", "7", "--heights", "5"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("20 seeds: 20 passed, 0 failed"), "{stdout}");

    let (code, stdout, _) = consensus(&["--swarm", "--seeds", "0..=3", "--nodes", "7", "--heights", "3", "--json"]);
    assert_eq!(code, 0);
    let v = json(&stdout);
    assert_eq!(v["passed"], 4);
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.iter().map(|r| r["seed"].as_u64().unwrap()).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert!(runs[2]["reproduce"].as_str().unwrap().ends_with("sim consensus --swarm --seed 2 --nodes 7 --heights 3"));
}
