//! `orsma client`: the reference, served over client protocol v1.
//!
//! Long-lived mode reads requests from stdin and writes one response line per request to
//! stdout until `shutdown` or end of input. One-shot mode reads one request from a file and
//! writes its response to another. Faults (for testing harnesses, including this one) make
//! the server crash, hang, print garbage, claim fewer handlers, refuse some, or answer wrongly.

use std::io::{self, BufRead, Write};
use std::path::Path;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::protocol::{self, HelloParams, HelloResult, PROTOCOL};
use super::reference_hello;
use crate::case::consensus::{
    ConsensusRequest, ConsensusResult, EvidenceErrorCode, EvidencePost, OutputSpec, StepPost, TendermintErrorCode,
};
use crate::case::das::{
    DasRequest, DasResult, FraudErrorCode, FraudProofPost, RepairPost, SamplingPost, ShareProofErrorCode,
    ShareProofPost,
};
use crate::case::refute::{ProofErrorCode, RefuteRequest, RefuteResult, StepProofPost};
use crate::case::vm::VmRequest;
use crate::case::{CaseError, HashHex, Int, Uint};
use crate::reference;

/// Misbehaviours to inject, for testing a harness against a faulty client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Exit with status 3 on receiving the n-th `run` (from 1).
    pub crash_at: Option<u64>,
    /// Never answer the n-th `run`.
    pub hang_at: Option<u64>,
    /// Answer the n-th `run` with a line that is not JSON.
    pub garbage_at: Option<u64>,
    /// Claim only these VM handlers in `hello`.
    pub claim: Option<Vec<String>>,
    /// Claim everything but refuse these VM handlers as unsupported.
    pub refuse: Vec<String>,
    /// Report one more unit of gas than was used.
    pub wrong_gas: bool,
    /// Leave `gas_used` out of every result (a malformed result).
    pub missing_gas: bool,
    /// Report a wrong commitment in refute, das and consensus results: the last state's
    /// `memory_root` and `commitment`, a proof's `post`, a game's `claim`; a square's last row
    /// root and data root, a share proof's first path hash, a repaired square's data root, a
    /// sample's row, a probability off by 10⁻⁶; the signature of a Tendermint node's first
    /// broadcast message, the first priority after a proposer case's last call.
    pub wrong_commitment: bool,
    /// Report another error code for a rejected proof (refute and das), another fraud for a
    /// valid fraud proof, another code for a Tendermint node's first rejected input and for
    /// rejected evidence.
    pub wrong_error_code: bool,
}

impl Faults {
    /// Parses `KEY[=VALUE]` specs: `crash-at=N`, `hang-at=N`, `garbage-at=N`,
    /// `claim=H,H`, `refuse=H,H`, `wrong-gas`, `missing-gas`, `wrong-commitment`,
    /// `wrong-error-code`.
    pub fn parse(specs: &[String]) -> Result<Faults, String> {
        let mut faults = Faults::default();
        for spec in specs {
            let (key, value) = spec.split_once('=').map_or((spec.as_str(), ""), |(k, v)| (k, v));
            let number = || value.parse::<u64>().map_err(|_| format!("fault `{spec}` needs a number: {key}=N"));
            let list = || value.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect::<Vec<_>>();
            match key {
                "crash-at" => faults.crash_at = Some(number()?),
                "hang-at" => faults.hang_at = Some(number()?),
                "garbage-at" => faults.garbage_at = Some(number()?),
                "claim" => faults.claim = Some(list()),
                "refuse" => faults.refuse = list(),
                "wrong-gas" => faults.wrong_gas = true,
                "missing-gas" => faults.missing_gas = true,
                "wrong-commitment" => faults.wrong_commitment = true,
                "wrong-error-code" => faults.wrong_error_code = true,
                _ => {
                    return Err(format!(
                        "unknown fault `{key}` (known: crash-at, hang-at, garbage-at, claim, refuse, wrong-gas, missing-gas, wrong-commitment, wrong-error-code)"
                    ));
                }
            }
        }
        Ok(faults)
    }

