//! End-to-end and integration tests of the harness.

mod case_model;
mod clients;
mod das_sim_cli;
mod das_suite;
mod fuzz_props;
mod python_client;
mod refute_cli;
mod refute_suite;
mod reports;
mod tree;
mod vm_cli;

use std::path::PathBuf;
use std::process::Command;

/// Runs the `orsma` binary; returns (exit code, stdout, stderr).
pub(crate) fn orsma(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_orsma")).args(args).current_dir(repo()).output().expect("orsma runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
