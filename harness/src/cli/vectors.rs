//! `orsma vectors`: generate, verify, export and list conformance vectors.

#![allow(clippy::print_stderr, reason = "a command-line tool reports progress on stderr")]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use crate::case::Encoding;
use crate::runner::Selection;
use crate::vectors::{self, Sources};

#[derive(Debug, Subcommand)]
pub(crate) enum VectorsCommand {
    /// Regenerate the vector tree from the generators and the Gherkin features.
    ///
    /// Deterministic: the same seed and features give identical bytes. Vector files of
    /// cases that no longer exist are deleted.
    Generate(TreeArgs),
    /// Check the committed tree: it must equal a regeneration (with the seed its index
    /// records), its index and hashes must agree, and every vector must validate against its
    /// suite's JSON Schema.
    Verify(VerifyArgs),
    /// Write the vectors (or a selection) in YAML or JSON to a directory, for other runners.
    Export(ExportArgs),
    /// List case ids (with tags), one per line.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TreeArgs {
    /// The vector tree.
    #[arg(long, default_value = "vectors", value_name = "DIR")]
    dir: PathBuf,
    /// The generators' seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Gherkin features whose scenarios are exported as vectors too.
    #[arg(long, default_value = "features", value_name = "DIR")]
    features: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The vector tree.
    #[arg(long, default_value = "vectors", value_name = "DIR")]
    dir: PathBuf,
    /// The Gherkin features the tree's scenario vectors come from.
    #[arg(long, default_value = "features", value_name = "DIR")]
    features: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ExportFormat {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The vector tree to export from.
    #[arg(long, default_value = "vectors", value_name = "DIR")]
    dir: PathBuf,
    /// The output format.
    #[arg(long, value_enum, default_value = "yaml")]
    format: ExportFormat,
    /// Where to write `<suite>/<handler>/<case>.<yaml|json>` (and index.json).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Only case ids matching this glob (repeatable).
    #[arg(long = "case", value_name = "GLOB")]
    cases: Vec<String>,
    /// Only this handler (repeatable).
    #[arg(long = "handler", value_name = "HANDLER")]
    handlers: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The vector tree.
    #[arg(long, default_value = "vectors", value_name = "DIR")]
    dir: PathBuf,
    /// Only case ids matching this glob (repeatable).
    #[arg(long = "case", value_name = "GLOB")]
    cases: Vec<String>,
}

fn globs(patterns: &[String]) -> anyhow::Result<Vec<glob::Pattern>> {
    patterns.iter().map(|g| glob::Pattern::new(g).with_context(|| format!("`{g}` is not a valid glob"))).collect()
}

pub(crate) fn run(command: VectorsCommand) -> anyhow::Result<ExitCode> {
    match command {
        VectorsCommand::Generate(args) => {
            let sources = Sources { seed: args.seed, features: Some(args.features.clone()) };
            let cases = vectors::generate(&sources)?;
            let tree = vectors::render(&cases, args.seed);
            let (written, deleted) = vectors::write(&tree, &args.dir)?;
            outln!(
                "{} cases in {} ({written} file(s) written, {deleted} deleted, seed {})",
                cases.len(),
                args.dir.display(),
                args.seed
            );
            Ok(ExitCode::SUCCESS)
        }
        VectorsCommand::Verify(args) => {
            let index = vectors::read_index(&args.dir)?;
            let seed = index.seed.0;
            let sources = Sources { seed, features: Some(args.features.clone()) };
            let (count, mut problems) = vectors::verify(&args.dir, &sources)?;
            if problems.is_empty() {
                // The tree matches a regeneration; it must also load as a runner loads it.
                if let Err(e) = vectors::load(&args.dir) {
                    problems.push(vectors::Problem { path: "index.json".into(), what: format!("{e:#}") });
                }
            }
            if problems.is_empty() {
                outln!(
                    "{count} cases verified in {} (regeneration, index, hashes, schemas; seed {seed})",
                    args.dir.display()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                for problem in problems.iter().take(50) {
                    outln!("{}: {}", problem.path, problem.what);
                }
                if problems.len() > 50 {
                    outln!("… and {} more", problems.len() - 50);
                }
                outln!(
                    "\n{} problem(s). If the change is intended, run `orsma vectors generate` and commit the result.",
                    problems.len()
                );
                Ok(ExitCode::from(1))
            }
        }
        VectorsCommand::Export(args) => {
            let selection =
                Selection { cases: globs(&args.cases)?, handlers: args.handlers.clone(), ..Selection::default() };
            let loaded = vectors::load(&args.dir)?;
            let seed = vectors::read_index(&args.dir)?.seed.0;
            let cases: Vec<_> = selection.apply(loaded.into_iter().map(|l| l.case).collect());
            let encoding = match args.format {
                ExportFormat::Yaml => Encoding::Yaml,
                ExportFormat::Json => Encoding::Json,
            };
            let tree = vectors::render_as(&cases, seed, encoding);
            for (path, text) in &tree.files {
                let full = args.out.join(path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
                }
                std::fs::write(&full, text).with_context(|| format!("cannot write {}", full.display()))?;
            }
            outln!("{} cases exported to {}", cases.len(), args.out.display());
            Ok(ExitCode::SUCCESS)
        }
        VectorsCommand::List(args) => {
            let selection = Selection { cases: globs(&args.cases)?, ..Selection::default() };
            for entry in vectors::read_index(&args.dir)?.cases {
                if selection.cases.is_empty() || selection.cases.iter().any(|p| p.matches(&entry.id)) {
                    outln!("{}  [{}]", entry.id, entry.tags.join(", "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
