//! External clients as child processes: long-lived over stdin/stdout ([`Persistent`]) or one
//! process per request with files in and out ([`OneShot`]).
//!
//! Whatever the client does (exits, hangs, stops reading, prints garbage, writes megabytes
//! without a newline), the harness reports it and carries on: a dead or confused client is
//! killed with its whole process group and started again before the next case. Every wait
//! has a deadline and every buffer a bound.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
use rustix::process::{Pid, Signal, kill_process_group};
use serde::Serialize;
use serde_json::json;

use super::protocol::{self, HelloParams, HelloResult, PROTOCOL, RawResponse, RequestRef, RunParamsRef, Software};
use super::{CaseResult, ClientFailure, Exchange, Reply, Target, Transcript};
use crate::case::Case;
use crate::case::vm::VmResult;

/// The longest line a client may print (and the largest one-shot response file).
pub const MAX_LINE: usize = 64 << 20;
/// How many stderr lines are kept for reports.
const STDERR_KEEP: usize = 200;
/// How many bytes of one stderr line are kept; the rest of the line is dropped.
const STDERR_LINE: usize = 4096;

/// Why a client could not be started at all (this ends the run).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot start client `{command}`: {why}{}", stderr_note(.stderr))]
pub struct StartError {
    /// The command line.
    pub command: String,
    /// What went wrong.
    pub why: String,
    /// What the client printed on stderr.
    pub stderr: Vec<String>,
}

fn stderr_note(lines: &[String]) -> String {
    if lines.is_empty() { String::new() } else { format!("\nits stderr ended with:\n  {}", lines.join("\n  ")) }
}

/// How to start a client: a shell command line and time limits.
#[derive(Clone, Debug)]
pub struct ClientCommand {
    /// Run with `sh -c`, so quoting, `&&` and `cd` work as in a shell.
    pub command: String,
    /// How long a case may take.
    pub timeout: Duration,
    /// How long `hello` may take (start-up included).
    pub hello_timeout: Duration,
}

impl ClientCommand {
    /// `sh -c COMMAND`, in a process group of its own so that killing it kills everything it
    /// started.
    fn long_lived(&self) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&self.command).process_group(0);
        cmd
    }

    /// `sh -c 'COMMAND "$@"' sh ARGS…`: the arguments go after the command line.
    fn with_args(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(format!("{} \"$@\"", self.command)).arg("sh").args(args).process_group(0);
        cmd
    }
}

/// `now + timeout`, without overflowing on absurd timeouts.
fn deadline(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout).unwrap_or_else(|| now + Duration::from_secs(365 * 86_400))
}

/// Kills a child and everything in its process group, and reaps it.
fn kill(child: &mut Child) {
    let _ = kill_process_group(Pid::from_child(child), Signal::KILL);
    let _ = child.kill();
    let _ = child.wait();
}

