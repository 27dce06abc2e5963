//! Gherkin scenarios as conformance cases.
//!
//! A scenario builds a case step by step (Given = configuration, When = inputs, Then =
//! expectations). The cucumber runner (`harness/tests/features.rs`) applies the steps and
//! runs the case against the reference or an external client; [`export_dir`] turns every
//! scenario (and every row of a Scenario Outline's Examples) into a vector, filled by the
//! reference, after checking that its Then steps hold.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use gherkin::{Feature, GherkinEnv, Scenario, StepType};

use crate::case::{Case, Provenance, is_name};
use crate::client::CaseResult;

/// A step pattern, compiled once, matching the whole step text.
macro_rules! re {
    ($pattern:expr) => {{
        static RE: std::sync::LazyLock<Option<regex::Regex>> =
            std::sync::LazyLock::new(|| regex::Regex::new(&format!("^{}$", $pattern)).ok());
        RE.as_ref()
    }};
}

pub mod consensus;
pub mod das;
pub mod refute;
pub mod vm;

/// A step pattern's unsigned integer.
const UINT: &str = r"([0-9]+)";

/// A step pattern's signed integer.
const INT: &str = r"(-?[0-9]+)";

/// The groups `re` captures in `text` (empty for a group that did not take part), if it matches.
fn captures<'t>(re: Option<&regex::Regex>, text: &'t str) -> Option<Vec<&'t str>> {
    let caps = re?.captures(text)?;
    Some(caps.iter().skip(1).map(|m| m.map_or("", |m| m.as_str())).collect())
}

/// A case the reference filled that breaks a rule of the format, as a step's error.
fn invalid(e: crate::case::CaseError) -> StepError {
    StepError(e.to_string())
}

/// A request the reference refuses, as a step's error.
fn refused(e: crate::reference::RefusedRequest) -> StepError {
    StepError(e.to_string())
}

/// An unsigned integer of a step.
fn uint(s: &str) -> Result<u64, StepError> {
    s.parse().map_err(|_| StepError(format!("`{s}` is not an unsigned 64-bit integer")))
}

use self::vm::{Keyword, StepError, VmScenario};

/// The keyword of a parsed step.
pub fn keyword(step: &gherkin::Step) -> Keyword {
    match step.ty {
        StepType::Given => Keyword::Given,
        StepType::When => Keyword::When,
        StepType::Then => Keyword::Then,
    }
}

/// A scenario made concrete: an outline's row substituted in, background steps first.
#[derive(Clone, Debug)]
pub struct Concrete {
    /// The case name: the scenario's slug, with `_<row>` for outline rows.
    pub name: String,
    /// The scenario's name, with the row's values for outline rows.
    pub title: String,
    /// The line the scenario (or the example row) is on.
    pub line: usize,
    /// Tags of the feature and the scenario, without `@`.
    pub tags: Vec<String>,
    /// (keyword, text, doc string) in order.
    pub steps: Vec<(Keyword, String, Option<String>)>,
}

/// The scenarios of a feature, with outlines expanded.
pub fn concrete(feature: &Feature) -> Vec<Concrete> {
    let background: Vec<(Keyword, String, Option<String>)> = feature
        .background
        .iter()
        .flat_map(|b| &b.steps)
        .map(|s| (keyword(s), s.value.clone(), s.docstring.clone()))
        .collect();
    let mut out = Vec::new();
    for scenario in &feature.scenarios {
        let mut tags: Vec<String> = feature.tags.iter().chain(&scenario.tags).map(|t| tag_name(t)).collect();
        tags.sort();
        tags.dedup();
        let base = slug(&scenario.name);
        if scenario.examples.is_empty() {
            out.push(Concrete {
                name: base,
                title: scenario.name.clone(),
                line: scenario.position.line,
                tags,
                steps: background.iter().cloned().chain(steps(scenario, &[], &[])).collect(),
            });
            continue;
        }
        let mut row_number = 0;
        for examples in &scenario.examples {
            let Some(table) = &examples.table else { continue };
            let Some((header, rows)) = table.rows.split_first() else { continue };
            for (i, row) in rows.iter().enumerate() {
                row_number += 1;
                out.push(Concrete {
                    name: format!("{base}_{row_number}"),
                    title: substitute(&scenario.name, header, row),
                    // The table's position is its header row; data rows follow it.
                    line: table.position.line + 1 + i,
                    tags: tags.clone(),
                    steps: background.iter().cloned().chain(steps(scenario, header, row)).collect(),
                });
            }
        }
    }
    out
}

