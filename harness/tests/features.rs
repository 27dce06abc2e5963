//! Runs the Gherkin features in `features/<suite>/*.feature` (the VM suite) and
//! `features/*.feature` (a feature tag names the suite: `@refute`, `@das`, `@consensus`) with
//! cucumber.
//!
//! Each scenario builds a case with the step vocabulary of `harness::scenario` (the same one
//! the vector exporter uses) and runs it through a target: the reference in process, or the
//! client named by `ORSMA_CLIENT` (a command line speaking client protocol v1, run from the
//! repository root), so the same feature files check any implementation. Steps never sleep.
//!
//! The binary speaks enough of libtest's command line for `cargo nextest` and `cargo test`:
//! `--list --format terse` lists one test per feature file, and a name (with `--exact`)
//! runs that feature. Unknown, skipped or failed steps fail it.

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a test runner reports on stdout and stderr")]

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use cucumber::codegen::WorldInventory;
use cucumber::gherkin::Step;
use cucumber::writer::Stats;
use cucumber::{World, cli, given, then, when};
use harness::case::Case;
use harness::case::vm::VmResult;
use harness::client::process::{ClientCommand, Persistent};
use harness::client::{CaseResult, Reference, Reply, Target};
use harness::scenario::consensus::ConsensusScenario;
use harness::scenario::das::DasScenario;
use harness::scenario::refute::RefuteScenario;
use harness::scenario::vm::{Keyword, VmScenario};
use harness::scenario::{Steps, SuiteScenario};
use tokio::runtime::Runtime;

/// The environment variable naming an external client to run the scenarios against.
const CLIENT_VAR: &str = "ORSMA_CLIENT";

/// One client process shared by every scenario of the run (scenarios may run concurrently;
/// the lock serialises them).
static CLIENT: LazyLock<Mutex<Option<Persistent>>> = LazyLock::new(|| Mutex::new(None));

/// A finished run: the result, the initial memory and the gas limit it ran with.
type Run = (VmResult, Vec<i64>, u64);

#[derive(Debug, Default, World)]
struct VmWorld {
    scenario: VmScenario,
    /// The result of running the case, once a Then step asked for it.
    result: Option<Result<Run, String>>,
}

/// Applies a step to the scenario being built; a step that does not apply fails the scenario.
fn apply(scenario: &mut impl Steps, keyword: Keyword, step: &Step) {
    if let Err(e) = scenario.apply(keyword, &step.value, step.docstring.as_deref()) {
        panic!("{e}");
    }
}

/// Runs `case` on the named client, or on the reference when `ORSMA_CLIENT` names none.
fn exchange(case: &Case) -> Result<Reply, String> {
    let exchange = match std::env::var(CLIENT_VAR) {
        Ok(command) if !command.trim().is_empty() => run_on_client(&command, case)?,
        _ => Reference::default().run(case, false),
    };
    exchange.reply.map_err(|e| e.to_string())
}

/// A target's reply as a result, or why it is none.
fn ran(reply: Reply) -> Result<CaseResult, String> {
    match reply {
        Reply::Ran(result) => Ok(result),
        Reply::Unsupported(why) => Err(format!("the client does not support this scenario: {why}")),
        Reply::Failed(why) => Err(format!("the client could not run this scenario: {why}")),
    }
}

const OTHER_SUITE: &str = "the target answered with a result of another suite";

impl VmWorld {
    /// Runs the case the scenario built, once, on the reference or the named client.
    fn run(&mut self) -> Result<Run, String> {
        if let Some(result) = &self.result {
            return result.clone();
        }
        let result = (|| {
            let spec = self
                .scenario
                .spec(
                    "scenario",
                    "scenario",
                    "a scenario run by cucumber",
                    harness::case::Provenance::generated("cucumber", 0),
                )
                .map_err(|e| e.to_string())?;
            let config = spec.config();
            let case = spec.fill().map_err(|e| e.to_string())?;
            match ran(exchange(&case)?)? {
                CaseResult::Vm(result) => Ok((result, config.initial_memory(), config.gas_limit.0)),
                _ => Err(OTHER_SUITE.to_owned()),
            }
        })();
        self.result = Some(result.clone());
        result
    }
}