/// Waits until `fd` is ready for `flags` or the deadline passes; `false` on the deadline.
fn wait_for(fd: impl std::os::fd::AsFd, flags: PollFlags, until: Instant) -> std::io::Result<bool> {
    loop {
        let Some(left) = until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) else {
            return Ok(false);
        };
        let timeout = Timespec {
            tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(left.subsec_nanos()),
        };
        let mut fds = [PollFd::new(&fd, flags)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) => return Ok(false),
            Ok(_) => return Ok(true),
            Err(e) if e == rustix::io::Errno::INTR => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// What the client's stdout gave when the harness waited for a line.
enum Line {
    Text(String),
    TooLong,
    NotUtf8(String),
    Closed,
    Timeout,
}

/// The client's stdout, read directly: waiting is a `poll` with the deadline, so there is no
/// reader thread between the client and the harness (each response costs one wake-up).
struct LineReader {
    stdout: ChildStdout,
    pending: Vec<u8>,
    /// How much of `pending` is known to hold no line break.
    scanned: usize,
}

impl LineReader {
    fn new(stdout: ChildStdout) -> LineReader {
        LineReader { stdout, pending: Vec::with_capacity(1 << 16), scanned: 0 }
    }

    fn read_line(&mut self, until: Instant) -> Line {
        let mut chunk = [0u8; 1 << 16];
        loop {
            if let Some(at) = self.pending[self.scanned..].iter().position(|&b| b == b'\n') {
                let end = self.scanned + at;
                let line: Vec<u8> = self.pending.drain(..=end).take(end).collect();
                self.scanned = 0;
                return match String::from_utf8(line) {
                    Ok(text) => Line::Text(text),
                    Err(e) => Line::NotUtf8(String::from_utf8_lossy(&e.into_bytes()[..]).chars().take(300).collect()),
                };
            }
            self.scanned = self.pending.len();
            if self.pending.len() > MAX_LINE {
                return Line::TooLong;
            }
            match wait_for(&self.stdout, PollFlags::IN, until) {
                Ok(true) => {}
                Ok(false) => return Line::Timeout,
                Err(_) => return Line::Closed,
            }
            match self.stdout.read(&mut chunk) {
                Ok(0) => return Line::Closed,
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted || e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => return Line::Closed,
            }
        }
    }
}

/// Writes all of `bytes` to a non-blocking pipe before `until`: a client that stops reading
/// its stdin cannot block the harness past the deadline.
fn write_by(stdin: &mut ChildStdin, mut bytes: &[u8], until: Instant) -> Result<(), bool> {
    while !bytes.is_empty() {
        match stdin.write(bytes) {
            Ok(0) => return Err(false),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => match wait_for(&*stdin, PollFlags::OUT, until) {
                Ok(true) => {}
                Ok(false) => return Err(true),
                Err(_) => return Err(false),
            },
            Err(_) => return Err(false),
        }
    }
    Ok(())
}

/// The last lines of a stream, with a running count so a caller can take "lines since".
#[derive(Default)]
struct Tail {
    lines: VecDeque<String>,
    total: u64,
}

type SharedTail = Arc<Mutex<Tail>>;

fn lines_since(tail: &SharedTail, mark: u64) -> Vec<String> {
    let Ok(tail) = tail.lock() else { return Vec::new() };
    let available = tail.lines.len() as u64;
    let skip = available.saturating_sub(tail.total.saturating_sub(mark));
    tail.lines.iter().skip(usize::try_from(skip).unwrap_or(usize::MAX)).cloned().collect()
}

fn mark(tail: &SharedTail) -> u64 {
    tail.lock().map_or(0, |t| t.total)
}

/// Reads a stream to its end on a thread, keeping the last lines, each cut to
/// [`STDERR_LINE`] bytes, so a client cannot grow the harness's memory through it.
fn drain(mut stream: impl Read + Send + 'static, tail: SharedTail) {
    thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        let mut line: Vec<u8> = Vec::new();
        let push = |line: &mut Vec<u8>| {
            let text = String::from_utf8_lossy(line).trim_end().to_owned();
            line.clear();
            if let Ok(mut tail) = tail.lock() {
                tail.lines.push_back(text);
                tail.total += 1;
                while tail.lines.len() > STDERR_KEEP {
                    tail.lines.pop_front();
                }
            }
        };
        loop {
            let n = match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            for &byte in &chunk[..n] {
                if byte == b'\n' {
                    push(&mut line);
                } else if line.len() < STDERR_LINE {
                    line.push(byte);
                }
            }
        }
        if !line.is_empty() {
            push(&mut line);
        }
    });
}

/// A client kept running across cases.
pub struct Persistent {
    command: ClientCommand,
    hello: HelloResult,
    running: Option<Running>,
}

impl std::fmt::Debug for Persistent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persistent").field("command", &self.command.command).finish()
    }
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    stdout: LineReader,
    stderr: SharedTail,
    /// The next request id for this process (ids start at 1 in every process).
    next_id: u64,
}

impl Persistent {
    /// Starts the client and exchanges `hello`.
    pub fn start(command: ClientCommand) -> Result<Persistent, StartError> {
        let (running, hello) = spawn_and_greet(&command)?;
        Ok(Persistent { command, hello, running: Some(running) })
    }

