//! The consensus suite's case types (`docs/spec/vectors.md` §8): one Tendermint node fed a
//! sequence of inputs (`tendermint`), CometBFT's weighted round-robin proposer selection
//! (`proposer`) and equivocation evidence (`evidence`), after `docs/spec/consensus.md`.
//!
//! Each handler has its own typed configuration and result, read strictly for that handler:
//! the envelope names the handler, then [`ConsensusVector::parse_as`] reads its types. A
//! `tendermint` case gives the node's inputs in `config.inputs` and expects, in `post.steps`,
//! one entry per input (the outputs it produced, in order, or the error that rejected it) and
//! the node's final state.

use std::collections::BTreeSet;
use std::fmt;

use primitives::Hash32;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::num::{clip, parse_hex};
use super::{CaseError, HandlerProbe, HashHex, Hex, Int, Provenance, Uint, Uint32};

/// The handlers of the consensus suite.
pub const HANDLERS: &[&str] = &["tendermint", "proposer", "evidence"];

/// The most validators a case's set may have.
pub const MAX_VALIDATORS: usize = 256;

/// The most inputs a `tendermint` case feeds its node.
pub const MAX_INPUTS: usize = 10_000;

/// The most bytes of a value (a proposal's, or one the application gives).
pub const MAX_VALUE_BYTES: usize = 1 << 16;

/// The most entries of `app.values`, and of `app.invalid`.
pub const MAX_APP_ENTRIES: usize = 1024;

/// The largest timeout base or delta, in milliseconds (2^31): `base + delta·round` then fits
/// in 63 bits for every 32-bit round, so no client's arithmetic wraps.
pub const MAX_TIMEOUT_MS: u64 = 1 << 31;

/// The largest initial height (2^63 − 1): a case's decisions never overflow it.
pub const MAX_HEIGHT: u64 = i64::MAX as u64;

/// The most `increment` calls a `proposer` case makes.
pub const MAX_CALLS: usize = 1000;

/// The most rounds one `increment` call advances.
pub const MAX_TIMES: u32 = 1_000_000;

/// The most rounds all calls of a `proposer` case advance together.
pub const MAX_TOTAL_TIMES: u64 = 10_000_000;

/// A consensus vector: the manifest, the handler's configuration, and its expected result.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsensusCase<C, P> {
    /// Always [`super::FORMAT`].
    pub format: String,
    /// `consensus/<handler>/<case>`.
    pub id: String,
    /// Always `consensus`.
    pub suite: String,
    /// The handler.
    pub handler: String,
    /// The case's name.
    pub case: String,
    /// One sentence saying what the case checks.
    pub description: String,
    /// Sorted, unique labels for selection (`--tag`).
    pub tags: Vec<String>,
    /// Where the case came from.
    pub provenance: Provenance,
    /// What the implementation is given.
    pub config: C,
    /// What must come out.
    pub post: P,
}

/// A consensus vector of any handler.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ConsensusVector {
    /// `tendermint`: one node fed a sequence of inputs.
    Tendermint(ConsensusCase<TendermintConfig, TendermintPost>),
    /// `proposer`: the weighted round-robin after each call.
    Proposer(ConsensusCase<ProposerConfig, ProposerPost>),
    /// `evidence`: whether a pair of conflicting messages is valid evidence.
    Evidence(ConsensusCase<EvidenceConfig, EvidencePost>),
}

handler_cases!(ConsensusCase, ConsensusVector, ConsensusRequest, [Tendermint, Proposer, Evidence]);

// ---------------------------------------------------------------------------------------------
// scalars

/// Exactly `N` bytes, written as `0x` followed by `2N` lowercase hex digits (a public or secret
/// key, an address, a signature).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes<const N: usize>(pub [u8; N]);

/// A 32-byte ed25519 public key.
pub type PublicKeyHex = Bytes<32>;
/// A 32-byte RFC 8032 secret key.
pub type SecretKeyHex = Bytes<32>;
/// A 20-byte validator address.
pub type AddressHex = Bytes<20>;
/// A 64-byte ed25519 signature.
pub type SignatureHex = Bytes<64>;

impl<const N: usize> fmt::Display for Bytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl<const N: usize> fmt::Debug for Bytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<const N: usize> Serialize for Bytes<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, const N: usize> Deserialize<'de> for Bytes<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<const N: usize>;
        impl<const N: usize> Visitor<'_> for V<N> {
            type Value = Bytes<N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{N} bytes written as 0x followed by {} lowercase hex digits", 2 * N)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Bytes<N>, E> {
                parse_hex(s).and_then(|bytes| <[u8; N]>::try_from(bytes).ok()).map(Bytes).ok_or_else(|| {
                    E::custom(format_args!(
                        "`{}` is not {N} bytes written as 0x followed by {} lowercase hex digits",
                        clip(s),
                        2 * N
                    ))
                })
            }
        }
        deserializer.deserialize_any(V::<N>)
    }
}

impl AddressHex {
    /// The consensus crate's address.
    pub fn address(self) -> consensus::Address {
        consensus::Address(self.0)
    }

    /// The hex form of an address.
    pub fn of(address: consensus::Address) -> AddressHex {
        Bytes(address.0)
    }
}

/// A value id or nil: `nil`, or a hash written as `0x` and 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MaybeId(pub Option<Hash32>);

impl fmt::Display for MaybeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("nil"),
            Some(id) => fmt::Display::fmt(id, f),
        }
    }
}

impl fmt::Debug for MaybeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for MaybeId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MaybeId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = MaybeId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`nil` or a value id written as 0x followed by 64 lowercase hex digits")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<MaybeId, E> {
                if s == "nil" {
                    return Ok(MaybeId(None));
                }
                s.parse::<Hash32>()
                    .map(|h| MaybeId(Some(h)))
                    .map_err(|e| E::custom(format_args!("`{}` is neither `nil` nor a value id: {e}", clip(s))))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A round or none: `-1` (the paper's −1), or a round from 0 to 2^32 − 1, as a canonical
/// decimal string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct OptRound(pub Option<u32>);

impl fmt::Display for OptRound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("-1"),
            Some(r) => fmt::Display::fmt(&r, f),
        }
    }
}

