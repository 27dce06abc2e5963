//! Values, proposals, votes and their signatures (`docs/spec/consensus.md` §2).

use std::sync::Arc;

use borsh::{BorshDeserialize, BorshSerialize};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use primitives::{Hash32, keccak256, keccak256_concat};

use crate::validators::Address;

/// A height (consensus instance). The first height is 1.
pub type Height = u64;
/// A round within a height, from 0.
pub type Round = u32;

/// The ASCII domain prefixed to every signed payload (CON-2.3).
pub const SIGN_DOMAIN: &[u8] = b"orsma/consensus/v1";
/// The ASCII domain of the validator key derivation used by simulations and vectors (CON-2.5).
pub const KEY_DOMAIN: &[u8] = b"orsma/consensus/key";

/// A proposed value (a block): opaque bytes, cheap to clone.
pub type Value = Arc<[u8]>;

/// `id(v) = Keccak-256(v)` (CON-2.1).
pub fn value_id(value: &[u8]) -> Hash32 {
    keccak256(value)
}

/// The two vote types of Algorithm 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum VoteType {
    Prevote = 1,
    Precommit = 2,
}

impl VoteType {
    pub fn name(self) -> &'static str {
        match self {
            VoteType::Prevote => "prevote",
            VoteType::Precommit => "precommit",
        }
    }
}

/// `⟨PROPOSAL, h, r, v, validRound⟩`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Proposal {
    pub height: Height,
    pub round: Round,
    pub value: Value,
    /// The paper's `validRound` (`-1` is `None`).
    pub valid_round: Option<Round>,
}

/// `⟨PREVOTE|PRECOMMIT, h, r, id(v)|nil⟩`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vote {
    pub vote_type: VoteType,
    pub height: Height,
    pub round: Round,
    /// `None` is nil.
    pub value: Option<Hash32>,
}

/// What a signature covers (CON-2.3): `SIGN_DOMAIN ‖ borsh(SignPayload)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize)]
pub struct SignPayload {
    /// 0 proposal, 1 prevote, 2 precommit.
    pub kind: u8,
    pub height: Height,
    pub round: Round,
    pub valid_round: Option<Round>,
    pub value: Option<[u8; 32]>,
}

/// The longest signed payload: domain + 1 + 8 + 4 + 5 + 33.
pub const MAX_SIGN_BYTES: usize = SIGN_DOMAIN.len() + 1 + 8 + 4 + 5 + 33;

/// Sign bytes in a fixed-size buffer (no allocation on the hot path).
#[derive(Clone, Copy)]
pub struct SignBytes {
    buf: [u8; MAX_SIGN_BYTES],
    len: usize,
}

impl SignBytes {
    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl std::fmt::Debug for SignBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignBytes(")?;
        for b in self.as_slice() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl SignPayload {
    /// `SIGN_DOMAIN ‖ kind ‖ u64 height ‖ u32 round ‖ Option<u32> valid_round ‖ Option<[u8;32]> value`,
    /// integers little-endian, options as Borsh (0x00, or 0x01 then the value).
    pub fn sign_bytes(&self) -> SignBytes {
        let mut buf = [0u8; MAX_SIGN_BYTES];
        let mut len = 0;
        let mut put = |bytes: &[u8]| {
            if let Some(dst) = buf.get_mut(len..len + bytes.len()) {
                dst.copy_from_slice(bytes);
                len += bytes.len();
            }
        };
        put(SIGN_DOMAIN);
        put(&[self.kind]);
        put(&self.height.to_le_bytes());
        put(&self.round.to_le_bytes());
        match self.valid_round {
            None => put(&[0]),
            Some(r) => {
                put(&[1]);
                put(&r.to_le_bytes());
            }
        }
        match &self.value {
            None => put(&[0]),
            Some(v) => {
                put(&[1]);
                put(v);
            }
        }
        SignBytes { buf, len }
    }
}

impl Proposal {
    pub fn id(&self) -> Hash32 {
        value_id(&self.value)
    }

    pub fn payload(&self) -> SignPayload {
        SignPayload {
            kind: 0,
            height: self.height,
            round: self.round,
            valid_round: self.valid_round,
            value: Some(self.id().0),
        }
    }
}

impl Vote {
    pub fn payload(&self) -> SignPayload {
        SignPayload {
            kind: self.vote_type as u8,
            height: self.height,
            round: self.round,
            valid_round: None,
            value: self.value.map(|h| h.0),
        }
    }
}

/// A signed proposal or vote as it travels: the message, the signer's address and an ed25519
/// signature over the message's sign bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signed<T> {
    pub message: T,
    pub signer: Address,
    pub signature: [u8; 64],
}

pub type SignedProposal = Signed<Proposal>;
pub type SignedVote = Signed<Vote>;

/// Anything a node sends about a height: a signed proposal or a signed vote.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Message {
    Proposal(SignedProposal),
    Vote(SignedVote),
}

impl Message {
    pub fn height(&self) -> Height {
        match self {
            Message::Proposal(p) => p.message.height,
            Message::Vote(v) => v.message.height,
        }
    }

    pub fn round(&self) -> Round {
        match self {
            Message::Proposal(p) => p.message.round,
            Message::Vote(v) => v.message.round,
        }
    }

    pub fn signer(&self) -> Address {
        match self {
            Message::Proposal(p) => p.signer,
            Message::Vote(v) => v.signer,
        }
    }