    /// Sends one request, waits for its response line, and interprets it with `interpret`.
    /// A client that crashed, hung, stopped reading or printed garbage is killed (and
    /// restarted next time).
    fn exchange<P: Serialize, T>(
        &mut self,
        method: &str,
        params: Option<P>,
        timeout: Duration,
        interpret: impl FnOnce(RawResponse<'_>) -> Result<T, ClientFailure>,
    ) -> (Result<T, ClientFailure>, Transcript) {
        let mut transcript = Transcript::default();
        if self.running.is_none() {
            match spawn_and_greet(&self.command) {
                Ok((running, _)) => self.running = Some(running),
                Err(e) => return (Err(ClientFailure::Crashed(format!("it could not be restarted: {e}"))), transcript),
            }
        }
        let Some(running) = self.running.as_mut() else {
            return (Err(ClientFailure::Crashed("it is not running".into())), transcript);
        };
        let id = running.next_id;
        running.next_id += 1;
        let line = request_line(id, method, params);
        let since = mark(&running.stderr);
        let result = send_and_wait(running, &line, timeout).and_then(|text| {
            // The response borrows from the line; the line then moves into the transcript.
            let interpreted = parse_response(&text, id).map(interpret);
            transcript.response = Some(text);
            interpreted
        });
        transcript.request = line;
        transcript.stderr = lines_since(&running.stderr, since);
        let result = match result {
            Ok(interpreted) => interpreted,
            Err(failure) => {
                // The stream is in an unknown state: start afresh before the next request.
                if let Some(mut dead) = self.running.take() {
                    kill(&mut dead.child);
                    transcript.stderr = lines_since(&dead.stderr, since);
                }
                Err(failure)
            }
        };
        (result, transcript)
    }
}

/// One request as a line of JSON.
fn request_line<P: Serialize>(id: u64, method: &str, params: Option<P>) -> String {
    serde_json::to_string(&RequestRef { jsonrpc: protocol::JSONRPC, id, method, params }).unwrap_or_default()
}

fn send_and_wait(running: &mut Running, line: &str, timeout: Duration) -> Result<String, ClientFailure> {
    let until = deadline(timeout);
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    match write_by(&mut running.stdin, &bytes, until) {
        Ok(()) => {}
        Err(true) => {
            return Err(ClientFailure::Timeout(timeout.as_secs()));
        }
        Err(false) => return Err(ClientFailure::Crashed(exit_description(&mut running.child))),
    }
    match running.stdout.read_line(until) {
        Line::Text(text) => Ok(text),
        Line::TooLong => Err(ClientFailure::Garbage {
            why: format!("a line longer than {MAX_LINE} bytes"),
            line: String::from_utf8_lossy(&running.stdout.pending[..300.min(running.stdout.pending.len())])
                .into_owned(),
        }),
        Line::NotUtf8(start) => Err(ClientFailure::Garbage { why: "a line that is not UTF-8".into(), line: start }),
        Line::Closed => Err(ClientFailure::Crashed(exit_description(&mut running.child))),
        Line::Timeout => Err(ClientFailure::Timeout(timeout.as_secs())),
    }
}

/// How a child ended, waiting briefly for it to do so.
fn exit_description(child: &mut Child) -> String {
    let until = Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return describe_status(status),
            Ok(None) if Instant::now() < until => thread::sleep(Duration::from_millis(5)),
            Ok(None) => return "it closed its stdout but did not exit".into(),
            Err(e) => return format!("its status is unknown: {e}"),
        }
    }
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(signal) = status.signal() {
        return format!("it was killed by signal {signal}");
    }
    match status.code() {
        Some(code) => format!("it exited with status {code}"),
        None => "it exited".into(),
    }
}

