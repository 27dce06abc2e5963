//! Structural diffs: every field where a result differs from the expectation, by path.
//!
//! Paths read like code: `post.regs[2]`, `steps[0].host_calls[1].id`, `post.outcome.status`.
//! `memory_changes` lists are compared by address and reported as `post.memory[7]`, so one
//! extra write does not shift every later entry.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// One differing field.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct FieldDiff {
    /// Where, e.g. `post.regs[2]`.
    pub path: String,
    /// The expected value, as text.
    pub expected: String,
    /// The value found, as text.
    pub got: String,
}

impl fmt::Display for FieldDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: expected {}, got {}", self.path, self.expected, self.got)
    }
}

/// The fields where `got` differs from `expected`, in document order.
pub fn diff<T: Serialize>(expected: &T, got: &T) -> Vec<FieldDiff> {
    let (Ok(expected), Ok(got)) = (serde_json::to_value(expected), serde_json::to_value(got)) else {
        return vec![FieldDiff { path: "(result)".into(), expected: "a value".into(), got: "unserialisable".into() }];
    };
    let mut out = Vec::new();
    walk("", &expected, &got, &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

fn walk(path: &str, expected: &Value, got: &Value, out: &mut Vec<FieldDiff>) {
    if expected == got {
        return;
    }
    match (expected, got) {
        (Value::Object(e), Value::Object(g)) => {
            let keys = e.keys().chain(g.keys().filter(|k| !e.contains_key(*k)));
            for key in keys {
                let (ev, gv) = (e.get(key).unwrap_or(&Value::Null), g.get(key).unwrap_or(&Value::Null));
                if key == "memory_changes" {
                    memory(&join(path, "memory"), ev, gv, out);
                } else {
                    walk(&join(path, key), ev, gv, out);
                }
            }
        }
        (Value::Array(e), Value::Array(g)) if e.len() == g.len() => {
            for (i, (ev, gv)) in e.iter().zip(g).enumerate() {
                walk(&format!("{path}[{i}]"), ev, gv, out);
            }
        }
        (Value::Array(e), Value::Array(g)) => {
            let differs_at = e.iter().zip(g).position(|(a, b)| a != b).unwrap_or(e.len().min(g.len()));
            out.push(FieldDiff {
                path: path.to_owned(),
                expected: format!("{} ({} items)", show(expected), e.len()),
                got: format!("{} ({} items; first difference at [{differs_at}])", show(got), g.len()),
            });
        }
        (Value::String(e), Value::String(g)) if e.chars().count() > CLIP || g.chars().count() > CLIP => {
            // Long strings (signatures, long byte strings) differ somewhere past the clip: show
            // both around their first difference.
            let at = e.chars().zip(g.chars()).position(|(a, b)| a != b).unwrap_or(e.len().min(g.len()));
            out.push(FieldDiff { path: path.to_owned(), expected: window(e, at), got: window(g, at) });
        }
        _ => out.push(FieldDiff { path: path.to_owned(), expected: show(expected), got: show(got) }),
    }
}

/// The most characters of a value a diff shows.
const CLIP: usize = 120;

/// Up to [`CLIP`] characters of `s` around character `at`, with `…` where it is cut.
fn window(s: &str, at: usize) -> String {
    let len = s.chars().count();
    let start = if len <= CLIP { 0 } else { at.saturating_sub(CLIP / 3).min(len - CLIP) };
    let end = (start + CLIP).min(len);
    let body: String = s.chars().skip(start).take(end - start).collect();
    format!("{}{body}{}", if start > 0 { "…" } else { "" }, if end < len { "…" } else { "" })
}

/// Compares two `memory_changes` lists (`[[address, value], ...]`) cell by cell.
fn memory(path: &str, expected: &Value, got: &Value, out: &mut Vec<FieldDiff>) {
    let (Some(e), Some(g)) = (cells(expected), cells(got)) else {
        walk(path, expected, got, out);
        return;
    };
    let mut addresses: Vec<&(u128, String)> = e.keys().chain(g.keys()).collect();
    addresses.sort();
    addresses.dedup();
    for key in addresses {
        let (ev, gv) = (e.get(key), g.get(key));
        if ev != gv {
            let text = |v: Option<&String>| v.cloned().unwrap_or_else(|| "unchanged".to_owned());
            out.push(FieldDiff { path: format!("{path}[{}]", key.1), expected: text(ev), got: text(gv) });
        }
    }
}

/// A `memory_changes` list as a map from address (numeric, then as written) to value.
fn cells(list: &Value) -> Option<BTreeMap<(u128, String), String>> {
    let mut map = BTreeMap::new();
    for cell in list.as_array()? {
        let [address, value] = cell.as_array()?.as_slice() else { return None };
        let address = address.as_str()?;
        let numeric = address.parse::<u128>().unwrap_or(u128::MAX);
        map.insert((numeric, address.to_owned()), scalar(value));
    }
    Some(map)
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value as text: strings bare, absent as `absent`, containers as compact JSON (clipped).
fn show(value: &Value) -> String {
    let text = match value {
        Value::Null => "absent".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", inner.join(", "))
        }
        other => other.to_string(),
    };
    if text.chars().count() > CLIP { format!("{}…", text.chars().take(CLIP).collect::<String>()) } else { text }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn lines(expected: Value, got: Value) -> Vec<String> {
        diff(&expected, &got).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn equal_values_have_no_diff() {
        let v = json!({"post": {"regs": ["1", "2"], "outcome": {"status": "halted", "value": "3"}}});
        assert!(diff(&v, &v.clone()).is_empty());
    }

    #[test]
    fn paths_name_the_exact_field() {
        let e = json!({"post": {"regs": ["0", "0", "5", "0"], "outcome": {"status": "halted", "value": "3"}}});
        let g = json!({"post": {"regs": ["0", "0", "6", "0"], "outcome": {"status": "trapped", "trap": "out_of_gas"}}});
        assert_eq!(
            lines(e, g),
            [
                "post.regs[2]: expected 5, got 6",
                "post.outcome.status: expected halted, got trapped",
                "post.outcome.value: expected 3, got absent",
                "post.outcome.trap: expected absent, got out_of_gas",
            ]
        );
    }

    #[test]
    fn lists_of_different_length_are_shown_whole() {
        let e = json!({"stack": ["1", "2"]});
        let g = json!({"stack": ["1", "9", "3"]});
        assert_eq!(lines(e, g), ["stack: expected [1, 2] (2 items), got [1, 9, 3] (3 items; first difference at [1])"]);
    }

    #[test]
    fn long_strings_are_shown_around_their_first_difference() {
        let e = format!("0x{}", "ab".repeat(64));
        let mut g = e.clone();
        g.replace_range(125..126, "c");
        let diffs = diff(&json!({"signature": e}), &json!({"signature": g}));
        assert_eq!(diffs.len(), 1);
        let (expected, got) = (&diffs[0].expected, &diffs[0].got);
        assert!(expected.starts_with('…') && got.starts_with('…'), "{expected}");
        assert!(expected.ends_with("ababab") && got.ends_with("acabab"), "{expected} / {got}");
        assert_ne!(expected, got);
        // A short string that differs from a long one is shown from its start.
        let diffs = diff(&json!({"v": "0x00"}), &json!({"v": format!("0x{}", "00".repeat(100))}));
        assert_eq!(diffs[0].expected, "0x00");
        assert!(diffs[0].got.starts_with("0x00") && diffs[0].got.ends_with('…'), "{}", diffs[0].got);
    }

    #[test]
    fn memory_changes_compare_by_address() {
        let e = json!({"post": {"memory_changes": [["3", "7"], ["10", "1"]]}});
        let g = json!({"post": {"memory_changes": [["2", "5"], ["3", "7"], ["10", "2"]]}});
        assert_eq!(lines(e, g), ["post.memory[2]: expected unchanged, got 5", "post.memory[10]: expected 1, got 2"]);
    }
}