fn run_on_client(command: &str, case: &Case) -> Result<harness::client::Exchange, String> {
    let mut slot = CLIENT.lock().map_err(|_| "the client lock is poisoned".to_owned())?;
    if slot.is_none() {
        let command = ClientCommand {
            command: command.to_owned(),
            timeout: Duration::from_secs(10),
            hello_timeout: Duration::from_secs(30),
        };
        *slot = Some(Persistent::start(command).map_err(|e| e.to_string())?);
    }
    let client = slot.as_mut().ok_or("no client")?;
    Ok(client.run(case, false))
}

/// A finished run of a suite's scenario: the case it built and the result.
type SuiteResult<S> = Result<(<S as SuiteScenario>::Vector, <S as SuiteScenario>::Result), String>;

/// A scenario of a suite a feature tag names (refute, das, consensus): the case it builds, and
/// its result once a Then step asked for it.
#[derive(Debug)]
struct SuiteRun<S: SuiteScenario> {
    scenario: S,
    result: Option<SuiteResult<S>>,
}

impl<S: SuiteScenario> Default for SuiteRun<S> {
    fn default() -> Self {
        SuiteRun { scenario: S::default(), result: None }
    }
}

impl<S: SuiteScenario> SuiteRun<S> {
    /// Builds the case (filled by the reference) and runs it, once, on the reference or the
    /// named client.
    fn run(&mut self) -> SuiteResult<S> {
        if let Some(result) = &self.result {
            return result.clone();
        }
        let result = (|| {
            let vector = self
                .scenario
                .vector(
                    "scenario",
                    "a scenario run by cucumber",
                    &[],
                    harness::case::Provenance::generated("cucumber", 0),
                )
                .map_err(|e| e.to_string())?;
            let result = ran(exchange(&S::case(vector.clone()))?)?;
            Ok((vector, S::result_of(result).ok_or(OTHER_SUITE)?))
        })();
        self.result = Some(result.clone());
        result
    }

    /// Applies a Then step and checks it against the result.
    fn then(&mut self, step: &Step) {
        apply(&mut self.scenario, Keyword::Then, step);
        let (vector, result) = match self.run() {
            Ok(run) => run,
            Err(e) => panic!("{e}"),
        };
        let checked = self.scenario.expectations().last().map(|e| S::check(e, &vector, &result));
        if let Some(Err(e)) = checked {
            panic!("{e}");
        }
    }
}

/// A refute scenario.
#[derive(Debug, Default, World)]
struct RefuteWorld(SuiteRun<RefuteScenario>);

/// A das scenario.
#[derive(Debug, Default, World)]
struct DasWorld(SuiteRun<DasScenario>);

/// A consensus scenario. Its When steps may follow Then steps (inputs, expectations, more
/// inputs): a step that changes the case drops the result, so that each Then step is checked
/// against a run of the inputs given so far.
#[derive(Debug, Default, World)]
struct ConsensusWorld(SuiteRun<ConsensusScenario>);

#[given(regex = r"^(.+)$")]
fn consensus_given(world: &mut ConsensusWorld, step: &Step) {
    apply(&mut world.0.scenario, Keyword::Given, step);
    world.0.result = None;
}

#[when(regex = r"^(.+)$")]
fn consensus_when(world: &mut ConsensusWorld, step: &Step) {
    apply(&mut world.0.scenario, Keyword::When, step);
    world.0.result = None;
}

#[then(regex = r"^(.+)$")]
fn consensus_then(world: &mut ConsensusWorld, step: &Step) {
    world.0.then(step);
}

#[given(regex = r"^(.+)$")]
fn das_given(world: &mut DasWorld, step: &Step) {
    apply(&mut world.0.scenario, Keyword::Given, step);
}

#[when(regex = r"^(.+)$")]
fn das_when(world: &mut DasWorld, step: &Step) {
    apply(&mut world.0.scenario, Keyword::When, step);
}

#[then(regex = r"^(.+)$")]
fn das_then(world: &mut DasWorld, step: &Step) {
    world.0.then(step);
}

#[given(regex = r"^(.+)$")]
fn refute_given(world: &mut RefuteWorld, step: &Step) {
    apply(&mut world.0.scenario, Keyword::Given, step);
}

#[when(regex = r"^(.+)$")]
fn refute_when(world: &mut RefuteWorld, step: &Step) {
    apply(&mut world.0.scenario, Keyword::When, step);
}

