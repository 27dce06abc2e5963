//! The vector tree: generating it, writing it, reading it back, verifying it, exporting it.
//!
//! ```text
//! vectors/
//!   index.json                      every case: id, path, keccak256 of its file, tags; root hash
//!   schemas/<suite>.schema.json     JSON Schema (2020-12) of one vector of that suite
//!   <suite>/<handler>/<case>.yaml   one self-describing vector per case
//! ```
//!
//! `docs/spec/vectors.md` is normative. Generation is deterministic: the same seed and feature
//! files give the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use primitives::{keccak256, merkle};
use serde::{Deserialize, Serialize};

use crate::case::{Case, CaseId, Encoding, FORMAT, HashHex, SUITES, Uint, decode, encode};

pub mod fill;
pub mod gen_consensus;
pub mod gen_das;
pub mod gen_refute;
pub mod gen_vm;

/// The cases a generator has made so far, in order, no two with the same id.
#[derive(Default)]
struct Generated {
    cases: Vec<Case>,
    ids: BTreeSet<CaseId>,
}

impl Generated {
    /// Adds a case; another case with its id is an error.
    fn push(&mut self, case: Case) -> Result<(), crate::case::CaseError> {
        if !self.ids.insert(case.id()) {
            return Err(crate::case::CaseError::Invalid(format!("two generated cases are named {}", case.id())));
        }
        self.cases.push(case);
        Ok(())
    }

    /// Makes the id `suite/handler/name` and the owned tags, builds the case with `make`,
    /// checks it and adds it.
    fn add(
        &mut self,
        (suite, handler, name): (&str, &str, &str),
        tags: &[&str],
        make: impl FnOnce(&CaseId, Vec<String>) -> Case,
    ) -> Result<(), crate::case::CaseError> {
        let id = CaseId::new(suite, handler, name)?;
        let tags = tags.iter().map(|t| (*t).to_owned()).collect();
        let case = make(&id, tags);
        case.check()?;
        self.push(case)
    }
}

/// A request the reference refuses, as a generator's error.
fn refused(e: crate::reference::RefusedRequest) -> crate::case::CaseError {
    crate::case::CaseError::Invalid(e.to_string())
}

/// Flips bit `bit` (taken modulo 256) of a hash.
fn flip_hash(h: &mut primitives::Hash32, bit: u64) {
    if let Some(byte) = h.0.get_mut((bit / 8 % 32) as usize) {
        *byte ^= 1 << (bit % 8);
    }
}

/// The index of a vector tree (`vectors/index.json`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// [`FORMAT`].
    pub format: String,
    /// The tool that generated the tree, `orsma <version>`.
    pub generator: String,
    /// The seed the generators drew from.
    pub seed: Uint,
    /// The number of cases.
    pub count: u64,
    /// The Merkle root (`encoding.md` §5) of the case hashes, in index order.
    pub root_hash: HashHex,
    /// Every case, sorted by id.
    pub cases: Vec<IndexEntry>,
}

/// One case in the index.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexEntry {
    /// `suite/handler/case`.
    pub id: String,
    /// The file, relative to the tree's root.
    pub path: String,
    /// `keccak256` of the file's bytes.
    pub hash: HashHex,
    /// The case's tags.
    pub tags: Vec<String>,
}

/// A generated tree: file contents by path relative to the tree's root.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    /// Vector files and `index.json`.
    pub files: BTreeMap<String, String>,
}

/// What `generate` needs besides the seed.
#[derive(Clone, Debug)]
pub struct Sources {
    /// The generators' seed.
    pub seed: u64,
    /// The directory of Gherkin features whose scenarios are exported too, if any.
    pub features: Option<PathBuf>,
}

/// Generates every case: the generators' and the exported scenarios', sorted by id.
pub fn generate(sources: &Sources) -> anyhow::Result<Vec<Case>> {
    let mut cases = gen_vm::generate(sources.seed)?;
    cases.extend(gen_refute::generate(sources.seed)?);
    cases.extend(gen_das::generate(sources.seed)?);
    cases.extend(gen_consensus::generate(sources.seed)?);
    if let Some(dir) = &sources.features {
        // A mistyped or relative path must not quietly drop (and so delete) every scenario.
        if !dir.is_dir() {
            bail!("the features directory {} does not exist (pass --features DIR)", dir.display());
        }
        cases.extend(crate::scenario::export_dir(dir)?);
    }
    cases.sort_by_key(Case::id);
    if let Some(pair) = cases.windows(2).find(|w| w[0].id() == w[1].id()) {
        bail!("two cases are named {}", pair[0].id());
    }
    Ok(cases)
}