impl fmt::Debug for OptRound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for OptRound {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OptRound {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = OptRound;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`-1` or a round from 0 to 4294967295, as a quoted canonical decimal string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<OptRound, E> {
                if s == "-1" {
                    return Ok(OptRound(None));
                }
                super::num::parse_canonical::<u32>(s)
                    .map(|r| OptRound(Some(r)))
                    .ok_or_else(|| E::custom(format_args!("`{}` is not -1 or a round from 0 to 4294967295", clip(s))))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A truth value, written `true` or `false` (as a string, like every scalar).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Flag(pub bool);

impl Serialize for Flag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0 { "true" } else { "false" })
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the string `true` or `false`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Flag, E> {
                match s {
                    "true" => Ok(Flag(true)),
                    "false" => Ok(Flag(false)),
                    _ => Err(E::custom(format_args!("`{}` is neither `true` nor `false`", clip(s)))),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// An empty map: an input or a result that has nothing else to say.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// An enum of newtype variants written as a map with exactly one key, the variant's name (so
/// that YAML and JSON readers alike read it, and an error names the key).
macro_rules! single_key_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident($ty:ty) = $key:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Debug)]
        pub enum $name {
            $($(#[$vmeta])* $variant($ty),)+
        }

        impl $name {
            /// The keys, in catalogue order.
            pub const KEYS: &'static [&'static str] = &[$($key),+];

            /// The key this value is written under.
            pub fn key(&self) -> &'static str {
                match self {
                    $($name::$variant(_) => $key,)+
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(1))?;
                match self {
                    $($name::$variant(v) => map.serialize_entry($key, v)?,)+
                }
                map.end()
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "{} (a map with exactly one of the keys {})", $what, $name::KEYS.join(", "))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        let Some(key) = map.next_key::<String>()? else {
                            return Err(de::Error::custom(format_args!(
                                "{} is a map with exactly one of the keys {}, not an empty map",
                                $what,
                                $name::KEYS.join(", ")
                            )));
                        };
                        let value = match key.as_str() {
                            $($key => $name::$variant(map.next_value()?),)+
                            other => {
                                return Err(de::Error::custom(format_args!(
                                    "unknown key `{}` in {} (known: {})",
                                    clip(other),
                                    $what,
                                    $name::KEYS.join(", ")
                                )));
                            }
                        };
                        if let Some(extra) = map.next_key::<String>()? {
                            return Err(de::Error::custom(format_args!(
                                "{} has exactly one key; `{key}` is followed by `{}`",
                                $what,
                                clip(&extra)
                            )));
                        }
                        Ok(value)
                    }
                }
                deserializer.deserialize_map(V)
            }
        }
    };
}

/// A closed catalogue of codes written as snake_case strings, with its list and names.
macro_rules! catalogue {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant,)+
        }

        impl $name {
            /// Every code, in catalogue order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code as written in vectors.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The code with this name.
            pub fn from_name(name: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|c| c.name() == name)
            }
        }
    };
}

catalogue! {
    /// A vote's type.
    pub enum VoteTypeCode {
        /// `⟨PREVOTE, …⟩`.
        Prevote = "prevote",
        /// `⟨PRECOMMIT, …⟩`.
        Precommit = "precommit",
    }
}

catalogue! {
    /// The node's step (the paper's `step_p`).
    pub enum StepCode {
        /// Waiting for the round's proposal.
        Propose = "propose",
        /// Prevoted.
        Prevote = "prevote",
        /// Precommitted.
        Precommit = "precommit",
    }
}

catalogue! {
    /// Which timeout.
    pub enum TimeoutKindCode {
        /// `timeoutPropose`.
        Propose = "propose",
        /// `timeoutPrevote`.
        Prevote = "prevote",
        /// `timeoutPrecommit`.
        Precommit = "precommit",
    }
}

catalogue! {
    /// How `getValue()` and `valid(v)` are answered.
    pub enum ValidationMode {
        /// By the scripted application of `config.app`, inside the step that needs it.
        Callback = "callback",
        /// By the environment: the node outputs `get_value` and `validate` and keeps counting
        /// votes; answers come as `propose_value` and `validated` inputs.
        Pipelined = "pipelined",
    }
}

catalogue! {
    /// Why the node rejects an input (`consensus.md` §4; the order the checks run is
    /// `vectors.md` VEC-8.6's).
    pub enum TendermintErrorCode {
        /// The message's height is below the node's.
        PastHeight = "past_height",
        /// The signer is not in the validator set.
        UnknownValidator = "unknown_validator",
        /// A proposal's valid round is not below its round.
        BadValidRound = "bad_valid_round",
        /// The height is more than one above the node's, or the next-height buffer is full.
        FutureHeight = "future_height",
        /// The round is more than 1000 past the node's round.
        RoundTooFarAhead = "round_too_far_ahead",
        /// A proposal not signed by its round's proposer.
        NotProposer = "not_proposer",
        /// The signature does not verify.
        BadSignature = "bad_signature",
        /// The node has not been started (no vector sends an input that gets it).
        NotStarted = "not_started",
    }
}

catalogue! {
    /// Why evidence is invalid (`consensus.md` §6), in the order the checks run.
    pub enum EvidenceErrorCode {
        /// The two messages are for different heights, rounds or vote types.
        DifferentSlot = "different_slot",
        /// The two messages have different signers.
        DifferentSigners = "different_signers",
        /// The two messages do not conflict.
        NoConflict = "no_conflict",
        /// `a` does not sort before `b`.
        NotCanonical = "not_canonical",
        /// The signer is not in the validator set.
        UnknownValidator = "unknown_validator",
        /// A signature does not verify (`a`'s first).
        BadSignature = "bad_signature",
    }
}

impl VoteTypeCode {
    /// The consensus crate's vote type.
    pub fn vote_type(self) -> consensus::VoteType {
        match self {
            VoteTypeCode::Prevote => consensus::VoteType::Prevote,
            VoteTypeCode::Precommit => consensus::VoteType::Precommit,
        }
    }

    /// The code of a vote type.
    pub fn of(t: consensus::VoteType) -> VoteTypeCode {
        match t {
            consensus::VoteType::Prevote => VoteTypeCode::Prevote,
            consensus::VoteType::Precommit => VoteTypeCode::Precommit,
        }
    }
}

impl StepCode {
    /// The code of a step.
    pub fn of(step: consensus::Step) -> StepCode {
        match step {
            consensus::Step::Propose => StepCode::Propose,
            consensus::Step::Prevote => StepCode::Prevote,
            consensus::Step::Precommit => StepCode::Precommit,
        }
    }
}

