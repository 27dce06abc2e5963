//! `orsma vm`: exit codes, output, and errors on bad input.

use super::orsma;

fn program(name: &str) -> String {
    super::repo().join("impl/vm/programs").join(name).to_string_lossy().into_owned()
}

fn scratch(name: &str, contents: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("orsma-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write scratch file");
    path.to_string_lossy().into_owned()
}

#[test]
fn run_reports_the_outcome_as_json() {
    let (code, stdout, _) = orsma(&["vm", "run", &program("fib.asm"), "--memory", "10", "--json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    assert_eq!(json["outcome"], serde_json::json!({"status": "halted", "value": 55}));
    assert_eq!(json["regs"][0], 55);
    assert!(json["gas_used"].as_u64().is_some_and(|g| g > 0));
}

#[test]
fn exit_codes_tell_halted_reverted_trapped_and_bad_input_apart() {
    assert_eq!(orsma(&["vm", "run", &scratch("h.asm", b"halt r0")]).0, 0);
    assert_eq!(orsma(&["vm", "run", &scratch("r.asm", b"revert r0")]).0, 3);
    let (code, stdout, _) = orsma(&["vm", "run", &scratch("t.asm", b"li r0, 1\ndiv r0, r0, r1")]);
    assert_eq!(code, 4);
    assert!(stdout.contains("trapped: division_by_zero"), "{stdout}");
    let (code, _, stderr) = orsma(&["vm", "run", &scratch("bad.asm", b"nop\nfrob r1")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("line 2: unknown instruction `frob`"), "{stderr}");
    let (code, _, stderr) = orsma(&["vm", "run", &scratch("bad.bin", b"ORVM\x01\x01\x00\x00\x00\x99")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid opcode 0x99"), "{stderr}");
    let (code, _, stderr) = orsma(&["vm", "run", "/nonexistent/prog.asm"]);
    assert_eq!((code, stderr.contains("cannot read")), (2, true), "{stderr}");
}

#[test]
fn asm_then_disasm_round_trips() {
    let bin = scratch("count.bin", b"");
    assert_eq!(orsma(&["vm", "asm", &program("count.asm"), "--out", &bin]).0, 0);
    let (code, text, _) = orsma(&["vm", "disasm", &bin]);
    assert_eq!(code, 0);
    let again = scratch("count2.asm", text.as_bytes());
    let (_, hash_a, _) = orsma(&["vm", "hash", &program("count.asm")]);
    let (_, hash_b, _) = orsma(&["vm", "hash", &again]);
    assert_eq!(hash_a, hash_b);
    assert!(hash_a.starts_with("0x") && hash_a.trim().len() == 66, "{hash_a}");
}
