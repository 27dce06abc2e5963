//! The case model and the vector format (`docs/spec/vectors.md`): schema types only, apart
//! from the runner.
//!
//! A case is an id (`suite/handler/case`), a manifest (format version, description, tags,
//! provenance), a configuration, an ordered list of steps (each an input with the outputs
//! expected right after it) and the expected final state. A vector is a case written as one
//! self-describing YAML document. Each suite has its own typed body; reading is two-stage:
//! the envelope says which suite, then that suite's types are read strictly.

use std::fmt;

use serde::{Deserialize, Serialize};

/// For a suite whose vectors are an enum of one generic case type per handler (refute, das,
/// consensus): the case type's constructor, the vector's manifest accessors and the request it
/// sends a client, and the request enum's handler and suite. The vector and the request enum
/// have the variants listed.
macro_rules! handler_cases {
    ($case:ident, $vector:ident, $request:ident, [$($variant:ident),+ $(,)?]) => {
        impl<C, P> $case<C, P> {
            /// A case named by `id`, tagged with `tags` and its handler (sorted, each once).
            pub fn new(
                id: &$crate::case::CaseId,
                description: String,
                mut tags: Vec<String>,
                provenance: $crate::case::Provenance,
                config: C,
                post: P,
            ) -> Self {
                tags.push(id.handler.clone());
                tags.sort();
                tags.dedup();
                $case {
                    format: $crate::case::FORMAT.to_owned(),
                    id: id.to_string(),
                    suite: id.suite.clone(),
                    handler: id.handler.clone(),
                    case: id.case.clone(),
                    description,
                    tags,
                    provenance,
                    config,
                    post,
                }
            }
        }

        impl $vector {
            /// Writes the vector in canonical form.
            pub fn render(&self, encoding: $crate::case::Encoding) -> String {
                match self {
                    $($vector::$variant(v) => $crate::case::encode(v, encoding),)+
                }
            }

            /// The case id.
            pub fn case_id(&self) -> $crate::case::CaseId {
                match self {
                    $($vector::$variant(v) => $crate::case::CaseId {
                        suite: v.suite.clone(),
                        handler: v.handler.clone(),
                        case: v.case.clone(),
                    },)+
                }
            }

            /// The id as written.
            pub fn id(&self) -> &str {
                match self {
                    $($vector::$variant(v) => &v.id,)+
                }
            }

            /// The suite as written.
            pub fn suite(&self) -> &str {
                match self {
                    $($vector::$variant(v) => &v.suite,)+
                }
            }

            /// The handler as written.
            pub fn handler(&self) -> &str {
                match self {
                    $($vector::$variant(v) => &v.handler,)+
                }
            }

            /// The tags.
            pub fn tags(&self) -> &[String] {
                match self {
                    $($vector::$variant(v) => &v.tags,)+
                }
            }

            /// The description.
            pub fn description(&self) -> &str {
                match self {
                    $($vector::$variant(v) => &v.description,)+
                }
            }

            /// The provenance.
            pub fn provenance(&self) -> &$crate::case::Provenance {
                match self {
                    $($vector::$variant(v) => &v.provenance,)+
                }
            }

            /// The request a client gets, borrowed from the vector, as JSON.
            pub fn request_json(&self) -> serde_json::Value {
                let value = match self {
                    $($vector::$variant(v) => serde_json::to_value($crate::case::HandlerRequestRef {
                        id: &v.id,
                        suite: &v.suite,
                        handler: &v.handler,
                        config: &v.config,
                    }),)+
                };
                value.unwrap_or(serde_json::Value::Null)
            }
        }

        impl $request {
            /// The handler.
            pub fn handler(&self) -> &str {
                match self {
                    $($request::$variant(r) => &r.handler,)+
                }
            }

            /// The suite named in the request.
            pub fn suite(&self) -> &str {
                match self {
                    $($request::$variant(r) => &r.suite,)+
                }
            }
        }
    };
}

pub mod consensus;
pub mod das;
pub mod num;
pub mod refute;
pub mod vm;
pub mod yaml;

pub use num::{HashHex, Hex, Int, Uint, Uint32};

/// The format version every vector and index carries.
pub const FORMAT: &str = "orsma-vector/1";

/// The suites this version of the format knows.
pub const SUITES: &[&str] = &["vm", "refute", "das", "consensus"];

/// A case's identity: `suite/handler/case`, each part `[a-z0-9_]+`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct CaseId {
    /// The component under test, e.g. `vm`.
    pub suite: String,
    /// The family of cases, e.g. `alu`.
    pub handler: String,
    /// The case's own name, unique within its handler.
    pub case: String,
}