impl TimeoutKindCode {
    /// The consensus crate's timeout kind.
    pub fn kind(self) -> consensus::TimeoutKind {
        match self {
            TimeoutKindCode::Propose => consensus::TimeoutKind::Propose,
            TimeoutKindCode::Prevote => consensus::TimeoutKind::Prevote,
            TimeoutKindCode::Precommit => consensus::TimeoutKind::Precommit,
        }
    }

    /// The code of a timeout kind.
    pub fn of(kind: consensus::TimeoutKind) -> TimeoutKindCode {
        match kind {
            consensus::TimeoutKind::Propose => TimeoutKindCode::Propose,
            consensus::TimeoutKind::Prevote => TimeoutKindCode::Prevote,
            consensus::TimeoutKind::Precommit => TimeoutKindCode::Precommit,
        }
    }
}

impl TendermintErrorCode {
    /// The code of a rejected input.
    pub fn of(error: &consensus::Error) -> TendermintErrorCode {
        use consensus::Error as E;
        match error {
            E::PastHeight(_) => TendermintErrorCode::PastHeight,
            E::UnknownValidator(_) => TendermintErrorCode::UnknownValidator,
            E::BadValidRound { .. } => TendermintErrorCode::BadValidRound,
            E::FutureHeight(_) => TendermintErrorCode::FutureHeight,
            E::RoundTooFarAhead(_) => TendermintErrorCode::RoundTooFarAhead,
            E::NotProposer { .. } => TendermintErrorCode::NotProposer,
            E::BadSignature => TendermintErrorCode::BadSignature,
            E::NotStarted => TendermintErrorCode::NotStarted,
        }
    }
}

impl EvidenceErrorCode {
    /// The code of an evidence verifier's error.
    pub fn of(error: &consensus::EvidenceError) -> EvidenceErrorCode {
        use consensus::EvidenceError as E;
        match error {
            E::DifferentSlot => EvidenceErrorCode::DifferentSlot,
            E::DifferentSigners => EvidenceErrorCode::DifferentSigners,
            E::NoConflict => EvidenceErrorCode::NoConflict,
            E::NotCanonical => EvidenceErrorCode::NotCanonical,
            E::UnknownValidator(_) => EvidenceErrorCode::UnknownValidator,
            E::BadSignature(_) => EvidenceErrorCode::BadSignature,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// shared parts: validators and signed messages

/// A validator of a `tendermint` or `evidence` case: its ed25519 public key and voting power.
/// Its address is the last 20 bytes of `keccak256(public_key)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorKey {
    /// The 32-byte public key (RFC 8032).
    pub public_key: PublicKeyHex,
    /// The voting power, at least 1.
    pub power: Uint,
}

/// The validator set `validators` describe, if it is one (`consensus.md` §3: at least one
/// validator, valid keys, distinct addresses, powers from 1 with a total of at most
/// `MaxTotalVotingPower`).
pub fn validator_set(validators: &[ValidatorKey], at: &str) -> Result<consensus::ValidatorSet, CaseError> {
    if validators.len() > MAX_VALIDATORS {
        return Err(CaseError::Invalid(format!("{at} lists more than {MAX_VALIDATORS} validators")));
    }
    let members: Vec<([u8; 32], u64)> = validators.iter().map(|v| (v.public_key.0, v.power.0)).collect();
    consensus::ValidatorSet::new(&members).map_err(|e| CaseError::Invalid(format!("{at}: {e}")))
}

/// A signed proposal, `⟨PROPOSAL, height, round, value, valid_round⟩` with its signer and
/// signature (as an input, an output, or half of evidence).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalSpec {
    /// The height.
    pub height: Uint,
    /// The round.
    pub round: Uint32,
    /// The proposed value's bytes.
    pub value: Hex,
    /// The paper's `validRound`: `-1` for none.
    pub valid_round: OptRound,
    /// The signer's address.
    pub signer: AddressHex,
    /// The ed25519 signature over the proposal's sign bytes (`consensus.md` §2).
    pub signature: SignatureHex,
}

/// A signed vote, `⟨PREVOTE|PRECOMMIT, height, round, id(v)|nil⟩` with its signer and
/// signature.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteSpec {
    /// `prevote` or `precommit`.
    #[serde(rename = "type")]
    pub vote_type: VoteTypeCode,
    /// The height.
    pub height: Uint,
    /// The round.
    pub round: Uint32,
    /// The value id voted for, or `nil`.
    pub value: MaybeId,
    /// The signer's address.
    pub signer: AddressHex,
    /// The ed25519 signature over the vote's sign bytes.
    pub signature: SignatureHex,
}

impl ProposalSpec {
    /// The signed proposal as the consensus crate takes it.
    pub fn signed(&self) -> consensus::SignedProposal {
        consensus::Signed {
            message: consensus::Proposal {
                height: self.height.0,
                round: self.round.0,
                value: self.value.0.as_slice().into(),
                valid_round: self.valid_round.0,
            },
            signer: self.signer.address(),
            signature: self.signature.0,
        }
    }

    /// The spec of a signed proposal.
    pub fn of(p: &consensus::SignedProposal) -> ProposalSpec {
        ProposalSpec {
            height: Uint(p.message.height),
            round: Uint32(p.message.round),
            value: Hex(p.message.value.to_vec()),
            valid_round: OptRound(p.message.valid_round),
            signer: AddressHex::of(p.signer),
            signature: Bytes(p.signature),
        }
    }
}

impl VoteSpec {
    /// The signed vote as the consensus crate takes it.
    pub fn signed(&self) -> consensus::SignedVote {
        consensus::Signed {
            message: consensus::Vote {
                vote_type: self.vote_type.vote_type(),
                height: self.height.0,
                round: self.round.0,
                value: self.value.0,
            },
            signer: self.signer.address(),
            signature: self.signature.0,
        }
    }

    /// The spec of a signed vote.
    pub fn of(v: &consensus::SignedVote) -> VoteSpec {
        VoteSpec {
            vote_type: VoteTypeCode::of(v.message.vote_type),
            height: Uint(v.message.height),
            round: Uint32(v.message.round),
            value: MaybeId(v.message.value),
            signer: AddressHex::of(v.signer),
            signature: Bytes(v.signature),
        }
    }
}