    fn hello(&self) -> HelloResult {
        let mut hello = reference_hello();
        if let Some(handlers) = &self.claim {
            hello.suites.insert("vm".to_owned(), handlers.clone());
        }
        if *self != Faults::default() {
            hello.client.name.push_str(" (with faults)");
        }
        hello
    }
}

/// What the server does with one line.
enum Action {
    /// Write this line (a response, or garbage when a fault says so).
    Respond(String),
    Exit(i32),
    Hang,
}

/// A request as read, with its params left unparsed until the method is known.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest<'a> {
    #[serde(borrow)]
    jsonrpc: Cow<'a, str>,
    id: u64,
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(default, borrow)]
    params: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRunParams<'a> {
    #[serde(borrow)]
    case: &'a RawValue,
    trace: bool,
}

/// Just the suite of a case, to tell an unsupported suite from a malformed case.
#[derive(Deserialize)]
struct SuiteProbe<'a> {
    #[serde(borrow)]
    suite: Cow<'a, str>,
}

#[derive(Serialize)]
struct OkLine<'a, T: Serialize> {
    jsonrpc: &'static str,
    id: u64,
    result: &'a T,
}

fn ok_line<T: Serialize>(id: u64, result: &T) -> Action {
    Action::Respond(serde_json::to_string(&OkLine { jsonrpc: protocol::JSONRPC, id, result }).unwrap_or_default())
}

fn error_line(id: Value, code: i64, message: impl Into<String>) -> Action {
    Action::Respond(serde_json::to_string(&protocol::error(id, code, message)).unwrap_or_default())
}

/// The server's state across requests.
#[derive(Debug, Default)]
pub struct Server {
    faults: Faults,
    runs: u64,
    shut_down: bool,
}

impl Server {
    /// A server with these faults.
    pub fn new(faults: Faults) -> Server {
        Server { faults, runs: 0, shut_down: false }
    }

