//! Validating vectors against the published JSON Schemas (`vectors/schemas/<suite>.schema.json`).
//!
//! The schemas are written by hand, apart from the Rust types, so that validating against
//! them checks the serialiser as well as the files.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use crate::case::SUITES;

/// The compiled schema of every suite.
pub struct Schemas {
    by_suite: BTreeMap<String, jsonschema::Validator>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas").field("suites", &self.by_suite.keys().collect::<Vec<_>>()).finish()
    }
}

impl Schemas {
    /// Loads and compiles `dir/<suite>.schema.json` for every known suite.
    pub fn load(dir: &Path) -> anyhow::Result<Schemas> {
        let mut by_suite = BTreeMap::new();
        for suite in SUITES {
            let path = dir.join(format!("{suite}.schema.json"));
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let schema: Value =
                serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
            let validator = jsonschema::draft202012::new(&schema)
                .map_err(|e| anyhow::anyhow!("{} is not a valid JSON Schema: {e}", path.display()))?;
            by_suite.insert((*suite).to_owned(), validator);
        }
        Ok(Schemas { by_suite })
    }

    /// Validates a vector given as a JSON value; the errors name the offending location.
    pub fn validate(&self, vector: &Value) -> Result<(), Vec<String>> {
        let Some(suite) = vector.get("suite").and_then(Value::as_str) else {
            return Err(vec!["the vector has no string field `suite`".to_owned()]);
        };
        let Some(validator) = self.by_suite.get(suite) else {
            return Err(vec![format!("no schema for suite `{suite}`")]);
        };
        let errors: Vec<String> = validator
            .iter_errors(vector)
            .map(|e| {
                let at = e.instance_path.to_string();
                format!("{}: {e}", if at.is_empty() { "/" } else { &at })
            })
            .collect();
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Validates a vector written as YAML.
    pub fn validate_yaml(&self, text: &str) -> Result<(), Vec<String>> {
        let value: Value = serde_norway::from_str(text).map_err(|e| vec![format!("not YAML: {e}")])?;
        self.validate(&value)
    }
}
