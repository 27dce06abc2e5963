//! The orsma harness: the library behind the `orsma` command.
//!
//! - [`case`]: the case model and vector format (schema types, apart from the runner).
//! - [`vectors`]: generating, writing, verifying and exporting vector trees.
//! - [`reference`]: the reference answering cases in process.
//! - [`client`]: client protocol v1, external clients as processes, and `orsma client`.
//! - [`runner`]: selection, workers, verdicts, expected failures, coverage.
//! - [`diff`], [`report`]: field-level diffs and pretty / JSON / JUnit reports.
//! - [`diagnose`]: the first step where a client's trace leaves the reference's, by bisection.
//! - [`scenario`]: Gherkin scenarios as cases (shared by cucumber and the exporter).
//! - [`schema`]: JSON Schema validation of vectors.
//! - `cli`: the command line.

pub mod case;
pub mod cli;
pub mod client;
pub mod diagnose;
pub mod diff;
pub mod reference;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod schema;
pub mod vectors;