    fn handle(&mut self, line: &str) -> Action {
        let request: RawRequest<'_> = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                return match serde_json::from_str::<Value>(line) {
                    Err(_) => error_line(Value::Null, protocol::PARSE_ERROR, format!("not JSON: {e}")),
                    Ok(value) => {
                        let id = value.get("id").cloned().unwrap_or(Value::Null);
                        error_line(id, protocol::INVALID_REQUEST, format!("not a request: {e}"))
                    }
                };
            }
        };
        let id = request.id;
        if request.jsonrpc != protocol::JSONRPC {
            return error_line(id.into(), protocol::INVALID_REQUEST, "`jsonrpc` must be \"2.0\"");
        }
        let params = request.params.map_or("null", RawValue::get);
        match request.method.as_ref() {
            "hello" => match serde_json::from_str::<HelloParams>(params) {
                Ok(params) if params.protocol == PROTOCOL => ok_line(id, &self.faults.hello()),
                Ok(params) => error_line(
                    id.into(),
                    protocol::INVALID_PARAMS,
                    format!("this client speaks {PROTOCOL}, not {}", params.protocol),
                ),
                Err(e) => error_line(id.into(), protocol::INVALID_PARAMS, e.to_string()),
            },
            "run" => self.run(id, params),
            "shutdown" => {
                self.shut_down = true;
                ok_line(id, &Value::Null)
            }
            other => error_line(id.into(), protocol::METHOD_NOT_FOUND, format!("unknown method `{other}`")),
        }
    }

    fn run(&mut self, id: u64, params: &str) -> Action {
        self.runs += 1;
        let n = Some(self.runs);
        if self.faults.crash_at == n {
            return Action::Exit(3);
        }
        if self.faults.hang_at == n {
            return Action::Hang;
        }
        if self.faults.garbage_at == n {
            return Action::Respond("this is not JSON, it is a fault injected with --fault garbage-at".to_owned());
        }
        let params: RawRunParams<'_> = match serde_json::from_str(params) {
            Ok(p) => p,
            Err(e) => return error_line(id.into(), protocol::INVALID_PARAMS, e.to_string()),
        };
        let suite = serde_json::from_str::<SuiteProbe<'_>>(params.case.get()).map(|p| p.suite.into_owned());
        match suite.as_deref() {
            Ok("refute") => return self.run_suite(&REFUTE, id, params.case.get(), params.trace),
            Ok("das") => return self.run_suite(&DAS, id, params.case.get(), params.trace),
            Ok("consensus") => return self.run_suite(&CONSENSUS, id, params.case.get(), params.trace),
            _ => {}
        }
        let request: VmRequest = match serde_json::from_str(params.case.get()) {
            Ok(r) => r,
            Err(e) => {
                return match suite {
                    Ok(suite) if suite != "vm" => {
                        error_line(id.into(), protocol::UNSUPPORTED, format!("suite `{suite}` is not supported"))
                    }
                    _ => error_line(id.into(), protocol::INVALID_PARAMS, format!("bad case: {e}")),
                };
            }
        };
        if request.suite != "vm" {
            return error_line(id.into(), protocol::UNSUPPORTED, format!("suite `{}` is not supported", request.suite));
        }
        if self.faults.refuse.contains(&request.handler) {
            return error_line(
                id.into(),
                protocol::UNSUPPORTED,
                format!("handler {} is refused by a fault", request.handler),
            );
        }
        match reference::run_vm(&request, params.trace) {
            Ok(mut result) => {
                if let (true, Some(gas)) = (self.faults.wrong_gas, result.post.gas_used.as_mut()) {
                    *gas = Uint(gas.0.wrapping_add(1));
                }
                if self.faults.missing_gas {
                    result.post.gas_used = None;
                }
                ok_line(id, &result)
            }
            Err(refused) => error_line(id.into(), protocol::INVALID_PARAMS, refused.to_string()),
        }
    }
}

/// A suite the server answers with the reference, without a trace (refute, das, consensus): how
/// to read its requests and name their handler, the reference's answer, and the faults to apply
/// to it.
struct Suite<R, T> {
    name: &'static str,
    read: fn(&str) -> Result<R, CaseError>,
    handler: fn(&R) -> &str,
    run: fn(&R) -> Result<T, reference::RefusedRequest>,
    corrupt: fn(&Faults, &mut T),
}

const REFUTE: Suite<RefuteRequest, RefuteResult> = Suite {
    name: "refute",
    read: RefuteRequest::from_json,
    handler: RefuteRequest::handler,
    run: reference::refute::run,
    corrupt: Faults::corrupt_refute,
};

const DAS: Suite<DasRequest, DasResult> = Suite {
    name: "das",
    read: DasRequest::from_json,
    handler: DasRequest::handler,
    run: reference::das::run,
    corrupt: Faults::corrupt_das,
};

const CONSENSUS: Suite<ConsensusRequest, ConsensusResult> = Suite {
    name: "consensus",
    read: ConsensusRequest::from_json,
    handler: ConsensusRequest::handler,
    run: reference::consensus::run,
    corrupt: Faults::corrupt_consensus,
};

impl Server {
    /// Answers a request of a suite without a trace (`client-protocol.md` §3.2).
    fn run_suite<R, T: Serialize>(&mut self, suite: &Suite<R, T>, id: u64, case: &str, trace: bool) -> Action {
        if trace {
            let message = format!("{} cases have no trace; send `trace: false`", suite.name);
            return error_line(id.into(), protocol::INVALID_PARAMS, message);
        }
        let request = match (suite.read)(case) {
            Ok(r) => r,
            Err(CaseError::Invalid(why)) if why.starts_with(&format!("unknown {} handler", suite.name)) => {
                return error_line(id.into(), protocol::UNSUPPORTED, why);
            }
            Err(e) => return error_line(id.into(), protocol::INVALID_PARAMS, format!("bad case: {e}")),
        };
        let handler = (suite.handler)(&request);
        if self.faults.refuse.iter().any(|h| h == handler) {
            return error_line(id.into(), protocol::UNSUPPORTED, format!("handler {handler} is refused by a fault"));
        }
        match (suite.run)(&request) {
            Ok(mut result) => {
                (suite.corrupt)(&self.faults, &mut result);
                ok_line(id, &result)
            }
            Err(refused) => error_line(id.into(), protocol::INVALID_PARAMS, refused.to_string()),
        }
    }
}

