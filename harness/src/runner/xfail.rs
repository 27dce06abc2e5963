//! Expected-failure lists: cases a client is known to fail, each with a reason.
//!
//! ```yaml
//! # xfail.yaml for client X
//! - case: vm/alu/div*        # a case id or glob
//!   reason: "issue 12: division rounds toward minus infinity"
//! ```
//!
//! A listed case that fails is `xfail`; one that passes is `xpass`, which fails the run, so the
//! list cannot go stale silently.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

/// One entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XfailEntry {
    /// A case id or glob.
    pub case: String,
    /// Why it is expected to fail.
    pub reason: String,
}

/// A parsed list.
#[derive(Clone, Debug, Default)]
pub struct XfailList {
    entries: Vec<(glob::Pattern, XfailEntry)>,
}

impl XfailList {
    /// Reads a list from a YAML file.
    pub fn load(path: &Path) -> anyhow::Result<XfailList> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        XfailList::parse(&text).with_context(|| format!("{} is not an expected-failures list", path.display()))
    }

    /// Parses a list.
    pub fn parse(text: &str) -> anyhow::Result<XfailList> {
        let raw: Vec<XfailEntry> = serde_norway::from_str(text)?;
        let entries = raw
            .into_iter()
            .map(|e| Ok((glob::Pattern::new(&e.case).with_context(|| format!("`{}` is not a valid glob", e.case))?, e)))
            .collect::<anyhow::Result<_>>()?;
        Ok(XfailList { entries })
    }

    /// The reason a case is expected to fail, if it is listed.
    pub fn reason(&self, id: &str) -> Option<&str> {
        self.entries.iter().find(|(p, _)| p.matches(id)).map(|(_, e)| e.reason.as_str())
    }

    /// Entries that matched none of `ids`.
    pub fn unused<'a>(&self, ids: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
        self.entries.iter().filter(|(p, _)| !ids.clone().any(|id| p.matches(id))).map(|(_, e)| e.case.clone()).collect()
    }
}