    pub fn sign_bytes(&self) -> SignBytes {
        match self {
            Message::Proposal(p) => p.message.payload().sign_bytes(),
            Message::Vote(v) => v.message.payload().sign_bytes(),
        }
    }

    pub fn signature(&self) -> &[u8; 64] {
        match self {
            Message::Proposal(p) => &p.signature,
            Message::Vote(v) => &v.signature,
        }
    }
}

/// A validator's signing key.
#[derive(Clone)]
pub struct Keypair {
    signing: SigningKey,
    address: Address,
}

impl std::fmt::Debug for Keypair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keypair").field("address", &self.address).finish_non_exhaustive()
    }
}

impl Keypair {
    /// The key whose RFC 8032 secret is `secret`.
    pub fn from_secret(secret: [u8; 32]) -> Keypair {
        let signing = SigningKey::from_bytes(&secret);
        let address = Address::from_public_key(signing.verifying_key().as_bytes());
        Keypair { signing, address }
    }

    /// Validator `index`'s key for simulation seed `seed` (CON-2.5):
    /// secret = `keccak256(KEY_DOMAIN ‖ u64 seed ‖ u64 index)`.
    pub fn derive(seed: u64, index: u64) -> Keypair {
        let secret = keccak256_concat(&[KEY_DOMAIN, &seed.to_le_bytes(), &index.to_le_bytes()]);
        Keypair::from_secret(secret.0)
    }

    pub fn secret(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    pub fn address(&self) -> Address {
        self.address
    }

    pub fn sign_bytes(&self, bytes: &SignBytes) -> [u8; 64] {
        self.signing.sign(bytes.as_slice()).to_bytes()
    }

    pub fn sign_proposal(&self, proposal: Proposal) -> SignedProposal {
        let signature = self.sign_bytes(&proposal.payload().sign_bytes());
        Signed { message: proposal, signer: self.address, signature }
    }

    pub fn sign_vote(&self, vote: Vote) -> SignedVote {
        let signature = self.sign_bytes(&vote.payload().sign_bytes());
        Signed { message: vote, signer: self.address, signature }
    }
}

/// Signature verification, behind a trait so that a simulation can share one cache between
/// its nodes (CON-2.4: a cache keyed by the signed bytes, the signer and the signature).
pub trait Verifier: Send + Sync {
    /// Whether `signature` by `key` over `bytes` verifies (RFC 8032, strict: small-order
    /// keys and non-canonical `S` are rejected).
    fn verify(&self, key: &VerifyingKey, bytes: &[u8], signature: &[u8; 64]) -> bool;
}

/// Verifies every signature, no cache.
#[derive(Debug, Clone, Copy, Default)]
pub struct DirectVerifier;

impl Verifier for DirectVerifier {
    fn verify(&self, key: &VerifyingKey, bytes: &[u8], signature: &[u8; 64]) -> bool {
        key.verify_strict(bytes, &Signature::from_bytes(signature)).is_ok()
    }
}

/// A verifier that remembers every (key, signed bytes, signature) that verified, so a message
/// delivered to many nodes is verified once (CON-2.4). Only successes are cached. Entries are
/// found by (public key, signature) and then must match the signed bytes exactly; everything
/// is stored inline (no pointer to chase on a lookup).
#[derive(Debug, Default)]
pub struct CachingVerifier {
    seen: std::sync::Mutex<std::collections::HashMap<[u8; 96], SignedBytes, rustc_hash::FxBuildHasher>>,
    verified: std::sync::atomic::AtomicU64,
    hits: std::sync::atomic::AtomicU64,
}

/// Signed bytes stored inline.
#[derive(Clone, Copy, PartialEq, Eq)]
struct SignedBytes {
    len: u8,
    bytes: [u8; MAX_SIGN_BYTES],
}

impl std::fmt::Debug for SignedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignedBytes({})", self.len)
    }
}

impl SignedBytes {
    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl CachingVerifier {
    pub fn new() -> CachingVerifier {
        CachingVerifier::default()
    }

    /// Signatures checked with ed25519, and lookups answered by the cache.
    pub fn counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.verified.load(Relaxed), self.hits.load(Relaxed))
    }
}

impl Verifier for CachingVerifier {
    fn verify(&self, key: &VerifyingKey, bytes: &[u8], signature: &[u8; 64]) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let mut id = [0u8; 96];
        let (k, s) = id.split_at_mut(32);
        k.copy_from_slice(key.as_bytes());
        s.copy_from_slice(signature);
        if let Ok(seen) = self.seen.lock()
            && seen.get(&id).is_some_and(|stored| stored.as_slice() == bytes)
        {
            self.hits.fetch_add(1, Relaxed);
            return true;
        }
        self.verified.fetch_add(1, Relaxed);
        let ok = DirectVerifier.verify(key, bytes, signature);
        if ok
            && let Ok(len) = u8::try_from(bytes.len())
            && let Ok(mut seen) = self.seen.lock()
        {
            let mut stored = SignedBytes { len, bytes: [0; MAX_SIGN_BYTES] };
            if let Some(dst) = stored.bytes.get_mut(..bytes.len()) {
                dst.copy_from_slice(bytes);
                seen.entry(id).or_insert(stored);
            }
        }
        ok
    }
}
