//! `orsma client`: serve the reference over client protocol v1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::client::serve::{self, Faults};

/// Serve the reference implementation over client protocol v1.
///
/// With no arguments, reads JSON-RPC requests from stdin, one per line, and answers each on
/// stdout until `shutdown` or end of input (the long-lived mode). With REQUEST and RESPONSE,
/// answers the one request in the REQUEST file into the RESPONSE file (the one-shot mode).
///
/// `orsma conformance --client "orsma client"` checks the reference against itself over the
/// protocol; docs/spec/client-protocol.md describes every message.
#[derive(Debug, Args)]
pub(crate) struct ClientArgs {
    /// One-shot mode: the file holding one request.
    #[arg(requires = "response")]
    request: Option<PathBuf>,
    /// One-shot mode: the file to write the response to.
    response: Option<PathBuf>,
    /// Misbehave on purpose, to test a harness: crash-at=N, hang-at=N, garbage-at=N,
    /// claim=H,H, refuse=H,H, wrong-gas, missing-gas (repeatable).
    #[arg(long = "fault", value_name = "FAULT", hide = true)]
    faults: Vec<String>,
}

pub(crate) fn run(args: ClientArgs) -> anyhow::Result<ExitCode> {
    let faults = Faults::parse(&args.faults).map_err(anyhow::Error::msg)?;
    let code = match (&args.request, &args.response) {
        (Some(request), Some(response)) => serve::oneshot(request, response, faults)?,
        _ => serve::serve(std::io::stdin().lock(), std::io::stdout().lock(), faults)?,
    };
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
