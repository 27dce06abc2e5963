//! Choosing cases: by suite, handler, case-id glob and tags, and deterministic sharding.

use primitives::keccak256;

use crate::case::Case;

/// Which cases to run. Empty lists select everything.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Suites to include.
    pub suites: Vec<String>,
    /// Handlers to include (`handler` or `suite/handler`).
    pub handlers: Vec<String>,
    /// Case-id globs (`vm/alu/add*`, `*/traps/*`), or exact ids.
    pub cases: Vec<glob::Pattern>,
    /// Tags a case must have at least one of.
    pub tags: Vec<String>,
    /// Tags that exclude a case.
    pub skip_tags: Vec<String>,
    /// `(i, n)`: only the i-th of n shards, 1 ≤ i ≤ n.
    pub shard: Option<(u64, u64)>,
}

impl Selection {
    /// Whether `case` is selected.
    pub fn selects(&self, case: &Case) -> bool {
        let id = case.id();
        let text = id.to_string();
        let tags = case.tags();
        (self.suites.is_empty() || self.suites.contains(&id.suite))
            && (self.handlers.is_empty()
                || self.handlers.iter().any(|h| *h == id.handler || *h == format!("{}/{}", id.suite, id.handler)))
            && (self.cases.is_empty() || self.cases.iter().any(|p| p.matches(&text)))
            && (self.tags.is_empty() || self.tags.iter().any(|t| tags.contains(t)))
            && !self.skip_tags.iter().any(|t| tags.contains(t))
            && self.shard.is_none_or(|(i, n)| shard_of(&text, n) == i)
    }

    /// The selected cases, in order.
    pub fn apply(&self, cases: Vec<Case>) -> Vec<Case> {
        cases.into_iter().filter(|c| self.selects(c)).collect()
    }
}

/// The shard (1 to n) a case belongs to: the first 8 bytes of keccak256(id), little-endian,
/// modulo n, plus one. Stable when cases are added or removed.
pub fn shard_of(id: &str, n: u64) -> u64 {
    let digest = keccak256(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.0[..8]);
    u64::from_le_bytes(first) % n.max(1) + 1
}

/// Parses `i/n`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("`{text}` is not a shard: write i/n with 1 ≤ i ≤ n, e.g. 2/4");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || i == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}