/// `text` with each `<name>` of an outline replaced by the row's value.
fn substitute(text: &str, header: &[String], row: &[String]) -> String {
    header.iter().zip(row).fold(text.to_owned(), |acc, (h, v)| acc.replace(&format!("<{h}>"), v))
}

fn steps(scenario: &Scenario, header: &[String], row: &[String]) -> Vec<(Keyword, String, Option<String>)> {
    scenario
        .steps
        .iter()
        .map(|s| {
            let docstring = s.docstring.as_deref().map(|d| substitute(d, header, row));
            (keyword(s), substitute(&s.value, header, row), docstring)
        })
        .collect()
}

/// A scenario title as a case name: lowercase letters, digits and single underscores.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

fn tag_name(tag: &str) -> String {
    let name = slug(tag.trim_start_matches('@'));
    if is_name(&name) { name } else { "tag".to_owned() }
}

/// A suite's step vocabulary: each Given, When and Then sentence changes the scenario being
/// built.
pub trait Steps: Default {
    /// Applies one step. `docstring` is the step's `"""` block, if any.
    fn apply(&mut self, keyword: Keyword, text: &str, docstring: Option<&str>) -> Result<(), StepError>;
}

/// The scenarios of a suite whose features sit directly in `features/` and name it with a
/// feature tag (`@refute`, `@das`, `@consensus`): the case a scenario describes, filled by the
/// reference, and its Then steps, checked against whatever answered the case.
pub trait SuiteScenario: Steps {
    /// The suite, as the feature tag names it.
    const SUITE: &'static str;
    /// The suite's vector.
    type Vector: Clone + fmt::Debug;
    /// A result of the suite's vector.
    type Result: Clone + fmt::Debug;
    /// One Then step.
    type Expectation;

    /// The case this scenario describes, filled by the reference.
    fn vector(
        &self,
        name: &str,
        description: &str,
        tags: &[String],
        provenance: Provenance,
    ) -> Result<Self::Vector, StepError>;

    /// The Then steps so far, in order.
    fn expectations(&self) -> &[Self::Expectation];

    /// Checks an expectation against a result for `vector`; the error says what was found.
    fn check(expectation: &Self::Expectation, vector: &Self::Vector, result: &Self::Result) -> Result<(), StepError>;

    /// The result a correct implementation gives for `vector`.
    fn expected(vector: &Self::Vector) -> Self::Result;

    /// The vector as a case.
    fn case(vector: Self::Vector) -> Case;

    /// A target's result, if it is one of this suite.
    fn result_of(result: CaseResult) -> Option<Self::Result>;
}

/// Builds the scenario a concrete scenario describes.
pub fn build<S: Steps>(concrete: &Concrete) -> Result<S, String> {
    let mut scenario = S::default();
    for (keyword, text, docstring) in &concrete.steps {
        scenario.apply(*keyword, text, docstring.as_deref()).map_err(|e| e.to_string())?;
    }
    Ok(scenario)
}

/// Exports every scenario under `dir/vm/*.feature`, and of the features directly in `dir`
/// (each names its suite with a feature tag, `@refute`, `@das` or `@consensus`), as vectors.
pub fn export_dir(dir: &Path) -> anyhow::Result<Vec<Case>> {
    let mut cases = Vec::new();
    let suite_dir = dir.join("vm");
    if suite_dir.is_dir() {
        for path in feature_files_in(&suite_dir)? {
            cases.extend(export_feature(&path)?);
        }
    }
    for path in feature_files_in(dir)? {
        cases.extend(export_top_level_feature(&path)?);
    }
    Ok(cases)
}

/// The `.feature` files directly in `dir`, sorted.
pub fn feature_files_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "feature"))
        .collect();
    files.sort();
    Ok(files)
}

/// The suites a top-level feature file may name with a feature tag.
pub const TOP_LEVEL_SUITES: &[&str] = &["refute", "das", "consensus"];