impl CaseId {
    /// A case id from its three parts, if each is a valid name.
    pub fn new(suite: &str, handler: &str, case: &str) -> Result<CaseId, CaseError> {
        for (what, part) in [("suite", suite), ("handler", handler), ("case", case)] {
            if !is_name(part) {
                return Err(CaseError::Invalid(format!(
                    "{what} name `{part}` must be non-empty and use only a-z, 0-9 and _"
                )));
            }
        }
        Ok(CaseId { suite: suite.to_owned(), handler: handler.to_owned(), case: case.to_owned() })
    }

    /// Parses `suite/handler/case`.
    pub fn parse(text: &str) -> Result<CaseId, CaseError> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [suite, handler, case] => CaseId::new(suite, handler, case),
            _ => Err(CaseError::Invalid(format!("case id `{text}` must have the form suite/handler/case"))),
        }
    }

    /// The vector's path below `vectors/`: `suite/handler/case.yaml`.
    pub fn path(&self) -> String {
        format!("{}/{}/{}.yaml", self.suite, self.handler, self.case)
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.suite, self.handler, self.case)
    }
}

/// Whether `s` is a valid suite, handler or case name.
pub fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Where a case came from: a generator and its seed, or a scenario in a feature file.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The generator, e.g. `vm/alu`, for generated cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// The seed the generator drew from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<Uint>,
    /// `path:line` of the scenario, for cases exported from Gherkin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// The scenario's name (with the example row for outlines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
}

impl Provenance {
    /// A generated case.
    pub fn generated(generator: &str, seed: u64) -> Provenance {
        Provenance { generator: Some(generator.to_owned()), seed: Some(Uint(seed)), ..Provenance::default() }
    }

    fn check(&self) -> Result<(), CaseError> {
        match (&self.generator, &self.seed, &self.feature, &self.scenario) {
            (Some(_), Some(_), None, None) | (None, None, Some(_), Some(_)) => Ok(()),
            _ => {
                Err(CaseError::Invalid("provenance must be either {generator, seed} or {feature, scenario}".to_owned()))
            }
        }
    }
}

/// A vector of any suite.
#[derive(Clone, PartialEq, Debug)]
pub enum Case {
    /// A VM case.
    Vm(vm::VmVector),
    /// A refutation case: commitments, step proofs, the dissection game.
    Refute(refute::RefuteVector),
    /// A data-availability case: extension, share proofs, repair, fraud proofs, sampling.
    Das(das::DasVector),
    /// A consensus case: a Tendermint node fed inputs, proposer selection, evidence.
    Consensus(consensus::ConsensusVector),
}

/// Why text is not a valid vector.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// Not YAML/JSON, or not of the vector's shape; the message says where.
    #[error("{0}")]
    Syntax(String),
    /// A vector of another format version.
    #[error("format `{found}` is not `{FORMAT}`; this orsma reads {FORMAT}")]
    Format {
        /// The format found.
        found: String,
    },
    /// A suite this version does not know.
    #[error("unknown suite `{0}` (known: vm, refute, das, consensus)")]
    UnknownSuite(String),
    /// Well-formed, but breaks a rule of the format (ids, ordering, limits).
    #[error("{0}")]
    Invalid(String),
}

/// The fields every vector starts with, read first to learn the suite.
#[derive(Deserialize)]
struct Envelope {
    format: String,
    suite: String,
}

/// A request of a suite whose handlers each have their own configuration type (refute, das,
/// consensus), borrowed from a vector, for sending without copying the case: the case without
/// its expectations.
#[derive(Clone, Debug, Serialize)]
pub struct HandlerRequestRef<'a, C: Serialize> {
    /// The case id.
    pub id: &'a str,
    /// The suite.
    pub suite: &'a str,
    /// The handler.
    pub handler: &'a str,
    /// The configuration.
    pub config: &'a C,
}

/// Just the handler of a case or request, read first to choose the types.
#[derive(Deserialize)]
struct HandlerProbe {
    handler: String,
}

/// The encodings a vector can be read from and written to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Encoding {
    /// YAML, the committed form.
    Yaml,
    /// JSON, the exported form.
    Json,
}

impl Case {
    /// Reads a vector, strictly: unknown fields, non-canonical scalars and broken rules are errors.
    pub fn parse(text: &str, encoding: Encoding) -> Result<Case, CaseError> {
        let envelope: Envelope = decode(text, encoding)?;
        if envelope.format != FORMAT {
            return Err(CaseError::Format { found: envelope.format });
        }
        let case = match envelope.suite.as_str() {
            "vm" => Case::Vm(decode(text, encoding)?),
            "refute" => Case::Refute(refute::RefuteVector::parse_as(text, encoding)?),
            "das" => Case::Das(das::DasVector::parse_as(text, encoding)?),
            "consensus" => Case::Consensus(consensus::ConsensusVector::parse_as(text, encoding)?),
            other => return Err(CaseError::UnknownSuite(other.to_owned())),
        };
        case.check()?;
        Ok(case)
    }