/// Renders cases and their index as files: the committed form, YAML.
pub fn render(cases: &[Case], seed: u64) -> Tree {
    render_as(cases, seed, Encoding::Yaml)
}

/// Renders cases in `encoding` (`.yaml` or `.json` files) with an index that lists exactly
/// those files and their hashes.
pub fn render_as(cases: &[Case], seed: u64, encoding: Encoding) -> Tree {
    let mut files = BTreeMap::new();
    let mut entries = Vec::with_capacity(cases.len());
    for case in cases {
        let id = case.id();
        let text = case.render(encoding);
        let path = match encoding {
            Encoding::Yaml => id.path(),
            Encoding::Json => format!("{}/{}/{}.json", id.suite, id.handler, id.case),
        };
        entries.push(IndexEntry {
            id: id.to_string(),
            path: path.clone(),
            hash: HashHex(keccak256(text.as_bytes())),
            tags: case.tags().to_vec(),
        });
        files.insert(path, text);
    }
    let index = index_of(entries, seed);
    files.insert("index.json".to_owned(), encode(&index, Encoding::Json));
    Tree { files }
}

fn index_of(cases: Vec<IndexEntry>, seed: u64) -> Index {
    let hashes: Vec<[u8; 32]> = cases.iter().map(|c| c.hash.0.0).collect();
    Index {
        format: FORMAT.to_owned(),
        generator: format!("orsma {}", env!("CARGO_PKG_VERSION")),
        seed: Uint(seed),
        count: cases.len() as u64,
        root_hash: HashHex(merkle::root(&hashes)),
        cases,
    }
}

/// Writes a tree under `dir`, deleting vector files of cases that no longer exist. Returns
/// the number of files written and deleted.
pub fn write(tree: &Tree, dir: &Path) -> anyhow::Result<(usize, usize)> {
    let mut written = 0;
    for (path, text) in &tree.files {
        let full = dir.join(path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text) {
            continue;
        }
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&full, text).with_context(|| format!("cannot write {}", full.display()))?;
        written += 1;
    }
    let mut deleted = 0;
    for path in vector_files(dir)? {
        if !tree.files.contains_key(&path) {
            let full = dir.join(&path);
            std::fs::remove_file(&full).with_context(|| format!("cannot delete {}", full.display()))?;
            deleted += 1;
        }
    }
    Ok((written, deleted))
}

/// Every file under the suite directories of `dir`, as paths relative to `dir` (VEC-1.1:
/// each must be a listed vector).
pub fn vector_files(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for suite in SUITES {
        let root = dir.join(suite);
        if root.is_dir() {
            collect(&root, dir, &mut out)?;
        }
    }
    out.sort();
    Ok(out)
}

fn collect(path: &Path, base: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(path).with_context(|| format!("cannot list {}", path.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, base, out)?;
        } else {
            let relative = path.strip_prefix(base).unwrap_or(&path);
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// Reads `dir/index.json`.
pub fn read_index(dir: &Path) -> anyhow::Result<Index> {
    let path = dir.join("index.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!("cannot read {} (generate the vectors with `orsma vectors generate`)", path.display())
    })?;
    let index: Index =
        decode(&text, Encoding::Json).with_context(|| format!("{} is not a valid index", path.display()))?;
    if index.format != FORMAT {
        bail!("{} has format `{}`; this orsma reads {FORMAT}", path.display(), index.format);
    }
    Ok(index)
}

/// A vector read from a tree, with its index entry.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The case.
    pub case: Case,
    /// Its entry in the index.
    pub entry: IndexEntry,
}

/// Reads every case the index lists, checking the index (format, count, order, root hash,
/// paths), each file against its hash, and that no file under a suite directory is missing
/// from the index (VEC-1.1).
pub fn load(dir: &Path) -> anyhow::Result<Vec<Loaded>> {
    let index = read_index(dir)?;
    check_index(&index)?;
    // Reading and parsing dominate a run's start; spread them over the cores.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = index.cases.len().div_ceil(threads).max(1);
    let parts: Vec<anyhow::Result<Vec<Loaded>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = index
            .cases
            .chunks(chunk)
            .map(|entries| scope.spawn(move || entries.iter().map(|entry| load_one(dir, entry)).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a loader thread panicked"))))
            .collect()
    });
    let mut out = Vec::with_capacity(index.cases.len());
    for part in parts {
        out.extend(part?);
    }
    let listed: std::collections::BTreeSet<&str> = out.iter().map(|l| l.entry.path.as_str()).collect();
    let unlisted: Vec<String> = vector_files(dir)?.into_iter().filter(|p| !listed.contains(p.as_str())).collect();
    if let Some(first) = unlisted.first() {
        bail!(
            "{} file(s) under the suite directories are not in index.json and would never run, e.g. {first}; regenerate with `orsma vectors generate`",
            unlisted.len()
        );
    }
    Ok(out)
}