/// Reads a response line to request `id`: JSON-RPC 2.0, this id, exactly one of `result`
/// and `error`. Anything else is garbage.
fn parse_response(text: &str, id: u64) -> Result<RawResponse<'_>, ClientFailure> {
    let clip = |s: &str| s.chars().take(300).collect::<String>();
    let response: RawResponse<'_> = serde_json::from_str(text).map_err(|e| {
        let why = if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            format!("not a JSON-RPC response: {e}")
        } else {
            format!("not JSON: {e}")
        };
        ClientFailure::Garbage { why, line: clip(text) }
    })?;
    if response.jsonrpc != protocol::JSONRPC {
        return Err(ClientFailure::Garbage { why: "`jsonrpc` is not \"2.0\"".into(), line: clip(text) });
    }
    if response.id != json!(id) {
        return Err(ClientFailure::Garbage {
            why: format!("a response to request {} while waiting for {id}", response.id),
            line: clip(text),
        });
    }
    if response.result.is_some() == response.error.is_some() {
        return Err(ClientFailure::Garbage {
            why: "a response must have exactly one of `result` and `error`".into(),
            line: clip(text),
        });
    }
    Ok(response)
}

fn hello_params() -> HelloParams {
    HelloParams {
        protocol: PROTOCOL.to_owned(),
        harness: Software { name: "orsma".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() },
    }
}

fn spawn_and_greet(command: &ClientCommand) -> Result<(Running, HelloResult), StartError> {
    let start_error = |why: String, stderr: Vec<String>| StartError { command: command.command.clone(), why, stderr };
    let mut child = command
        .long_lived()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| start_error(format!("cannot run it: {e}"), Vec::new()))?;
    let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        kill(&mut child);
        return Err(start_error("its pipes could not be opened".into(), Vec::new()));
    };
    let nonblocking = fcntl_getfl(&stdin).and_then(|flags| fcntl_setfl(&stdin, flags | OFlags::NONBLOCK));
    if let Err(e) = nonblocking {
        kill(&mut child);
        return Err(start_error(format!("its stdin cannot be made non-blocking: {e}"), Vec::new()));
    }
    let tail = SharedTail::default();
    drain(stderr, Arc::clone(&tail));
    let mut running = Running { child, stdin, stdout: LineReader::new(stdout), stderr: tail, next_id: 2 };
    let line = request_line(1, "hello", Some(hello_params()));
    let hello = send_and_wait(&mut running, &line, command.hello_timeout)
        .map_err(|e| format!("hello failed: {e}"))
        .and_then(|text| {
            let response = parse_response(&text, 1).map_err(|e| format!("hello failed: {e}"))?;
            check_hello(response)
        });
    match hello {
        Ok(hello) => Ok((running, hello)),
        Err(why) => {
            kill(&mut running.child);
            Err(start_error(why, lines_since(&running.stderr, 0)))
        }
    }
}

fn check_hello(response: RawResponse<'_>) -> Result<HelloResult, String> {
    if let Some(error) = response.error {
        return Err(format!("hello returned error {}: {}", error.code, error.message));
    }
    let raw = response.result.map_or("null", |r| r.get());
    let hello: HelloResult = serde_json::from_str(raw).map_err(|e| format!("hello's result is malformed: {e}"))?;
    if hello.protocol != PROTOCOL {
        return Err(format!("it speaks protocol `{}`; this harness speaks {PROTOCOL}", hello.protocol));
    }
    Ok(hello)
}

/// Turns a response to `run` into a reply for `case`. A result of the wrong shape, or one
/// that breaks the rules of `vectors.md` §5 or CP-3.4, is `Malformed`: the client is confused
/// about this case, not about the protocol.
fn reply_of(
    response: RawResponse<'_>,
    case: &Case,
    trace: bool,
) -> Result<Result<Reply, ClientFailure>, ClientFailure> {
    if let Some(error) = response.error {
        return Ok(Ok(match error.code {
            protocol::UNSUPPORTED => Reply::Unsupported(error.message),
            code => Reply::Failed(format!("error {code}: {}", error.message)),
        }));
    }
    let raw = response.result.map_or("null", |r| r.get());
    Ok(match case {
        Case::Vm(v) => serde_json::from_str::<VmResult>(raw)
            .map_err(|e| e.to_string())
            .and_then(|result| result.check(v.steps.len(), trace).map(|()| result))
            .map(|r| Reply::Ran(CaseResult::Vm(r)))
            .map_err(ClientFailure::Malformed),
        // Refute results have no trace (CP-3.4 is about VM runs), so one is never asked for.
        Case::Refute(v) => {
            v.read_result(raw).map(|r| Reply::Ran(CaseResult::Refute(r))).map_err(ClientFailure::Malformed)
        }
        // Nor do das results: a das case is not a run.
        Case::Das(v) => v.read_result(raw).map(|r| Reply::Ran(CaseResult::Das(r))).map_err(ClientFailure::Malformed),
        // Nor do consensus results: a case's steps are its trace.
        Case::Consensus(v) => {
            v.read_result(raw).map(|r| Reply::Ran(CaseResult::Consensus(r))).map_err(ClientFailure::Malformed)
        }
    })
}

