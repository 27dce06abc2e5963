//! The canonical YAML form of vectors (`docs/spec/vectors.md` §2.4).
//!
//! Vectors hold maps, sequences and strings only, and every YAML reader must read their
//! strings as strings. Plain scalars are not safe for that: YAML 1.1 readers (PyYAML,
//! js-yaml) read `0x4f52…` as a hexadecimal integer and `no` as false. So the canonical form
//! quotes every string, and is simple enough to state in a few rules:
//!
//! - a map is one `key: value` line per entry, in the order the spec gives; keys are plain;
//! - a string is single-quoted (a `'` inside is written `''`), except a map value holding a
//!   line break, which is a literal block `|2` whose lines are indented two spaces more than
//!   its key (`|2-` when it does not end in a line break, `|2+` when it ends in several); a
//!   string YAML cannot hold as it is (control characters, a carriage return, a line break
//!   outside a map value) is double-quoted with escapes (`\n`, `\t`, `\"`, `\\`, `\uXXXX`);
//! - a sequence whose items are all strings (or empty) is written on one line, in flow style:
//!   `['0', '5']`, `[]`; any other sequence is one `- ` item per line, at its key's indent;
//! - an empty map is `{}`; the document ends with a line break.

use std::fmt::Write;

use serde_json::Value;

/// Renders a value (a map at the top) in canonical YAML.
pub fn render(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => map_lines(map, 0, &mut out),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

fn map_lines(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (key, value) in map {
        let _ = write!(out, "{:indent$}{key}:", "");
        value_after_key(value, indent, out);
    }
}

/// Writes what follows `key:`, starting on the same line.
fn value_after_key(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::String(s) if s.contains('\n') && fits_a_block(s) => block(s, indent + 2, out),
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            map_lines(map, indent + 2, out);
        }
        Value::Array(items) if !is_flow(items) => {
            out.push('\n');
            seq_lines(items, indent, out);
        }
        other => {
            let _ = writeln!(out, " {}", inline(other));
        }
    }
}

fn seq_lines(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        let _ = write!(out, "{:indent$}-", "");
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first entry follows the dash; the rest line up under it.
                let mut entries = map.iter();
                if let Some((key, value)) = entries.next() {
                    let _ = write!(out, " {key}:");
                    value_after_key(value, indent + 2, out);
                }
                for (key, value) in entries {
                    let _ = write!(out, "{:width$}{key}:", "", width = indent + 2);
                    value_after_key(value, indent + 2, out);
                }
            }
            Value::Array(inner) if !is_flow(inner) => {
                out.push('\n');
                seq_lines(inner, indent + 2, out);
            }
            other => {
                let _ = writeln!(out, " {}", inline(other));
            }
        }
    }
}

/// A sequence goes on one line when it has no maps and no sequences that cannot.
fn is_flow(items: &[Value]) -> bool {
    items.iter().all(|item| match item {
        Value::Object(map) => map.is_empty(),
        Value::Array(inner) => is_flow(inner),
        _ => true,
    })
}

/// A literal block with an explicit indentation indicator, so lines may start with spaces,
/// and the chomping indicator that keeps exactly the string's final line breaks.
fn block(text: &str, indent: usize, out: &mut String) {
    let trailing = text.len() - text.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let body = if trailing == 0 { text } else { &text[..text.len() - 1] };
    let _ = writeln!(out, " |2{chomp}");
    for line in body.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{:indent$}{line}", "");
        }
    }
}

/// Whether YAML may hold `c` as it is: YAML 1.2 `c-printable` without the characters that
/// YAML 1.1 readers take for line breaks (NEL, U+2028, U+2029) and would fold.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// A single-quoted scalar holds printable characters only (a line break would be folded).
fn fits_single_quotes(s: &str) -> bool {
    s.chars().all(printable)
}

/// A literal block holds printable lines (a carriage return would be normalised away), and
/// at least one that is not empty (a block of empty lines reads back as "").
fn fits_a_block(s: &str) -> bool {
    s.chars().all(|c| c == '\n' || printable(c)) && s.chars().any(|c| c != '\n')
}

/// A double-quoted scalar with escapes for everything a single-quoted one cannot hold.
fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if printable(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

fn inline(value: &Value) -> String {
    match value {
        Value::String(s) if fits_single_quotes(s) => format!("'{}'", s.replace('\'', "''")),
        Value::String(s) => double_quoted(s),
        Value::Array(items) => format!("[{}]", items.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Object(map) => {
            let entries: Vec<String> = map.iter().map(|(k, v)| format!("{k}: {}", inline(v))).collect();
            format!("{{{}}}", entries.join(", "))
        }
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn strings_are_quoted_and_scalar_lists_are_flow() {
        let value = json!({
            "id": "vm/alu/x",
            "tags": ["no", "on"],
            "regs": ["0", "-5"],
            "empty": [],
            "cells": [["1", "5"], ["2", "-1"]],
            "quote": "it's",
            "code": {"asm": "    li r1, 5\nL1:\n    halt r1\n", "bytecode": "0x4f52"},
            "host": [{"ok": {"value": "5", "gas": "7"}}, {"error": {"code": "3"}}],
        });
        let text = render(&value);
        assert_eq!(
            text,
            "id: 'vm/alu/x'\n\
             tags: ['no', 'on']\n\
             regs: ['0', '-5']\n\
             empty: []\n\
             cells: [['1', '5'], ['2', '-1']]\n\
             quote: 'it''s'\n\
             code:\n  asm: |2\n        li r1, 5\n    L1:\n        halt r1\n  bytecode: '0x4f52'\n\
             host:\n- ok:\n    value: '5'\n    gas: '7'\n- error:\n    code: '3'\n"
        );
        let back: Value = serde_norway::from_str(&text).expect("valid YAML");
        assert_eq!(back, value);
    }

    #[test]
    fn strings_yaml_cannot_hold_as_they_are_are_escaped() {
        for text in ["a\u{1}b", "tab\there", "cr\r\nlf", "quote\"back\\slash", "\u{7f}\u{fffe}\u{85}\u{2028}", "é ✓ 😀"]
        {
            let value = json!({"s": text, "list": [text]});
            let back: Value = serde_norway::from_str(&render(&value)).expect("valid YAML");
            assert_eq!(back, value, "{text:?}");
        }
    }

    #[test]
    fn multi_line_strings_keep_their_exact_line_ends() {
        for text in ["a\nb", "a\nb\n", "a\n\nb\n", "  indented\nnot\n", "a\nb\n\n", "\n", "\n\n", "\n\nb"] {
            let value = json!({"s": text, "list": [text], "nested": [{"t": text}]});
            let back: Value = serde_norway::from_str(&render(&value)).expect("valid YAML");
            assert_eq!(back, value, "{text:?}");
        }
    }
}
