//! The `vector_parse` fuzz target's properties (`fuzz/fuzz_targets/vector_parse.rs`) as
//! proptest properties, so that they run on stable in every test run: reading any text as a
//! vector never panics, and a vector the reader accepts passes its checks and renders, in
//! both encodings, to text that reads back as the same case.
//!
//! The VM targets' properties (`vm_exec`, `vm_asm`) live in `impl/vm/tests/it/props.rs`.

use harness::case::{Case, Encoding};
use proptest::prelude::*;

/// Committed vectors to mutate: each shape of `config` and `post` (a memory, a host script,
/// a rejected program, a trap, a long assembly block).
const VECTORS: &[&str] = &[
    "vm/alu/add_2_3.yaml",
    "vm/host/answers_in_call_order.yaml",
    "vm/decode/trailing_byte.yaml",
    "vm/memory/store_overwrites.yaml",
    "vm/traps/div_by_zero.yaml",
    "vm/programs/count_1000.yaml",
];

fn committed(path: &str) -> String {
    std::fs::read_to_string(super::repo().join("vectors").join(path)).expect("committed vector")
}

/// 256 cases per property unless `PROPTEST_CASES` says otherwise.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 256;
    }
    config
}

/// What the fuzz target asserts of one input; `Err` names the broken property.
fn check_text(text: &str) -> Result<(), String> {
    for encoding in [Encoding::Yaml, Encoding::Json] {
        if let Ok(case) = Case::parse(text, encoding) {
            round_trip(&case)?;
        }
    }
    Ok(())
}

fn round_trip(case: &Case) -> Result<(), String> {
    case.check().map_err(|e| format!("an accepted vector fails its checks: {e}"))?;
    for encoding in [Encoding::Yaml, Encoding::Json] {
        let rendered = case.render(encoding);
        match Case::parse(&rendered, encoding) {
            Ok(back) if &back == case => {}
            Ok(back) => {
                return Err(format!("the {encoding:?} rendering reads back as another case: {back:?}\n{rendered}"));
            }
            Err(e) => return Err(format!("the {encoding:?} rendering does not read back: {e}\n{rendered}")),
        }
    }
    Ok(())
}

/// One edit of a vector's bytes; positions are taken modulo the length.
#[derive(Clone, Debug)]
enum Edit {
    Overwrite(usize, u8),
    Delete(usize, usize),
    Insert(usize, &'static str),
    /// Copies a slice of the text to another place (duplicates keys, lines, list items).
    Duplicate(usize, usize, usize),
    /// Replaces the n-th (modulo) ASCII digit or lowercase letter with another of the same
    /// kind: mostly keeps the vector valid, so the round trip is reached.
    Retype(usize, u8),
}

/// Fragments that matter to YAML, to JSON or to the vector format.
const FRAGMENTS: &[&str] = &[
    "'",
    "''",
    "\"",
    "\n",
    "\n  ",
    " ",
    "\t",
    "\r",
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "&a ",
    "*a",
    "!!str ",
    "|2",
    "|2-",
    ">",
    "?",
    "---\n",
    "...\n",
    "0",
    "9",
    "-",
    "0x",
    "00",
    "ff",
    "'0'",
    "'-1'",
    "null",
    "~",
    "é",
    "\u{2028}",
    "\u{feff}",
    "\u{85}",
    "\0",
    "\\",
    "halted",
    "trapped",
    "rejected",
    "host_error",
    "vm",
    "x",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Overwrite(at, byte)),
        1 => (any::<usize>(), 1usize..8).prop_map(|(at, len)| Edit::Delete(at, len)),
        2 => (any::<usize>(), prop::sample::select(FRAGMENTS)).prop_map(|(at, s)| Edit::Insert(at, s)),
        1 => (any::<usize>(), 1usize..40, any::<usize>()).prop_map(|(from, len, to)| Edit::Duplicate(from, len, to)),
        4 => (any::<usize>(), any::<u8>()).prop_map(|(nth, to)| Edit::Retype(nth, to)),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match *edit {
        Edit::Overwrite(i, byte) => {
            if !bytes.is_empty() {
                let i = i % bytes.len();
                bytes[i] = byte;
            }
        }
        Edit::Delete(i, n) => {
            let i = at(i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Edit::Insert(i, s) => {
            let i = at(i, bytes.len());
            bytes.splice(i..i, s.bytes());
        }
        Edit::Duplicate(from, n, to) => {
            let from = at(from, bytes.len());
            let piece = bytes[from..(from + n).min(bytes.len())].to_vec();
            let to = at(to, bytes.len());
            bytes.splice(to..to, piece);
        }
        Edit::Retype(nth, to) => {
            let spots: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i].is_ascii_alphanumeric()).collect();
            if let Some(&i) = spots.get(nth % spots.len().max(1)) {
                bytes[i] = if bytes[i].is_ascii_digit() { b'0' + to % 10 } else { b'a' + to % 26 };
            }
        }
    }
}