/// Two conflicting signed messages by one validator, `a` before `b` in canonical order
/// (`consensus.md` §6).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EvidenceSpec {
    /// Two votes of one type, height and round for different values (nil counts as a value).
    DuplicateVote {
        /// The vote whose value sorts first (nil first, then by the id's bytes).
        a: VoteSpec,
        /// The other.
        b: VoteSpec,
    },
    /// Two proposals for one height and round that differ in value or valid round.
    DuplicateProposal {
        /// The proposal whose sign bytes sort first.
        a: ProposalSpec,
        /// The other.
        b: ProposalSpec,
    },
}

impl EvidenceSpec {
    /// The evidence as the consensus crate takes it (in the order given, canonical or not).
    pub fn evidence(&self) -> consensus::Evidence {
        match self {
            EvidenceSpec::DuplicateVote { a, b } => consensus::Evidence::DuplicateVote { a: a.signed(), b: b.signed() },
            EvidenceSpec::DuplicateProposal { a, b } => {
                consensus::Evidence::DuplicateProposal { a: a.signed(), b: b.signed() }
            }
        }
    }

    /// The spec of evidence.
    pub fn of(evidence: &consensus::Evidence) -> EvidenceSpec {
        match evidence {
            consensus::Evidence::DuplicateVote { a, b } => {
                EvidenceSpec::DuplicateVote { a: VoteSpec::of(a), b: VoteSpec::of(b) }
            }
            consensus::Evidence::DuplicateProposal { a, b } => {
                EvidenceSpec::DuplicateProposal { a: ProposalSpec::of(a), b: ProposalSpec::of(b) }
            }
        }
    }

    /// `duplicate_vote` or `duplicate_proposal`.
    pub fn kind(&self) -> &'static str {
        match self {
            EvidenceSpec::DuplicateVote { .. } => "duplicate_vote",
            EvidenceSpec::DuplicateProposal { .. } => "duplicate_proposal",
        }
    }

    /// The signer of `a`.
    pub fn signer(&self) -> AddressHex {
        match self {
            EvidenceSpec::DuplicateVote { a, .. } => a.signer,
            EvidenceSpec::DuplicateProposal { a, .. } => a.signer,
        }
    }

    fn check(&self, at: &str) -> Result<(), CaseError> {
        if let EvidenceSpec::DuplicateProposal { a, b } = self
            && (a.value.0.len() > MAX_VALUE_BYTES || b.value.0.len() > MAX_VALUE_BYTES)
        {
            return Err(CaseError::Invalid(format!("{at}: a proposal's value is longer than {MAX_VALUE_BYTES} bytes")));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// tendermint

/// The node's key.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// The 32-byte RFC 8032 secret key the node signs with. A key outside the validator set
    /// makes an observer, which counts and decides but never signs.
    pub secret_key: SecretKeyHex,
}

/// `timeoutX(r) = X + r·X_delta`, in milliseconds (`consensus.md` §4).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs, reason = "each field is the base or the per-round delta of its timeout")]
pub struct TimeoutsSpec {
    pub propose_ms: Uint,
    pub propose_delta_ms: Uint,
    pub prevote_ms: Uint,
    pub prevote_delta_ms: Uint,
    pub precommit_ms: Uint,
    pub precommit_delta_ms: Uint,
}

impl TimeoutsSpec {
    /// The consensus crate's timeouts.
    pub fn config(&self) -> consensus::TimeoutConfig {
        consensus::TimeoutConfig {
            propose_ms: self.propose_ms.0,
            propose_delta_ms: self.propose_delta_ms.0,
            prevote_ms: self.prevote_ms.0,
            prevote_delta_ms: self.prevote_delta_ms.0,
            precommit_ms: self.precommit_ms.0,
            precommit_delta_ms: self.precommit_delta_ms.0,
        }
    }

    /// The spec of timeouts.
    pub fn of(t: &consensus::TimeoutConfig) -> TimeoutsSpec {
        TimeoutsSpec {
            propose_ms: Uint(t.propose_ms),
            propose_delta_ms: Uint(t.propose_delta_ms),
            prevote_ms: Uint(t.prevote_ms),
            prevote_delta_ms: Uint(t.prevote_delta_ms),
            precommit_ms: Uint(t.precommit_ms),
            precommit_delta_ms: Uint(t.precommit_delta_ms),
        }
    }

    /// The duration of timeout `kind` in `round`: `base + delta·round`.
    pub fn duration_ms(&self, kind: TimeoutKindCode, round: u32) -> u64 {
        let (base, delta) = match kind {
            TimeoutKindCode::Propose => (self.propose_ms, self.propose_delta_ms),
            TimeoutKindCode::Prevote => (self.prevote_ms, self.prevote_delta_ms),
            TimeoutKindCode::Precommit => (self.precommit_ms, self.precommit_delta_ms),
        };
        base.0.saturating_add(delta.0.saturating_mul(u64::from(round)))
    }
}

/// The scripted application of a `callback` case.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    /// `getValue()` at these heights and rounds; anywhere else it is the 16 bytes
    /// `u64 LE height ‖ u64 LE round`.
    pub values: Vec<AppValue>,
    /// `valid(v)` is false exactly for the values with these ids.
    pub invalid: Vec<HashHex>,
}

/// One value the application proposes.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppValue {
    /// The height.
    pub height: Uint,
    /// The round.
    pub round: Uint32,
    /// The value's bytes.
    pub value: Hex,
}

impl AppSpec {
    /// The application's `getValue(height, round)`.
    pub fn value(&self, height: u64, round: u32) -> Vec<u8> {
        match self.values.iter().find(|v| v.height.0 == height && v.round.0 == round) {
            Some(v) => v.value.0.clone(),
            None => default_value(height, round),
        }
    }

    /// The application's `valid(v)`.
    pub fn valid(&self, value: &[u8]) -> bool {
        let id = consensus::value_id(value);
        !self.invalid.iter().any(|h| h.0 == id)
    }
}

/// The value `getValue(height, round)` gives when `app.values` lists none:
/// `u64 LE height ‖ u64 LE round`.
pub fn default_value(height: u64, round: u32) -> Vec<u8> {
    let mut value = height.to_le_bytes().to_vec();
    value.extend_from_slice(&u64::from(round).to_le_bytes());
    value
}

/// A timeout, as an input (it expired) or in an output.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutSpec {
    /// Which timeout.
    pub kind: TimeoutKindCode,
    /// The height it was scheduled at.
    pub height: Uint,
    /// The round it was scheduled in.
    pub round: Uint32,
}

