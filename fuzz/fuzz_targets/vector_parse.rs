//! Vector text in: reading it as YAML or as JSON never panics, and a vector either reader
//! accepts passes its own checks and renders, in both encodings, to text that reads back as
//! the same case. Inputs that are not UTF-8 are skipped.
//!
//! `harness/tests/it/fuzz_props.rs` checks the same properties with proptest on stable.

#![no_main]

use harness::case::{Case, Encoding};
use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    let Ok(text) = std::str::from_utf8(data) else {
        return Corpus::Reject;
    };
    for encoding in [Encoding::Yaml, Encoding::Json] {
        if let Ok(case) = Case::parse(text, encoding) {
            round_trip(&case);
        }
    }
    Corpus::Keep
});

fn round_trip(case: &Case) {
    if let Err(e) = case.check() {
        panic!("an accepted vector fails its checks: {e}");
    }
    for encoding in [Encoding::Yaml, Encoding::Json] {
        let rendered = case.render(encoding);
        assert_eq!(
            Case::parse(&rendered, encoding).as_ref(),
            Ok(case),
            "the {encoding:?} rendering does not read back as the same case:\n{rendered}"
        );
    }
}
