//! Targets: what answers cases. The reference answers in process; any other client answers
//! over client protocol v1 as a long-lived child process ([`process::Persistent`]) or one
//! process per request ([`process::OneShot`]).
//!
//! The harness compares; a target only reports.

use std::collections::BTreeMap;

use crate::case::Case;
use crate::case::consensus::ConsensusResult;
use crate::case::das::DasResult;
use crate::case::refute::RefuteResult;
use crate::case::vm::VmResult;
use crate::reference;

pub mod process;
pub mod protocol;
pub mod serve;

use protocol::{HelloResult, PROTOCOL, Software};

/// A target's answer to one case.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// The case ran; here is what came out.
    Ran(CaseResult),
    /// The target does not support this case (it is skipped, never failed).
    Unsupported(String),
    /// The target tried and could not run the case.
    Failed(String),
}

/// A result of any suite.
#[derive(Clone, Debug, PartialEq)]
pub enum CaseResult {
    /// A VM result.
    Vm(VmResult),
    /// A refute result.
    Refute(RefuteResult),
    /// A das result.
    Das(DasResult),
    /// A consensus result.
    Consensus(ConsensusResult),
}

/// Why a target gave no usable answer at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientFailure {
    /// The process exited (or could not be started again).
    #[error("the client crashed: {0}")]
    Crashed(String),
    /// No answer within the time limit; the process was killed.
    #[error("the client did not answer within {0} s and was killed")]
    Timeout(u64),
    /// The client printed something that is not a response to this request.
    #[error("the client printed garbage ({why}): {line}")]
    Garbage {
        /// What is wrong with it.
        why: String,
        /// The offending line (clipped).
        line: String,
    },
    /// A well-formed response whose result does not have the shape the spec gives.
    #[error("the client's result is malformed: {0}")]
    Malformed(String),
}

/// The raw lines of one exchange, kept for reports and reproduction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// The request line sent.
    pub request: String,
    /// The response line received, if any.
    pub response: Option<String>,
    /// The client's stderr while it handled the request (last lines).
    pub stderr: Vec<String>,
}

/// One case's exchange with a target.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The answer, or why there is none.
    pub reply: Result<Reply, ClientFailure>,
    /// The raw lines, for targets that have them.
    pub transcript: Option<Transcript>,
}

/// Something that answers cases.
pub trait Target: Send {
    /// Who it is and what it supports (from `hello`).
    fn hello(&self) -> &HelloResult;

    /// Runs one case, asking for a trace if `trace` (only when the target can trace).
    fn run(&mut self, case: &Case, trace: bool) -> Exchange;
}

/// What the reference says in `hello`.
pub fn reference_hello() -> HelloResult {
    HelloResult {
        protocol: PROTOCOL.to_owned(),
        client: Software { name: "orsma-reference".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() },
        suites: BTreeMap::from([
            ("consensus".to_owned(), vec!["*".to_owned()]),
            ("das".to_owned(), vec!["*".to_owned()]),
            ("refute".to_owned(), vec!["*".to_owned()]),
            ("vm".to_owned(), vec!["*".to_owned()]),
        ]),
        capabilities: vec!["trace".to_owned()],
    }
}

/// The reference, in process.
#[derive(Debug)]
pub struct Reference {
    hello: HelloResult,
}

impl Default for Reference {
    fn default() -> Reference {
        Reference { hello: reference_hello() }
    }
}

impl Target for Reference {
    fn hello(&self) -> &HelloResult {
        &self.hello
    }

    fn run(&mut self, case: &Case, trace: bool) -> Exchange {
        // A parsed case has passed its checks, so the configuration runs as it is, uncopied.
        let reply = match case {
            Case::Vm(v) => match reference::run_config(&v.config, v.steps.iter().map(|s| s.input), trace) {
                Ok(result) => Reply::Ran(CaseResult::Vm(result)),
                Err(refused) => Reply::Failed(refused.to_string()),
            },
            Case::Refute(v) => match reference::refute::run_vector(v) {
                Ok(result) => Reply::Ran(CaseResult::Refute(result)),
                Err(refused) => Reply::Failed(refused.to_string()),
            },
            Case::Das(v) => match reference::das::run_vector(v) {
                Ok(result) => Reply::Ran(CaseResult::Das(result)),
                Err(refused) => Reply::Failed(refused.to_string()),
            },
            Case::Consensus(v) => match reference::consensus::run_vector(v) {
                Ok(result) => Reply::Ran(CaseResult::Consensus(result)),
                Err(refused) => Reply::Failed(refused.to_string()),
            },
        };
        Exchange { reply: Ok(reply), transcript: None }
    }
}