/// The environment's answer to `get_value`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposeValueSpec {
    /// The height asked about.
    pub height: Uint,
    /// The round asked about.
    pub round: Uint32,
    /// The value to propose.
    pub value: Hex,
}

/// The environment's answer to `validate`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatedSpec {
    /// The height asked about.
    pub height: Uint,
    /// The id of the value asked about.
    pub value_id: HashHex,
    /// `valid(v)`.
    pub valid: Flag,
}

single_key_enum! {
    /// One input to the node.
    pub enum InputSpec ("an input") {
        /// Line 10: `StartRound(0)`.
        Start(Empty) = "start",
        /// A signed proposal arrives.
        Proposal(ProposalSpec) = "proposal",
        /// A signed vote arrives.
        Vote(VoteSpec) = "vote",
        /// A timeout the node scheduled expires.
        Timeout(TimeoutSpec) = "timeout",
        /// Pipelined `getValue()` answered.
        ProposeValue(ProposeValueSpec) = "propose_value",
        /// Pipelined `valid(v)` answered.
        Validated(ValidatedSpec) = "validated",
    }
}

/// `tendermint`'s configuration: the validator set, the node, its start, how values come and
/// are validated, and the inputs, in order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TendermintConfig {
    /// The validator set of `height` (and, rotated, of the heights after it).
    pub validators: Vec<ValidatorKey>,
    /// The node's key.
    pub node: NodeSpec,
    /// The height the node starts at, from 1.
    pub height: Uint,
    /// The timeouts.
    pub timeouts: TimeoutsSpec,
    /// `callback` or `pipelined`.
    pub validation: ValidationMode,
    /// The scripted application: present exactly in `callback` mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<AppSpec>,
    /// The inputs, in order.
    pub inputs: Vec<InputSpec>,
}

/// A timeout the node asks the environment to schedule.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// Which timeout.
    pub kind: TimeoutKindCode,
    /// The node's height.
    pub height: Uint,
    /// The node's round.
    pub round: Uint32,
    /// How long until it expires: `base + delta·round`.
    pub duration_ms: Uint,
}

/// Pipelined `getValue()`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetValueSpec {
    /// The height.
    pub height: Uint,
    /// The round.
    pub round: Uint32,
}

/// Pipelined `valid(v)`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateSpec {
    /// The height.
    pub height: Uint,
    /// The round of the proposal that carried the value.
    pub round: Uint32,
    /// The value.
    pub value: Hex,
}

/// A decision (lines 49–54).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideSpec {
    /// The height decided.
    pub height: Uint,
    /// The round whose proposal and precommits decided it.
    pub round: Uint32,
    /// `id(v)` of the value decided.
    pub value_id: HashHex,
    /// The signers of the precommits for `id(v)` in `round` the node had counted when it
    /// decided (its certificate), by increasing address.
    pub signers: Vec<AddressHex>,
}

single_key_enum! {
    /// One output of the node.
    pub enum OutputSpec ("an output") {
        /// Broadcast a signed proposal (the node's own).
        Proposal(ProposalSpec) = "proposal",
        /// Broadcast a signed vote (the node's own).
        Vote(VoteSpec) = "vote",
        /// Feed back a `timeout` input after `duration_ms`.
        ScheduleTimeout(ScheduleSpec) = "schedule_timeout",
        /// Pipelined `getValue()`: answer with `propose_value`.
        GetValue(GetValueSpec) = "get_value",
        /// Pipelined `valid(v)`: answer with `validated`.
        Validate(ValidateSpec) = "validate",
        /// Decide (lines 49–54).
        Decide(DecideSpec) = "decide",
        /// A validator signed two conflicting messages.
        Evidence(EvidenceSpec) = "evidence",
    }
}

single_key_enum! {
    /// What one input did.
    pub enum StepPost ("a step's result") {
        /// The outputs it produced, in order (possibly none).
        Outputs(Vec<OutputSpec>) = "outputs",
        /// The node rejected it; a rejected input changes nothing and produces no output.
        Error(TendermintErrorCode) = "error",
    }
}

/// The paper's state variables.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
    /// `h_p`.
    pub height: Uint,
    /// `round_p`.
    pub round: Uint32,
    /// `step_p`.
    pub step: StepCode,
    /// `id(lockedValue)`, or `nil`.
    pub locked_value: MaybeId,
    /// `lockedRound` (`-1` for none).
    pub locked_round: OptRound,
    /// `id(validValue)`, or `nil`.
    pub valid_value: MaybeId,
    /// `validRound` (`-1` for none).
    pub valid_round: OptRound,
}

impl StateSpec {
    /// The spec of a machine's state.
    pub fn of(s: &consensus::State) -> StateSpec {
        StateSpec {
            height: Uint(s.height),
            round: Uint32(s.round),
            step: StepCode::of(s.step),
            locked_value: MaybeId(s.locked_value),
            locked_round: OptRound(s.locked_round),
            valid_value: MaybeId(s.valid_value),
            valid_round: OptRound(s.valid_round),
        }
    }
}

/// `tendermint`'s result: one entry per input, and the final state.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TendermintPost {
    /// `steps[i]` is what `config.inputs[i]` did.
    pub steps: Vec<StepPost>,
    /// The state after the last input.
    pub state: StateSpec,
}

impl TendermintConfig {
    /// The validator set.
    pub fn validator_set(&self) -> Result<consensus::ValidatorSet, CaseError> {
        validator_set(&self.validators, "config.validators")
    }