/// A request of any suite, serialised as that suite's request.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum RequestOf<'a> {
    Vm(crate::case::vm::VmRequestRef<'a>),
    Refute(serde_json::Value),
    Das(serde_json::Value),
    Consensus(serde_json::Value),
}

fn run_params(case: &Case, trace: bool) -> RunParamsRef<RequestOf<'_>> {
    match case {
        Case::Vm(v) => RunParamsRef { case: RequestOf::Vm(v.request_ref()), trace },
        Case::Refute(v) => RunParamsRef { case: RequestOf::Refute(v.request_json()), trace: false },
        Case::Das(v) => RunParamsRef { case: RequestOf::Das(v.request_json()), trace: false },
        Case::Consensus(v) => RunParamsRef { case: RequestOf::Consensus(v.request_json()), trace: false },
    }
}

impl Target for Persistent {
    fn hello(&self) -> &HelloResult {
        &self.hello
    }

    fn run(&mut self, case: &Case, trace: bool) -> Exchange {
        let timeout = self.command.timeout;
        let (reply, transcript) =
            self.exchange("run", Some(run_params(case, trace)), timeout, |r| reply_of(r, case, trace));
        Exchange { reply: reply.and_then(|inner| inner), transcript: Some(transcript) }
    }
}

impl Drop for Persistent {
    fn drop(&mut self) {
        if self.running.is_none() {
            return;
        }
        let (response, _) = self.exchange::<(), ()>("shutdown", None, Duration::from_secs(2), |_| Ok(()));
        if let Some(mut running) = self.running.take() {
            drop(running.stdin);
            if response.is_err() || running.child.try_wait().ok().flatten().is_none() {
                let until = Instant::now() + Duration::from_secs(2);
                while running.child.try_wait().ok().flatten().is_none() && Instant::now() < until {
                    thread::sleep(Duration::from_millis(5));
                }
            }
            kill(&mut running.child);
        }
    }
}

/// A client started afresh for every request: `CMD REQUEST_FILE RESPONSE_FILE`.
pub struct OneShot {
    command: ClientCommand,
    hello: HelloResult,
    dir: PathBuf,
    next_id: u64,
}

impl std::fmt::Debug for OneShot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneShot").field("command", &self.command.command).finish()
    }
}

static ONESHOT_DIRS: AtomicU64 = AtomicU64::new(0);

impl OneShot {
    /// Prepares a scratch directory and exchanges `hello` (the only time it is sent).
    pub fn start(command: ClientCommand) -> Result<OneShot, StartError> {
        let mut client = OneShot::without_hello(command, crate::client::reference_hello())?;
        let timeout = client.command.hello_timeout;
        let (hello, transcript) = client.exchange("hello", Some(hello_params()), timeout, |r| Ok(check_hello(r)));
        let why = match hello {
            Ok(Ok(hello)) => {
                client.hello = hello;
                return Ok(client);
            }
            Ok(Err(why)) => why,
            Err(failure) => format!("hello failed: {failure}"),
        };
        Err(StartError { command: client.command.command.clone(), why, stderr: transcript.stderr })
    }

    /// Another one-shot client for the same command (for another worker), with the `hello`
    /// this one already received.
    pub fn sibling(&self) -> Result<OneShot, StartError> {
        OneShot::without_hello(self.command.clone(), self.hello.clone())
    }