#[then(regex = r"^(.+)$")]
fn refute_then(world: &mut RefuteWorld, step: &Step) {
    world.0.then(step);
}

#[given(regex = r"^(.+)$")]
fn given(world: &mut VmWorld, step: &Step) {
    apply(&mut world.scenario, Keyword::Given, step);
}

#[when(regex = r"^(.+)$")]
fn when(world: &mut VmWorld, step: &Step) {
    apply(&mut world.scenario, Keyword::When, step);
}

#[then(regex = r"^(.+)$")]
fn then(world: &mut VmWorld, step: &Step) {
    apply(&mut world.scenario, Keyword::Then, step);
    let (result, memory, gas_limit) = match world.run() {
        Ok(run) => run,
        Err(e) => panic!("{e}"),
    };
    let checked = world.scenario.expectations.last().map(|e| e.check(&result, &memory, gas_limit));
    if let Some(Err(e)) = checked {
        panic!("{e}");
    }
}

/// `features/<suite>/<name>.feature` → test name `features::<suite>::<name>`, and
/// `features/<name>.feature` → `features::<name>`.
fn feature_files() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("features");
    let mut out = Vec::new();
    for file in harness::scenario::feature_files_in(&root).unwrap_or_default() {
        let stem = file.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        out.push((format!("features::{stem}"), file));
    }
    let Ok(suites) = std::fs::read_dir(&root) else { return out };
    for suite in suites.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()) {
        let suite_name = suite.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Ok(files) = std::fs::read_dir(&suite) else { continue };
        for file in files.filter_map(Result::ok).map(|e| e.path()) {
            if file.extension().is_some_and(|e| e == "feature") {
                let stem = file.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                out.push((format!("features::{suite_name}::{stem}"), file));
            }
        }
    }
    out.sort();
    out
}

/// The suite a top-level feature names with its feature tag.
fn suite_of(path: &Path) -> Option<&'static str> {
    let feature = gherkin::Feature::parse_path(path, gherkin::GherkinEnv::default()).ok()?;
    harness::scenario::suite_of(&feature)
}

/// Runs one feature file with the steps of world `W`: whether it failed, and how many steps
/// were skipped.
fn run_feature<W: World + WorldInventory + Debug>(runtime: &Runtime, path: &Path) -> (bool, usize) {
    let writer = runtime
        .block_on(W::cucumber().with_cli::<cli::Empty>(cli::Opts::default()).fail_on_skipped().run(path.to_path_buf()));
    (writer.execution_has_failed(), writer.skipped_steps())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Test binaries start in the package directory; `ORSMA_CLIENT` is written from the
    // repository root, as every other command in the docs is.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if let Err(e) = std::env::set_current_dir(&root) {
        eprintln!("cannot change to {}: {e}", root.display());
        return ExitCode::FAILURE;
    }
    let features = feature_files();
    if args.iter().any(|a| a == "--list") {
        if !args.iter().any(|a| a == "--ignored") {
            for (name, _) in &features {
                println!("{name}: test");
            }
        }
        return ExitCode::SUCCESS;
    }
    let exact = args.iter().any(|a| a == "--exact");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected: Vec<&(String, PathBuf)> = features
        .iter()
        .filter(|(name, _)| {
            filters.is_empty() || filters.iter().any(|f| if exact { name == *f } else { name.contains(f.as_str()) })
        })
        .collect();
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = Vec::new();
    for (name, path) in selected {
        // A feature directly under features/ belongs to the suite its feature tag names.
        let top_level = path.parent().and_then(Path::file_name).is_some_and(|d| d == "features");
        let suite = top_level.then(|| suite_of(path)).flatten();
        let (failed_run, skipped) = if suite == Some(DasScenario::SUITE) {
            run_feature::<DasWorld>(&runtime, path)
        } else if suite == Some(ConsensusScenario::SUITE) {
            run_feature::<ConsensusWorld>(&runtime, path)
        } else if top_level {
            run_feature::<RefuteWorld>(&runtime, path)
        } else {
            run_feature::<VmWorld>(&runtime, path)
        };
        if failed_run || skipped > 0 {
            failed.push(name.clone());
        }
    }
    if let Ok(mut slot) = CLIENT.lock() {
        slot.take();
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("failed: {}", failed.join(", "));
        ExitCode::FAILURE
    }
}