    /// The rules of VEC-8.1 and VEC-8.2: a valid validator set, a height from 1, timeouts
    /// within [`MAX_TIMEOUT_MS`], `app` exactly in `callback` mode, and values and input counts
    /// within their limits.
    pub fn check(&self) -> Result<(), CaseError> {
        let invalid = |what: String| Err(CaseError::Invalid(what));
        self.validator_set()?;
        if !(1..=MAX_HEIGHT).contains(&self.height.0) {
            return invalid(format!("config.height must be 1 to {MAX_HEIGHT}, not {}", self.height));
        }
        let t = &self.timeouts;
        for (name, ms) in [
            ("propose_ms", t.propose_ms),
            ("propose_delta_ms", t.propose_delta_ms),
            ("prevote_ms", t.prevote_ms),
            ("prevote_delta_ms", t.prevote_delta_ms),
            ("precommit_ms", t.precommit_ms),
            ("precommit_delta_ms", t.precommit_delta_ms),
        ] {
            if ms.0 > MAX_TIMEOUT_MS {
                return invalid(format!("config.timeouts.{name} is {ms}, above the limit of {MAX_TIMEOUT_MS}"));
            }
        }
        match (self.validation, &self.app) {
            (ValidationMode::Callback, None) => return invalid("config.app is required in callback mode".to_owned()),
            (ValidationMode::Pipelined, Some(_)) => {
                return invalid("config.app must be absent in pipelined mode".to_owned());
            }
            (ValidationMode::Callback, Some(app)) => {
                if app.values.len() > MAX_APP_ENTRIES || app.invalid.len() > MAX_APP_ENTRIES {
                    return invalid(format!("config.app lists more than {MAX_APP_ENTRIES} values or ids"));
                }
                let mut slots = BTreeSet::new();
                for (i, v) in app.values.iter().enumerate() {
                    if v.value.0.len() > MAX_VALUE_BYTES {
                        return invalid(format!("config.app.values[{i}] is longer than {MAX_VALUE_BYTES} bytes"));
                    }
                    if !slots.insert((v.height, v.round)) {
                        return invalid(format!(
                            "config.app.values[{i}] gives a second value for height {} round {}",
                            v.height, v.round
                        ));
                    }
                }
            }
            (ValidationMode::Pipelined, None) => {}
        }
        if self.inputs.len() > MAX_INPUTS {
            return invalid(format!("config.inputs has more than {MAX_INPUTS} inputs"));
        }
        for (i, input) in self.inputs.iter().enumerate() {
            let value = match input {
                InputSpec::Proposal(p) => Some(&p.value),
                InputSpec::ProposeValue(p) => Some(&p.value),
                _ => None,
            };
            if value.is_some_and(|v| v.0.len() > MAX_VALUE_BYTES) {
                return invalid(format!("config.inputs[{i}] carries a value longer than {MAX_VALUE_BYTES} bytes"));
            }
        }
        Ok(())
    }
}

/// A result has one step per input (VEC-8.3).
fn check_tendermint_form(config: &TendermintConfig, post: &TendermintPost) -> Result<(), String> {
    if post.steps.len() != config.inputs.len() {
        return Err(format!(
            "post.steps has {} entries for the {} inputs of config.inputs",
            post.steps.len(),
            config.inputs.len()
        ));
    }
    Ok(())
}

/// VEC-8.4: the node starts first, and the environment only answers what the node asked. The
/// first input is `start`, every `timeout` input is one an earlier step scheduled, every
/// `propose_value` answers an earlier `get_value` of its height and round, and every `validated`
/// answers an earlier `validate` of a value with its id at its height. Returns the index of the
/// first input that breaks it, and why.
pub fn unanswered_input(config: &TendermintConfig, post: &TendermintPost) -> Option<(usize, &'static str)> {
    match config.inputs.first() {
        Some(InputSpec::Start(_)) => {}
        Some(_) => return Some((0, "not `start`, but the first input")),
        None => return Some((0, "missing: a case has at least the input `start`")),
    }
    let mut timeouts = BTreeSet::new();
    let mut asked_values = BTreeSet::new();
    let mut asked_valid = BTreeSet::new();
    for (i, (input, step)) in config.inputs.iter().zip(&post.steps).enumerate() {
        let bad =
            match input {
                InputSpec::Timeout(t) => (!timeouts.contains(&(t.kind, t.height, t.round)))
                    .then_some("a timeout input the node never scheduled"),
                InputSpec::ProposeValue(p) => (!asked_values.contains(&(p.height, p.round)))
                    .then_some("a propose_value input answering no get_value"),
                InputSpec::Validated(v) => (!asked_valid.contains(&(v.height, v.value_id.0)))
                    .then_some("a validated input answering no validate"),
                _ => None,
            };
        if let Some(why) = bad {
            return Some((i, why));
        }
        if let StepPost::Outputs(outputs) = step {
            for output in outputs {
                match output {
                    OutputSpec::ScheduleTimeout(s) => {
                        timeouts.insert((s.kind, s.height, s.round));
                    }
                    OutputSpec::GetValue(g) => {
                        asked_values.insert((g.height, g.round));
                    }
                    OutputSpec::Validate(v) => {
                        asked_valid.insert((v.height, consensus::value_id(&v.value.0)));
                    }
                    _ => {}
                }
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// proposer

/// A member of a `proposer` case's set: an address and its voting power.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressPower {
    /// The 20-byte address (any bytes: no key is needed to rotate).
    pub address: AddressHex,
    /// The voting power, at least 1.
    pub power: Uint,
}

/// `proposer`'s configuration: CometBFT's `NewValidatorSet` of these members, then
/// `IncrementProposerPriority(times)` for each entry of `calls`, in order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposerConfig {
    /// The members, in any order.
    pub validators: Vec<AddressPower>,
    /// The `times` of each call, each from 1 to [`MAX_TIMES`].
    pub calls: Vec<Uint32>,
}

/// The rotation at one moment: the proposer, and every member's priority.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationSpec {
    /// `GetProposer()`'s address.
    pub proposer: AddressHex,
    /// Each member's proposer priority, in the order of `config.validators`.
    pub priorities: Vec<Int>,
}

/// `proposer`'s result: the rotation after `NewValidatorSet`, and after each call.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposerPost {
    /// After `NewValidatorSet` (which increments once itself).
    pub initial: RotationSpec,
    /// `calls[i]` is the rotation after `config.calls[i]`.
    pub calls: Vec<RotationSpec>,
}

impl ProposerConfig {
    /// The members as the consensus crate takes them.
    pub fn members(&self) -> Vec<(consensus::Address, u64)> {
        self.validators.iter().map(|v| (v.address.address(), v.power.0)).collect()
    }