    fn without_hello(command: ClientCommand, hello: HelloResult) -> Result<OneShot, StartError> {
        let n = ONESHOT_DIRS.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("orsma-oneshot-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| StartError {
            command: command.command.clone(),
            why: format!("cannot create {}: {e}", dir.display()),
            stderr: Vec::new(),
        })?;
        Ok(OneShot { command, hello, dir, next_id: 1 })
    }

    fn exchange<P: Serialize, T>(
        &mut self,
        method: &str,
        params: Option<P>,
        timeout: Duration,
        interpret: impl FnOnce(RawResponse<'_>) -> Result<T, ClientFailure>,
    ) -> (Result<T, ClientFailure>, Transcript) {
        let id = self.next_id;
        self.next_id += 1;
        let line = request_line(id, method, params);
        let mut transcript = Transcript { request: line.clone(), ..Transcript::default() };
        let (request_file, response_file) =
            (self.dir.join(format!("request-{id}.json")), self.dir.join(format!("response-{id}.json")));
        let result = (|| {
            std::fs::write(&request_file, format!("{line}\n"))
                .map_err(|e| ClientFailure::Crashed(format!("cannot write the request file: {e}")))?;
            let _ = std::fs::remove_file(&response_file);
            let mut child = self
                .command
                .with_args(&[&request_file.to_string_lossy(), &response_file.to_string_lossy()])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| ClientFailure::Crashed(format!("cannot run it: {e}")))?;
            let tail = SharedTail::default();
            if let Some(stderr) = child.stderr.take() {
                drain(stderr, Arc::clone(&tail));
            }
            if let Some(stdout) = child.stdout.take() {
                drain(stdout, Arc::clone(&tail));
            }
            let until = deadline(timeout);
            let status = loop {
                match child.try_wait() {
                    Ok(Some(status)) => break status,
                    Ok(None) if Instant::now() < until => thread::sleep(Duration::from_millis(1)),
                    Ok(None) => {
                        kill(&mut child);
                        transcript.stderr = lines_since(&tail, 0);
                        return Err(ClientFailure::Timeout(timeout.as_secs()));
                    }
                    Err(e) => return Err(ClientFailure::Crashed(format!("its status is unknown: {e}"))),
                }
            };
            transcript.stderr = lines_since(&tail, 0);
            if !status.success() {
                return Err(ClientFailure::Crashed(describe_status(status)));
            }
            let size = std::fs::metadata(&response_file).map(|m| m.len()).map_err(|_| ClientFailure::Garbage {
                why: "it exited 0 without writing the response file".into(),
                line: String::new(),
            })?;
            if size > MAX_LINE as u64 {
                return Err(ClientFailure::Garbage {
                    why: format!("a response file of {size} bytes (the limit is {MAX_LINE})"),
                    line: String::new(),
                });
            }
            let bytes = std::fs::read(&response_file)
                .map_err(|e| ClientFailure::Crashed(format!("its response file cannot be read: {e}")))?;
            let text = String::from_utf8(bytes).map_err(|e| ClientFailure::Garbage {
                why: "a response that is not UTF-8".into(),
                line: String::from_utf8_lossy(&e.into_bytes()).chars().take(300).collect(),
            })?;
            let text = text.trim_end().to_owned();
            transcript.response = Some(text.clone());
            let response = parse_response(&text, id)?;
            interpret(response)
        })();
        let _ = std::fs::remove_file(&request_file);
        let _ = std::fs::remove_file(&response_file);
        (result, transcript)
    }
}

impl Target for OneShot {
    fn hello(&self) -> &HelloResult {
        &self.hello
    }

    fn run(&mut self, case: &Case, trace: bool) -> Exchange {
        let timeout = self.command.timeout;
        let (reply, transcript) =
            self.exchange("run", Some(run_params(case, trace)), timeout, |r| reply_of(r, case, trace));
        Exchange { reply: reply.and_then(|inner| inner), transcript: Some(transcript) }
    }
}

impl Drop for OneShot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