/// Flips the last bit of a hash: a wrong commitment.
fn flip(h: &mut HashHex) {
    if let Some(byte) = h.0.0.last_mut() {
        *byte ^= 1;
    }
}

impl Faults {
    /// Applies the das faults to a correct result.
    fn corrupt_das(&self, result: &mut DasResult) {
        if self.wrong_commitment {
            match result {
                DasResult::Extension(r) => {
                    if let Some(root) = r.post.row_roots.last_mut() {
                        flip(root);
                    }
                    flip(&mut r.post.data_root);
                }
                DasResult::ShareProof(r) => {
                    if let ShareProofPost::Proven { path, .. } = &mut r.post
                        && let Some(first) = path.first_mut()
                    {
                        flip(first);
                    }
                }
                DasResult::Repair(r) => {
                    if let RepairPost::Ok(repaired) = &mut r.post {
                        flip(&mut repaired.data_root);
                    }
                }
                DasResult::FraudProof(_) => {}
                DasResult::Sampling(r) => match &mut r.post {
                    SamplingPost::Coordinates(coordinates) => {
                        if let Some([row, _]) = coordinates.first_mut() {
                            *row = Uint(row.0 ^ 1);
                        }
                    }
                    SamplingPost::Probability(p) => p.0 = if p.0 > 0.5 { p.0 - 1e-6 } else { p.0 + 1e-6 },
                },
            }
        }
        if self.wrong_error_code {
            match result {
                DasResult::ShareProof(r) => {
                    if let ShareProofPost::Invalid { code } = &mut r.post {
                        *code = if *code == ShareProofErrorCode::BadPath {
                            ShareProofErrorCode::OutOfRange
                        } else {
                            ShareProofErrorCode::BadPath
                        };
                    }
                }
                DasResult::FraudProof(r) => match &mut r.post {
                    FraudProofPost::Error(rejected) => {
                        rejected.code = if rejected.code == FraudErrorCode::Decode {
                            FraudErrorCode::BadShare
                        } else {
                            FraudErrorCode::Decode
                        };
                    }
                    FraudProofPost::Ok(shown) => {
                        shown.fraud = match shown.fraud {
                            crate::case::das::FraudCode::NotACodeword => crate::case::das::FraudCode::RootMismatch,
                            crate::case::das::FraudCode::RootMismatch => crate::case::das::FraudCode::NotACodeword,
                        };
                    }
                },
                _ => {}
            }
        }
    }

