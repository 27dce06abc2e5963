//! The messages of client protocol v1 (`docs/spec/client-protocol.md`): JSON-RPC 2.0, one
//! object per line.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// The protocol version both sides name in `hello`.
pub const PROTOCOL: &str = "orsma-client/1";

/// JSON-RPC 2.0's version string.
pub const JSONRPC: &str = "2.0";

/// Error code: the line is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// Error code: JSON, but not a request.
pub const INVALID_REQUEST: i64 = -32600;
/// Error code: no such method.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// Error code: the params are not what the method takes.
pub const INVALID_PARAMS: i64 = -32602;
/// Error code: the client does not support this suite, handler or case; the case is skipped.
pub const UNSUPPORTED: i64 = -32000;
/// Error code: the client tried and could not run the case; the case is an error.
pub const FAILED: i64 = -32001;

/// A response from the client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// Always `"2.0"`.
    pub jsonrpc: String,
    /// The request's id (`null` only when the request could not be read).
    pub id: Value,
    /// The result, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The error, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RpcError>,
}

/// A JSON-RPC error object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpcError {
    /// One of the codes above.
    pub code: i64,
    /// A human-readable explanation.
    pub message: String,
    /// Anything else the client wants to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// A program's name and version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Software {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// `hello`'s params.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelloParams {
    /// [`PROTOCOL`].
    pub protocol: String,
    /// The harness.
    pub harness: Software,
}

/// `hello`'s result: who the client is and what it can do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelloResult {
    /// [`PROTOCOL`]; anything else ends the run.
    pub protocol: String,
    /// The client.
    pub client: Software,
    /// Suite → the handlers the client supports, or `["*"]` for all.
    pub suites: BTreeMap<String, Vec<String>>,
    /// Optional features: `trace`.
    #[serde(default)]
    pub capabilities: Vec<String>,
}

impl HelloResult {
    /// Whether the client claims to support `suite/handler`.
    pub fn supports(&self, suite: &str, handler: &str) -> bool {
        self.suites.get(suite).is_some_and(|handlers| handlers.iter().any(|h| h == "*" || h == handler))
    }

    /// Whether the client declared a capability.
    pub fn can(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }
}

/// A failed response.
pub fn error(id: Value, code: i64, message: impl Into<String>) -> Response {
    Response {
        jsonrpc: JSONRPC.to_owned(),
        id,
        result: None,
        error: Some(RpcError { code, message: message.into(), data: None }),
    }
}

/// A request serialised from borrowed parts (the hot path: no copies into a `Value`).
#[derive(Debug, Serialize)]
pub struct RequestRef<'a, P: Serialize> {
    /// Always `"2.0"`.
    pub jsonrpc: &'static str,
    /// The request id.
    pub id: u64,
    /// The method.
    pub method: &'a str,
    /// The params; absent for `shutdown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<P>,
}

/// `run`'s params, borrowed.
#[derive(Debug, Serialize)]
pub struct RunParamsRef<C: Serialize> {
    /// The case without its expectations.
    pub case: C,
    /// Whether to include a trace.
    pub trace: bool,
}

/// A response as read: the result is left unparsed until the caller knows its type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResponse<'a> {
    /// Always `"2.0"`.
    pub jsonrpc: &'a str,
    /// The request's id.
    pub id: Value,
    /// The result, on success (`Some("null")` for a `null` result).
    #[serde(default, borrow, deserialize_with = "present")]
    pub result: Option<&'a RawValue>,
    /// The error, on failure.
    #[serde(default)]
    pub error: Option<RpcError>,
}

/// Keeps a present `null` as `Some`, so "no result" and "a null result" differ.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(deserializer).map(Some)
}