    /// Writes the vector in canonical form.
    pub fn render(&self, encoding: Encoding) -> String {
        match self {
            Case::Vm(v) => encode(v, encoding),
            Case::Refute(v) => v.render(encoding),
            Case::Das(v) => v.render(encoding),
            Case::Consensus(v) => v.render(encoding),
        }
    }

    /// The case's id.
    pub fn id(&self) -> CaseId {
        match self {
            Case::Vm(v) => v.case_id(),
            Case::Refute(v) => v.case_id(),
            Case::Das(v) => v.case_id(),
            Case::Consensus(v) => v.case_id(),
        }
    }

    /// The case's tags.
    pub fn tags(&self) -> &[String] {
        match self {
            Case::Vm(v) => &v.tags,
            Case::Refute(v) => v.tags(),
            Case::Das(v) => v.tags(),
            Case::Consensus(v) => v.tags(),
        }
    }

    /// The case's provenance.
    pub fn provenance(&self) -> &Provenance {
        match self {
            Case::Vm(v) => &v.provenance,
            Case::Refute(v) => v.provenance(),
            Case::Das(v) => v.provenance(),
            Case::Consensus(v) => v.provenance(),
        }
    }

    /// Checks the rules that types alone do not enforce.
    pub fn check(&self) -> Result<(), CaseError> {
        let (id, suite) = match self {
            Case::Vm(v) => (v.case_id(), "vm"),
            Case::Refute(v) => (v.case_id(), "refute"),
            Case::Das(v) => (v.case_id(), "das"),
            Case::Consensus(v) => (v.case_id(), "consensus"),
        };
        check_manifest(self.id_text(), &id.suite, &id.handler, &id.case, self.tags(), self.provenance(), suite)?;
        match self {
            Case::Vm(v) => v.check(),
            Case::Refute(v) => v.check(),
            Case::Das(v) => v.check(),
            Case::Consensus(v) => v.check(),
        }
    }

    /// The case's suite.
    pub fn suite(&self) -> &str {
        match self {
            Case::Vm(v) => &v.suite,
            Case::Refute(v) => v.suite(),
            Case::Das(v) => v.suite(),
            Case::Consensus(v) => v.suite(),
        }
    }

    /// The case's handler.
    pub fn handler(&self) -> &str {
        match self {
            Case::Vm(v) => &v.handler,
            Case::Refute(v) => v.handler(),
            Case::Das(v) => v.handler(),
            Case::Consensus(v) => v.handler(),
        }
    }

    /// The case's id as written in it.
    pub fn id_text(&self) -> &str {
        match self {
            Case::Vm(v) => &v.id,
            Case::Refute(v) => v.id(),
            Case::Das(v) => v.id(),
            Case::Consensus(v) => v.id(),
        }
    }
}

/// The manifest rules every vector follows (`vectors.md` §3).
fn check_manifest(
    written: &str,
    suite: &str,
    handler: &str,
    case: &str,
    tags: &[String],
    provenance: &Provenance,
    expected_suite: &str,
) -> Result<(), CaseError> {
    let id = CaseId::new(suite, handler, case)?;
    if written != id.to_string() {
        return Err(CaseError::Invalid(format!("id `{written}` does not match suite/handler/case `{id}`")));
    }
    if suite != expected_suite {
        return Err(CaseError::UnknownSuite(suite.to_owned()));
    }
    if let Some(bad) = tags.iter().find(|t| !is_name(t)) {
        return Err(CaseError::Invalid(format!("tag `{bad}` must use only a-z, 0-9 and _")));
    }
    if !tags.windows(2).all(|w| w[0] < w[1]) {
        return Err(CaseError::Invalid("tags must be sorted and unique".to_owned()));
    }
    provenance.check()
}

/// Reads a value from YAML or JSON, with the parser's location in the message.
pub fn decode<T: for<'de> Deserialize<'de>>(text: &str, encoding: Encoding) -> Result<T, CaseError> {
    match encoding {
        Encoding::Yaml => serde_norway::from_str(text).map_err(|e| CaseError::Syntax(e.to_string())),
        Encoding::Json => serde_json::from_str(text).map_err(|e| CaseError::Syntax(e.to_string())),
    }
}

/// Writes a value as canonical YAML or JSON (two-space indented, keys in declaration order,
/// a final newline).
pub fn encode<T: Serialize>(value: &T, encoding: Encoding) -> String {
    let mut text = match encoding {
        // Serialising our own types cannot fail: they have no maps with non-string keys.
        Encoding::Yaml => match serde_json::to_value(value) {
            Ok(tree) => yaml::render(&tree),
            Err(e) => format!("# unserialisable: {e}\n"),
        },
        Encoding::Json => serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("\"unserialisable: {e}\"")),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}