    /// Applies the consensus faults to a correct result.
    fn corrupt_consensus(&self, result: &mut ConsensusResult) {
        if self.wrong_commitment {
            match result {
                ConsensusResult::Tendermint(r) => {
                    let signed = r.post.steps.iter_mut().find_map(|step| match step {
                        StepPost::Outputs(outputs) => outputs.iter_mut().find_map(|o| match o {
                            OutputSpec::Proposal(p) => Some(&mut p.signature),
                            OutputSpec::Vote(v) => Some(&mut v.signature),
                            _ => None,
                        }),
                        StepPost::Error(_) => None,
                    });
                    if let Some(byte) = signed.and_then(|s| s.0.last_mut()) {
                        *byte ^= 1;
                    }
                }
                ConsensusResult::Proposer(r) => {
                    if let Some(first) = r.post.calls.last_mut().and_then(|c| c.priorities.first_mut()) {
                        *first = Int(first.0.wrapping_add(1));
                    }
                }
                ConsensusResult::Evidence(_) => {}
            }
        }
        if self.wrong_error_code {
            match result {
                ConsensusResult::Tendermint(r) => {
                    let code = r.post.steps.iter_mut().find_map(|step| match step {
                        StepPost::Error(code) => Some(code),
                        StepPost::Outputs(_) => None,
                    });
                    if let Some(code) = code {
                        *code = if *code == TendermintErrorCode::BadSignature {
                            TendermintErrorCode::UnknownValidator
                        } else {
                            TendermintErrorCode::BadSignature
                        };
                    }
                }
                ConsensusResult::Evidence(r) => {
                    if let EvidencePost::Invalid(rejected) = &mut r.post {
                        rejected.code = if rejected.code == EvidenceErrorCode::BadSignature {
                            EvidenceErrorCode::DifferentSlot
                        } else {
                            EvidenceErrorCode::BadSignature
                        };
                    }
                }
                ConsensusResult::Proposer(_) => {}
            }
        }
    }

    /// Applies the refute faults to a correct result.
    fn corrupt_refute(&self, result: &mut RefuteResult) {
        if self.wrong_commitment {
            match result {
                RefuteResult::Commitment(r) => {
                    if let Some(state) = r.post.states.last_mut() {
                        flip(&mut state.memory_root);
                        flip(&mut state.commitment);
                    }
                }
                RefuteResult::StepProof(r) => match &mut r.post {
                    StepProofPost::Proven { post, .. } | StepProofPost::Accepted { post } => flip(post),
                    StepProofPost::Rejected { .. } => {}
                },
                RefuteResult::Bisection(r) => flip(&mut r.post.claim),
            }
        }
        if let (true, RefuteResult::StepProof(r)) = (self.wrong_error_code, result)
            && let StepProofPost::Rejected { code } = &mut r.post
        {
            *code = if *code == ProofErrorCode::Decode { ProofErrorCode::BadPath } else { ProofErrorCode::Decode };
        }
    }
}

/// Serves requests line by line until `shutdown` or the end of `input`. A line that is not
/// UTF-8, or longer than the protocol's limit, is answered with a parse error.
pub fn serve(mut input: impl BufRead, mut output: impl Write, faults: Faults) -> io::Result<i32> {
    let mut server = Server::new(faults);
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        let limit = super::process::MAX_LINE as u64 + 1;
        if io::Read::take(&mut input, limit).read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        let action = match std::str::from_utf8(&bytes) {
            _ if bytes.len() as u64 >= limit => {
                // Skip the rest of the over-long line before answering.
                while !bytes.ends_with(b"\n") {
                    bytes.clear();
                    if io::Read::take(&mut input, 1 << 16).read_until(b'\n', &mut bytes)? == 0 {
                        break;
                    }
                }
                error_line(Value::Null, protocol::PARSE_ERROR, "the line is longer than the protocol's limit")
            }
            Err(_) => error_line(Value::Null, protocol::PARSE_ERROR, "the line is not UTF-8"),
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => server.handle(line.trim_end()),
        };
        match action {
            Action::Respond(text) => writeln!(output, "{text}")?,
            Action::Exit(code) => return Ok(code),
            Action::Hang => loop {
                std::thread::park();
            },
        }
        output.flush()?;
        if server.shut_down {
            break;
        }
    }
    Ok(0)
}

/// Answers the one request in `request_path`, writing the response to `response_path`.
pub fn oneshot(request_path: &Path, response_path: &Path, faults: Faults) -> io::Result<i32> {
    let text = std::fs::read_to_string(request_path)?;
    let mut server = Server::new(faults);
    match server.handle(text.trim()) {
        Action::Respond(text) => {
            std::fs::write(response_path, format!("{text}\n"))?;
            Ok(0)
        }
        Action::Exit(code) => Ok(code),
        Action::Hang => loop {
            std::thread::park();
        },
    }
}