/// The suite a top-level feature file names with a feature tag (`@refute`, `@das`, `@consensus`).
pub fn suite_of(feature: &Feature) -> Option<&'static str> {
    feature.tags.iter().find_map(|t| TOP_LEVEL_SUITES.iter().copied().find(|s| t.trim_start_matches('@') == *s))
}

/// Exports a feature directly in `features/`, with the scenario vocabulary of the suite its
/// feature tag names.
pub fn export_top_level_feature(path: &Path) -> anyhow::Result<Vec<Case>> {
    let feature = Feature::parse_path(path, GherkinEnv::default())
        .map_err(|e| anyhow::anyhow!("{}: not a valid feature file: {e}", path.display()))?;
    match suite_of(&feature) {
        Some(das::DasScenario::SUITE) => export_suite_feature::<das::DasScenario>(path, &feature),
        Some(consensus::ConsensusScenario::SUITE) => {
            export_suite_feature::<consensus::ConsensusScenario>(path, &feature)
        }
        Some(refute::RefuteScenario::SUITE) => export_suite_feature::<refute::RefuteScenario>(path, &feature),
        _ => bail!(
            "{}: a feature outside features/<suite>/ names its suite with a feature tag (`@refute`, `@das`, `@consensus`)",
            display_path(path)
        ),
    }
}

/// Exports the scenarios of a feature file of suite `S`: each goes to the handler its When
/// step asks for, named `scenario_<slug>`.
fn export_suite_feature<S: SuiteScenario>(path: &Path, feature: &Feature) -> anyhow::Result<Vec<Case>> {
    let shown = display_path(path);
    let mut cases = Vec::new();
    for concrete in concrete(feature) {
        let at = format!("{shown}:{}", concrete.line);
        let scenario: S = build(&concrete).map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        let provenance =
            Provenance { feature: Some(at.clone()), scenario: Some(concrete.title.clone()), ..Provenance::default() };
        let mut tags = concrete.tags.clone();
        tags.push("scenario".to_owned());
        let vector = scenario
            .vector(&format!("scenario_{}", concrete.name), &concrete.title, &tags, provenance)
            .map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        let result = S::expected(&vector);
        for expectation in scenario.expectations() {
            if let Err(e) = S::check(expectation, &vector, &result) {
                bail!("{at}: the reference does not satisfy this scenario: {e}");
            }
        }
        let case = S::case(vector);
        case.check().map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        cases.push(case);
    }
    Ok(cases)
}

/// Exports one feature file's scenarios.
pub fn export_feature(path: &Path) -> anyhow::Result<Vec<Case>> {
    let feature = Feature::parse_path(path, GherkinEnv::default())
        .map_err(|e| anyhow::anyhow!("{}: not a valid feature file: {e}", path.display()))?;
    let stem = path.file_stem().map(|s| slug(&s.to_string_lossy())).unwrap_or_default();
    let handler = format!("scenario_{stem}");
    let shown = display_path(path);
    let mut cases = Vec::new();
    for concrete in concrete(&feature) {
        let at = format!("{shown}:{}", concrete.line);
        let scenario: VmScenario = build(&concrete).map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        let provenance =
            Provenance { feature: Some(at.clone()), scenario: Some(concrete.title.clone()), ..Provenance::default() };
        let mut spec = scenario
            .spec(&handler, &concrete.name, &concrete.title, provenance)
            .map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        spec.tags = concrete.tags.clone();
        spec.tags.push("scenario".to_owned());
        let case = spec.fill().map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        let Case::Vm(v) = &case else { bail!("{at}: a VM scenario made a case of another suite") };
        let (result, memory) = (v.expected(), v.config.initial_memory());
        for expectation in &scenario.expectations {
            if let Err(e) = expectation.check(&result, &memory, v.config.gas_limit.0) {
                bail!("{at}: the reference does not satisfy this scenario: {e}");
            }
        }
        cases.push(case);
    }
    Ok(cases)
}

/// A path as written in provenance: relative, with `/`, from the `features` directory up.
fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    match text.rfind("features/") {
        Some(at) => text[at..].to_owned(),
        None => text,
    }
}
