//! `orsma refute`: commitments, proofs that round-trip through files, and disputes whose
//! verdicts match the players' honesty.

use super::orsma;

fn count() -> String {
    super::repo().join("impl/vm/programs/count.asm").to_string_lossy().into_owned()
}

fn scratch(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("orsma-refute-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name).to_string_lossy().into_owned()
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[test]
fn a_lying_defender_loses_at_its_first_wrong_step() {
    let (code, stdout, stderr) =
        orsma(&["refute", "dispute", &count(), "--memory", "500", "--defender", "lies-from:321", "--json"]);
    assert_eq!(code, 1, "the defender loses: {stderr}");
    let v = json(&stdout);
    assert_eq!(v["steps"], 1002);
    assert_eq!(v["winner"], "challenger");
    assert_eq!(v["disputed_step"], 320);
    assert_eq!(v["replay"]["winner"], "challenger");
    assert!(v["rounds"].as_u64().is_some_and(|r| (1..=10).contains(&r)), "⌈log2 1002⌉ = 10: {v}");
    assert!(v["disputed_instruction"].as_str().is_some_and(|s| s.contains("subi") || s.contains("jnz")), "{v}");
}

#[test]
fn an_honest_defender_beats_a_blind_challenger() {
    let (code, stdout, _) = orsma(&[
        "refute",
        "dispute",
        &count(),
        "--memory",
        "500",
        "--challenger",
        "blind:9",
        "--degree",
        "4",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v = json(&stdout);
    assert_eq!(v["winner"], "defender");
    assert_eq!(v["replay"]["winner"], "defender");
    assert!(v["reason"]["proven"]["post"] == v["reason"]["proven"]["computed"], "{v}");
}

#[test]
fn a_proof_written_to_a_file_verifies_and_a_flipped_byte_is_rejected() {
    let path = scratch("step7.proof");
    let (code, stdout, stderr) = orsma(&["refute", "prove", &count(), "--memory", "9", "--at", "7", "--out", &path]);
    assert_eq!(code, 0, "{stderr}");
    let field = |name: &str| {
        stdout.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).expect("field printed").to_owned()
    };
    let (pre, post) = (field("pre"), field("post"));

    let (code, commit, _) = orsma(&["refute", "commit", &count(), "--memory", "9", "--at", "7,8", "--json"]);
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = commit.lines().map(json).collect();
    assert_eq!(lines[0]["commitment"], pre.as_str(), "commit and prove agree on the pre-state");
    assert_eq!(lines[1]["commitment"], post.as_str(), "the proof's post-state is the state after step 8");

    let (code, out, _) = orsma(&["refute", "verify", "--pre", &pre, &path]);
    assert_eq!(code, 0);
    assert!(out.contains(&post), "{out}");

    let mut bytes = std::fs::read(&path).expect("proof written");
    bytes[300] ^= 0x10;
    let tampered = scratch("tampered.proof");
    std::fs::write(&tampered, &bytes).expect("write");
    let (code, out, _) = orsma(&["refute", "verify", "--pre", &pre, &tampered]);
    assert_eq!(code, 1);
    assert!(out.starts_with("rejected ("), "{out}");
}

#[test]
fn bad_flags_say_what_to_do() {
    let (code, _, stderr) = orsma(&["refute", "dispute", &count(), "--memory", "5", "--defender", "sneaky"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("must be honest, lies-from:J or silent"), "{stderr}");
    let (code, _, stderr) = orsma(&["refute", "dispute", &count(), "--memory", "5", "--degree", "1"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--degree 1 must be between 2 and 256"), "{stderr}");
    let (code, _, stderr) = orsma(&["refute", "prove", &count(), "--memory", "5", "--at", "1", "--host", "maybe"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("ok:VALUE:GAS or error:CODE"), "{stderr}");
}