    /// VEC-8.7: a valid set (1 to 256 members, distinct addresses, powers from 1, a total of at
    /// most `MaxTotalVotingPower`), at most 1000 calls of 1 to 10^6 rounds, 10^7 in all.
    pub fn check(&self) -> Result<(), CaseError> {
        if self.validators.len() > MAX_VALIDATORS {
            return Err(CaseError::Invalid(format!("config.validators lists more than {MAX_VALIDATORS} members")));
        }
        consensus::WeightedRoundRobin::new(&self.members())
            .map_err(|e| CaseError::Invalid(format!("config.validators: {e}")))?;
        if self.calls.len() > MAX_CALLS {
            return Err(CaseError::Invalid(format!("config.calls has more than {MAX_CALLS} calls")));
        }
        if let Some(i) = self.calls.iter().position(|t| !(1..=MAX_TIMES).contains(&t.0)) {
            return Err(CaseError::Invalid(format!("config.calls[{i}] must be 1 to {MAX_TIMES}")));
        }
        let total: u64 = self.calls.iter().map(|t| u64::from(t.0)).sum();
        if total > MAX_TOTAL_TIMES {
            return Err(CaseError::Invalid(format!(
                "config.calls advance {total} rounds in all, above the limit of {MAX_TOTAL_TIMES}"
            )));
        }
        Ok(())
    }
}

/// A result has a rotation per call, each with a priority per member.
fn check_proposer_form(config: &ProposerConfig, post: &ProposerPost) -> Result<(), String> {
    if post.calls.len() != config.calls.len() {
        return Err(format!("post.calls has {} entries for {} calls", post.calls.len(), config.calls.len()));
    }
    let n = config.validators.len();
    let all = std::iter::once(("post.initial".to_owned(), &post.initial))
        .chain(post.calls.iter().enumerate().map(|(i, r)| (format!("post.calls[{i}]"), r)));
    for (at, rotation) in all {
        if rotation.priorities.len() != n {
            return Err(format!("{at}.priorities has {} entries for {n} members", rotation.priorities.len()));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// evidence

/// `evidence`'s configuration: the validator set of the evidence's height, and the evidence.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceConfig {
    /// The validator set.
    pub validators: Vec<ValidatorKey>,
    /// The evidence, canonical or not, possibly tampered with.
    pub evidence: EvidenceSpec,
}

/// Why evidence is rejected.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRejected {
    /// The first failing check's code.
    pub code: EvidenceErrorCode,
}

single_key_enum! {
    /// `evidence`'s result.
    pub enum EvidencePost ("an evidence result") {
        /// The evidence is valid.
        Valid(Empty) = "ok",
        /// Why it is not.
        Invalid(EvidenceRejected) = "error",
    }
}

impl EvidenceConfig {
    /// A valid validator set, and values within [`MAX_VALUE_BYTES`].
    pub fn check(&self) -> Result<(), CaseError> {
        validator_set(&self.validators, "config.validators")?;
        self.evidence.check("config.evidence")
    }
}

// ---------------------------------------------------------------------------------------------
// requests and results

/// What the harness sends a client: the case without its expectations.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsensusRequestOf<C> {
    /// The case id, for the client's logs.
    pub id: String,
    /// Always `consensus`.
    pub suite: String,
    /// The handler.
    pub handler: String,
    /// The configuration.
    pub config: C,
}

/// What a client answers: `{"post": …}` with the handler's result.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsensusResultOf<P> {
    /// The result.
    pub post: P,
}

/// A consensus request of any handler, as a client reads it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ConsensusRequest {
    /// `tendermint`.
    Tendermint(ConsensusRequestOf<TendermintConfig>),
    /// `proposer`.
    Proposer(ConsensusRequestOf<ProposerConfig>),
    /// `evidence`.
    Evidence(ConsensusRequestOf<EvidenceConfig>),
}

/// A consensus result of any handler.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(untagged)]
pub enum ConsensusResult {
    /// `tendermint`.
    Tendermint(ConsensusResultOf<TendermintPost>),
    /// `proposer`.
    Proposer(ConsensusResultOf<ProposerPost>),
    /// `evidence`.
    Evidence(ConsensusResultOf<EvidencePost>),
}

/// The error for a handler this suite does not have.
pub fn unknown_handler(handler: &str) -> CaseError {
    CaseError::Invalid(format!("unknown consensus handler `{handler}` (known: {})", HANDLERS.join(", ")))
}

impl ConsensusRequest {
    /// Reads a request from JSON, strictly, with the types of its handler.
    pub fn from_json(text: &str) -> Result<ConsensusRequest, CaseError> {
        let syntax = |e: serde_json::Error| CaseError::Syntax(e.to_string());
        let probe: HandlerProbe = serde_json::from_str(text).map_err(syntax)?;
        Ok(match probe.handler.as_str() {
            "tendermint" => ConsensusRequest::Tendermint(serde_json::from_str(text).map_err(syntax)?),
            "proposer" => ConsensusRequest::Proposer(serde_json::from_str(text).map_err(syntax)?),
            "evidence" => ConsensusRequest::Evidence(serde_json::from_str(text).map_err(syntax)?),
            other => return Err(unknown_handler(other)),
        })
    }

    /// Checks the configuration's rules (a request that breaks one is refused, CP-3.5).
    pub fn check(&self) -> Result<(), CaseError> {
        match self {
            ConsensusRequest::Tendermint(r) => r.config.check(),
            ConsensusRequest::Proposer(r) => r.config.check(),
            ConsensusRequest::Evidence(r) => r.config.check(),
        }
    }
}

impl ConsensusVector {
    /// Reads a vector of its handler from YAML or JSON.
    pub fn parse_as(text: &str, encoding: super::Encoding) -> Result<ConsensusVector, CaseError> {
        let probe: HandlerProbe = super::decode(text, encoding)?;
        Ok(match probe.handler.as_str() {
            "tendermint" => ConsensusVector::Tendermint(super::decode(text, encoding)?),
            "proposer" => ConsensusVector::Proposer(super::decode(text, encoding)?),
            "evidence" => ConsensusVector::Evidence(super::decode(text, encoding)?),
            other => return Err(unknown_handler(other)),
        })
    }

    /// The result a correct client returns.
    pub fn expected(&self) -> ConsensusResult {
        match self {
            ConsensusVector::Tendermint(v) => ConsensusResult::Tendermint(ConsensusResultOf { post: v.post.clone() }),
            ConsensusVector::Proposer(v) => ConsensusResult::Proposer(ConsensusResultOf { post: v.post.clone() }),
            ConsensusVector::Evidence(v) => ConsensusResult::Evidence(ConsensusResultOf { post: v.post.clone() }),
        }
    }

    /// Whether `result` is what this vector expects.
    pub fn matches(&self, result: &ConsensusResult) -> bool {
        *result == self.expected()
    }

