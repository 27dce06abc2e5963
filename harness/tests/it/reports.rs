//! Snapshots of the pretty, JUnit and JSON reports of a fixed run, made in process with a
//! target that fails, errors and refuses some cases on purpose.

use harness::case::Case;
use harness::case::vm::OutcomeSpec;
use harness::client::protocol::HelloResult;
use harness::client::{CaseResult, ClientFailure, Exchange, Reference, Reply, Target};
use harness::report::{Format, render};
use harness::runner::{self, Options, Quiet, Selection, XfailList};

/// The reference, except: `li` cases report one more step, `neg` cases are refused, the
/// `not_0` case crashes, and `mov_self` cannot be run.
struct Flawed {
    hello: HelloResult,
}

impl Target for Flawed {
    fn hello(&self) -> &HelloResult {
        &self.hello
    }

    fn run(&mut self, case: &Case, trace: bool) -> Exchange {
        let id = case.id().case;
        if id.starts_with("neg_") {
            return Exchange { reply: Ok(Reply::Unsupported("neg is not implemented".into())), transcript: None };
        }
        if id == "not_0" {
            return Exchange {
                reply: Err(ClientFailure::Crashed("it exited with status 101".into())),
                transcript: None,
            };
        }
        if id == "mov_self" {
            return Exchange { reply: Ok(Reply::Failed("error -32001: out of memory".into())), transcript: None };
        }
        let mut exchange = Reference::default().run(case, trace);
        if let (true, Ok(Reply::Ran(CaseResult::Vm(result)))) = (id.starts_with("li_"), &mut exchange.reply) {
            if let Some(steps) = result.post.steps.as_mut() {
                steps.0 += 1;
            }
            if let OutcomeSpec::Halted { value } = &mut result.post.outcome {
                value.0 = value.0.wrapping_add(1);
            }
        }
        exchange
    }
}

fn fixed_run() -> runner::RunReport {
    let cases = harness::vectors::load(&super::repo().join("vectors"))
        .expect("committed vectors load")
        .into_iter()
        .map(|l| l.case)
        .collect();
    let selection = Selection { handlers: vec!["move".into()], ..Selection::default() };
    let cases = selection.apply(cases);
    let mut hello = harness::client::reference_hello();
    hello.client.name = "flawed-test-client".into();
    hello.capabilities.clear();
    let xfails = XfailList::parse("- case: vm/move/li_max\n  reason: known overflow bug\n").expect("valid list");
    let options = Options {
        jobs: 2,
        fail_fast: false,
        diagnose: false,
        trace_all: false,
        artifacts: None,
        repro: "orsma conformance --client flawed --case {case}".into(),
    };
    runner::run(&cases, &hello.clone(), || Ok(Flawed { hello: hello.clone() }), &options, &xfails, &Quiet)
        .expect("runs")
}

#[test]
fn pretty_report() {
    insta::assert_snapshot!(render(&fixed_run(), Format::Pretty));
}

#[test]
fn junit_report() {
    insta::assert_snapshot!(render(&fixed_run(), Format::Junit));
}

#[test]
fn json_report() {
    let report = fixed_run();
    assert!(!report.passed());
    insta::assert_snapshot!(render(&report, Format::Json));
}
