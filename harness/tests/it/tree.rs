//! The vector tree: deterministic generation, and every way `verify` and `load` catch a
//! committed tree that is not what it should be.

use std::path::Path;

use harness::vectors::{self, Sources};

use super::{repo, scratch};

fn sources() -> Sources {
    Sources { seed: 0, features: Some(repo().join("features")) }
}

/// A copy of the committed tree (with its schemas) to tamper with.
fn copy_tree(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    let cases = vectors::generate(&sources()).expect("generates");
    vectors::write(&vectors::render(&cases, 0), &dir).expect("writes");
    std::fs::create_dir_all(dir.join("schemas")).expect("schemas dir");
    for suite in harness::case::SUITES {
        let schema = format!("schemas/{suite}.schema.json");
        std::fs::copy(repo().join("vectors").join(&schema), dir.join(&schema)).expect("schema");
    }
    dir
}

fn problems(dir: &Path) -> Vec<String> {
    let (_, problems) = vectors::verify(dir, &sources()).expect("verify runs");
    problems.into_iter().map(|p| format!("{}: {}", p.path, p.what)).collect()
}

#[test]
fn generation_is_deterministic_and_has_enough_cases() {
    let a = vectors::render(&vectors::generate(&sources()).expect("generates"), 0);
    let b = vectors::render(&vectors::generate(&sources()).expect("generates"), 0);
    assert_eq!(a.files, b.files);
    assert!(a.files.len() > 500, "the VM suite has at least 500 cases, got {}", a.files.len() - 1);
    let other = vectors::render(&vectors::generate(&Sources { seed: 1, ..sources() }).expect("generates"), 1);
    assert_ne!(a.files, other.files, "the seed matters");
}

#[test]
fn the_committed_tree_verifies() {
    let (count, problems) = vectors::verify(&repo().join("vectors"), &sources()).expect("verify runs");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(vectors::load(&repo().join("vectors")).expect("loads").len(), count);
}

#[test]
fn verify_reports_an_edited_a_missing_and_an_orphan_vector() {
    let dir = copy_tree("verify");
    assert!(problems(&dir).is_empty());
    let edited = dir.join("vm/alu/add_2_3.yaml");
    let text = std::fs::read_to_string(&edited).expect("read");
    std::fs::write(&edited, text.replace("gas_used: '4'", "gas_used: '5'")).expect("write");
    std::fs::remove_file(dir.join("vm/move/li_0.yaml")).expect("remove");
    std::fs::write(dir.join("vm/move/stray.yaml"), "format: orsma-vector/1\n").expect("write");
    let found = problems(&dir);
    assert!(
        found.iter().any(|p| p.starts_with("vm/alu/add_2_3.yaml: differs from a regeneration at line")
            && p.contains("gas_used: '5'")),
        "{found:?}"
    );
    assert!(found.iter().any(|p| p == "vm/move/li_0.yaml: missing; the generators make it"), "{found:?}");
    assert!(found.iter().any(|p| p.starts_with("vm/move/stray.yaml: no generator")), "{found:?}");
}

#[test]
fn verify_checks_committed_files_against_the_schema() {
    let dir = copy_tree("schema");
    let path = dir.join("vm/alu/add_2_3.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("gas_used: '4'", "gas_used: 4")).expect("write");
    let found = problems(&dir);
    assert!(found.iter().any(|p| p.contains("schema (committed file): /post/gas_used")), "{found:?}");
}

#[test]
fn load_refuses_a_changed_file_and_an_unlisted_one() {
    let dir = copy_tree("load");
    assert!(vectors::load(&dir).is_ok());
    let path = dir.join("vm/stack/push_pop_lifo.yaml");
    let original = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, format!("{original}# edited\n")).expect("write");
    let err = vectors::load(&dir).expect_err("hash mismatch").to_string();
    assert!(err.contains("push_pop_lifo.yaml has hash") && err.contains("but the index says"), "{err}");
    std::fs::write(&path, original).expect("restore");
    std::fs::copy(dir.join("vm/stack/push_pop_lifo.yaml"), dir.join("vm/stack/copy.yaml")).expect("copy");
    let err = vectors::load(&dir).expect_err("unlisted").to_string();
    assert!(err.contains("not in index.json and would never run"), "{err}");
}

#[test]
fn the_index_root_is_the_merkle_root_of_the_case_hashes() {
    let index = vectors::read_index(&repo().join("vectors")).expect("index");
    let hashes: Vec<[u8; 32]> = index.cases.iter().map(|c| c.hash.0.0).collect();
    assert_eq!(index.root_hash.0, primitives::merkle::root(&hashes));
    assert_eq!(index.count as usize, index.cases.len());
    assert!(index.cases.windows(2).all(|w| w[0].id < w[1].id), "sorted by id");
}

#[test]
fn export_writes_json_that_reads_back_as_the_same_cases() {
    let out = scratch("export");
    let (code, _, stderr) =
        super::orsma(&["vectors", "export", "--format", "json", "--out", &out.to_string_lossy(), "--handler", "host"]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(out.join("vm/host/host_error.json")).expect("exported");
    let json = harness::case::Case::parse(&text, harness::case::Encoding::Json).expect("parses");
    let yaml = std::fs::read_to_string(repo().join("vectors/vm/host/host_error.yaml")).expect("committed");
    assert_eq!(json, harness::case::Case::parse(&yaml, harness::case::Encoding::Yaml).expect("parses"));
}