    /// Reads a client's result for this case, strictly, with the types of its handler, and
    /// checks the rules a result follows (one step per input, a rotation per call).
    pub fn read_result(&self, raw: &str) -> Result<ConsensusResult, String> {
        let e = |e: serde_json::Error| e.to_string();
        Ok(match self {
            ConsensusVector::Tendermint(v) => {
                let r: ConsensusResultOf<TendermintPost> = serde_json::from_str(raw).map_err(e)?;
                check_tendermint_form(&v.config, &r.post)?;
                ConsensusResult::Tendermint(r)
            }
            ConsensusVector::Proposer(v) => {
                let r: ConsensusResultOf<ProposerPost> = serde_json::from_str(raw).map_err(e)?;
                check_proposer_form(&v.config, &r.post)?;
                ConsensusResult::Proposer(r)
            }
            ConsensusVector::Evidence(_) => ConsensusResult::Evidence(serde_json::from_str(raw).map_err(e)?),
        })
    }

    /// Checks the rules that types alone do not enforce.
    pub(super) fn check(&self) -> Result<(), CaseError> {
        let (suite, handler) = (self.suite(), self.handler());
        if suite != "consensus" {
            return Err(CaseError::UnknownSuite(suite.to_owned()));
        }
        let expected_handler = match self {
            ConsensusVector::Tendermint(_) => "tendermint",
            ConsensusVector::Proposer(_) => "proposer",
            ConsensusVector::Evidence(_) => "evidence",
        };
        if handler != expected_handler {
            return Err(unknown_handler(handler));
        }
        match self {
            ConsensusVector::Tendermint(v) => {
                v.config.check()?;
                check_tendermint_form(&v.config, &v.post).map_err(CaseError::Invalid)?;
                if let Some((i, why)) = unanswered_input(&v.config, &v.post) {
                    return Err(CaseError::Invalid(format!("config.inputs[{i}] is {why} (VEC-8.4)")));
                }
                Ok(())
            }
            ConsensusVector::Proposer(v) => {
                v.config.check()?;
                check_proposer_form(&v.config, &v.post).map_err(CaseError::Invalid)
            }
            ConsensusVector::Evidence(v) => v.config.check(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Encoding, decode, encode};

    #[test]
    fn inputs_and_outputs_are_maps_with_one_key() {
        let start = InputSpec::Start(Empty {});
        assert_eq!(encode(&start, Encoding::Yaml), "start: {}\n");
        assert_eq!(decode::<InputSpec>("start: {}\n", Encoding::Yaml), Ok(start.clone()));
        assert_eq!(decode::<InputSpec>(r#"{"start": {}}"#, Encoding::Json), Ok(start));
        let timeout =
            InputSpec::Timeout(TimeoutSpec { kind: TimeoutKindCode::Prevote, height: Uint(3), round: Uint32(7) });
        let yaml = encode(&timeout, Encoding::Yaml);
        assert_eq!(yaml, "timeout:\n  kind: 'prevote'\n  height: '3'\n  round: '7'\n");
        assert_eq!(decode::<InputSpec>(&yaml, Encoding::Yaml), Ok(timeout));
        for bad in [
            r#"{}"#,
            r#"{"start": {}, "timeout": {"kind": "propose", "height": "1", "round": "0"}}"#,
            r#"{"begin": {}}"#,
            r#"{"start": {"now": "1"}}"#,
            r#"{"timeout": {"kind": "propose", "height": "1", "round": "4294967296"}}"#,
            r#""start""#,
        ] {
            assert!(decode::<InputSpec>(bad, Encoding::Json).is_err(), "{bad}");
        }
        let step = StepPost::Error(TendermintErrorCode::BadSignature);
        assert_eq!(serde_json::to_string(&step).ok().as_deref(), Some(r#"{"error":"bad_signature"}"#));
        assert_eq!(decode::<StepPost>(r#"{"outputs": []}"#, Encoding::Json), Ok(StepPost::Outputs(vec![])));
        assert!(decode::<StepPost>(r#"{"error": "bad_luck"}"#, Encoding::Json).is_err());
    }

    #[test]
    fn rounds_ids_and_flags_have_one_written_form() {
        assert_eq!(decode::<OptRound>(r#""-1""#, Encoding::Json), Ok(OptRound(None)));
        assert_eq!(decode::<OptRound>(r#""4294967295""#, Encoding::Json), Ok(OptRound(Some(u32::MAX))));
        for bad in [r#""-2""#, r#""4294967296""#, r#""01""#, r#""-0""#, "3"] {
            assert!(decode::<OptRound>(bad, Encoding::Json).is_err(), "{bad}");
        }
        assert_eq!(decode::<MaybeId>(r#""nil""#, Encoding::Json), Ok(MaybeId(None)));
        for bad in [r#""null""#, r#""0x00""#, r#""NIL""#] {
            assert!(decode::<MaybeId>(bad, Encoding::Json).is_err(), "{bad}");
        }
        assert_eq!(decode::<Flag>(r#""true""#, Encoding::Json), Ok(Flag(true)));
        assert!(decode::<Flag>("true", Encoding::Json).is_err(), "a boolean is written as a string");
        assert!(decode::<AddressHex>(r#""0x00""#, Encoding::Json).is_err(), "an address has 20 bytes");
        let address = Bytes([0xab; 20]);
        let text = serde_json::to_string(&address).unwrap_or_default();
        assert_eq!(decode::<AddressHex>(&text, Encoding::Json), Ok(address));
    }

    #[test]
    fn evidence_names_its_kind_first() {
        let vote = VoteSpec {
            vote_type: VoteTypeCode::Prevote,
            height: Uint(1),
            round: Uint32(0),
            value: MaybeId(None),
            signer: Bytes([1; 20]),
            signature: Bytes([2; 64]),
        };
        let evidence = EvidenceSpec::DuplicateVote { a: vote, b: vote };
        let yaml = encode(&evidence, Encoding::Yaml);
        assert!(yaml.starts_with("kind: 'duplicate_vote'\na:\n  type: 'prevote'\n"), "{yaml}");
        assert_eq!(decode::<EvidenceSpec>(&yaml, Encoding::Yaml), Ok(evidence));
    }

    #[test]
    fn the_default_value_is_height_then_round_little_endian() {
        assert_eq!(
            default_value(0x0102, 3),
            [0x02, 0x01, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0],
            "u64 LE height ‖ u64 LE round"
        );
    }
}