/// The index's own rules (`vectors.md` §4): as many entries as `count`, sorted by id with no
/// duplicates, each at its id's path in YAML or JSON, and the root hash of their hashes.
fn check_index(index: &Index) -> anyhow::Result<()> {
    if index.count != index.cases.len() as u64 {
        bail!("index.json says count {} but lists {} cases", index.count, index.cases.len());
    }
    if let Some(pair) = index.cases.windows(2).find(|w| w[0].id >= w[1].id) {
        bail!("index.json must list ids sorted and once each: `{}` comes before `{}`", pair[0].id, pair[1].id);
    }
    for entry in &index.cases {
        let id = CaseId::parse(&entry.id)?;
        let stem = format!("{}/{}/{}", id.suite, id.handler, id.case);
        if entry.path != format!("{stem}.yaml") && entry.path != format!("{stem}.json") {
            bail!("index.json lists {} at `{}`; its file is {stem}.yaml (or .json)", entry.id, entry.path);
        }
    }
    let hashes: Vec<[u8; 32]> = index.cases.iter().map(|c| c.hash.0.0).collect();
    let root = merkle::root(&hashes);
    if root != index.root_hash.0 {
        bail!("index.json has root_hash {}, but its case hashes give {root}", index.root_hash);
    }
    Ok(())
}

/// Reads one indexed vector, checking its hash and id.
fn load_one(dir: &Path, entry: &IndexEntry) -> anyhow::Result<Loaded> {
    let path = dir.join(&entry.path);
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let hash = keccak256(text.as_bytes());
    if hash != entry.hash.0 {
        bail!("{} has hash {hash}, but the index says {}; regenerate or restore it", path.display(), entry.hash);
    }
    let encoding = if entry.path.ends_with(".json") { Encoding::Json } else { Encoding::Yaml };
    let case = Case::parse(&text, encoding).with_context(|| format!("{}", path.display()))?;
    if case.id().to_string() != entry.id {
        bail!("{} holds case {}, but the index lists it as {}", path.display(), case.id(), entry.id);
    }
    Ok(Loaded { case, entry: entry.clone() })
}

/// One way a committed tree disagrees with what it should be.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Problem {
    /// The file concerned, relative to the tree.
    pub path: String,
    /// What is wrong.
    pub what: String,
}

/// Compares the committed tree under `dir` with a regeneration, with the index, and with
/// the schemas. Returns every problem found (none means the tree verifies).
pub fn verify(dir: &Path, sources: &Sources) -> anyhow::Result<(usize, Vec<Problem>)> {
    let cases = generate(sources)?;
    let expected = render(&cases, sources.seed);
    let mut problems = Vec::new();
    let committed = vector_files(dir)?;
    for path in &committed {
        if !expected.files.contains_key(path) {
            problems
                .push(Problem { path: path.clone(), what: "no generator or scenario makes this case any more".into() });
        }
    }
    for (path, text) in &expected.files {
        match std::fs::read_to_string(dir.join(path)) {
            Err(_) => problems.push(Problem { path: path.clone(), what: "missing; the generators make it".into() }),
            Ok(found) if &found != text => {
                problems.push(Problem { path: path.clone(), what: first_difference(text, &found) });
            }
            Ok(_) => {}
        }
    }
    let schemas = crate::schema::Schemas::load(&dir.join("schemas"))?;
    for (path, text) in &expected.files {
        if path == "index.json" {
            continue;
        }
        if let Err(errors) = schemas.validate_yaml(text) {
            for error in errors {
                problems.push(Problem { path: path.clone(), what: format!("schema: {error}") });
            }
        }
        // The committed file must validate too, if it differs from the regenerated one.
        let committed = std::fs::read_to_string(dir.join(path)).ok().filter(|found| found != text);
        if let Some(Err(errors)) = committed.map(|found| schemas.validate_yaml(&found)) {
            for error in errors {
                problems.push(Problem { path: path.clone(), what: format!("schema (committed file): {error}") });
            }
        }
    }
    Ok((cases.len(), problems))
}

/// The first line where two texts differ, for a verify report.
fn first_difference(expected: &str, found: &str) -> String {
    let (e, f): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), found.lines().collect());
    let at = e.iter().zip(&f).position(|(a, b)| a != b).unwrap_or(e.len().min(f.len()));
    format!(
        "differs from a regeneration at line {}: expected `{}`, committed `{}`",
        at + 1,
        e.get(at).unwrap_or(&"<end of file>"),
        f.get(at).unwrap_or(&"<end of file>")
    )
}