/// Text shaped like a vector's lines, so the YAML reader gets past its first character.
fn yamlish() -> impl Strategy<Value = String> {
    "([a-z_]{1,8}: ('[a-z0-9/_-]{0,8}'|\\[\\]|\\{\\}|[0-9]{1,3}|\\|2-?)?\n( {0,4}- )?){0,12}"
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn reading_any_text_never_panics(text in any::<String>()) {
        check_text(&text).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn reading_vector_shaped_text_never_panics(text in yamlish()) {
        check_text(&text).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn reading_a_mutated_vector_never_panics(
        which in 0..VECTORS.len(),
        json in any::<bool>(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let mut text = committed(VECTORS[which]);
        if json {
            text = Case::parse(&text, Encoding::Yaml).expect("committed vectors parse").render(Encoding::Json);
        }
        let mut bytes = text.into_bytes();
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        check_text(&String::from_utf8_lossy(&bytes)).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn the_committed_vectors_used_here_round_trip() {
    for path in VECTORS {
        let text = committed(path);
        assert!(Case::parse(&text, Encoding::Yaml).is_ok(), "{path} parses");
        assert_eq!(check_text(&text), Ok(()), "{path}");
    }
}

proptest! {
    #![proptest_config(config())]

    /// The renderer's side of the round trip: free-text fields hold any string.
    #[test]
    fn a_vector_with_any_free_text_round_trips(
        which in 0..VECTORS.len(),
        description in any::<String>(),
        asm in prop::option::of(any::<String>()),
    ) {
        let Ok(Case::Vm(mut vector)) = Case::parse(&committed(VECTORS[which]), Encoding::Yaml) else {
            panic!("committed VM vectors parse");
        };
        vector.description = description;
        vector.config.program.asm = asm;
        round_trip(&Case::Vm(vector)).map_err(TestCaseError::fail)?;
    }
}

/// Strings the first versions of the canonical YAML renderer wrote so that they did not read
/// back (control characters written raw; a string of line feeds only as an empty literal
/// block), found by the properties above. Each goes into every free-text field at once.
#[test]
fn awkward_free_text_round_trips() {
    let Ok(Case::Vm(base)) = Case::parse(&committed(VECTORS[0]), Encoding::Yaml) else {
        panic!("committed VM vectors parse");
    };
    for text in [
        "\n",
        "\n\n",
        "\u{b}",
        "a\rb",
        "a\r\nb",
        "\u{85}",
        "\u{7f}",
        "\0",
        "\u{fffe}",
        "a\u{2028}b\n",
        " \n",
        "\t\n",
        "",
    ] {
        let mut vector = base.clone();
        vector.description = text.to_owned();
        vector.config.program.asm = Some(text.to_owned());
        vector.provenance.generator = Some(text.to_owned());
        let case = Case::Vm(vector);
        assert_eq!(round_trip(&case), Ok(()), "{text:?}");
    }
}
