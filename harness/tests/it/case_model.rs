//! The case model reads strictly: one canonical form, typed errors that say where.

use harness::case::{Case, CaseError, Encoding};

fn committed(path: &str) -> String {
    std::fs::read_to_string(super::repo().join("vectors").join(path)).expect("committed vector")
}

fn parse(text: &str) -> Result<Case, CaseError> {
    Case::parse(text, Encoding::Yaml)
}

#[test]
fn a_committed_vector_round_trips_byte_for_byte() {
    for path in [
        "vm/alu/add_max_1.yaml",
        "vm/host/answers_in_call_order.yaml",
        "vm/decode/trailing_byte.yaml",
        "vm/scenario_gas/exactly_enough_gas_halts.yaml",
    ] {
        let text = committed(path);
        let case = parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(case.render(Encoding::Yaml), text, "{path}");
        let json = case.render(Encoding::Json);
        assert_eq!(Case::parse(&json, Encoding::Json).as_ref(), Ok(&case), "{path} as JSON");
    }
}

#[test]
fn malformed_vectors_get_typed_errors() {
    let good = committed("vm/alu/add_2_3.yaml");
    let cases: Vec<(&str, String)> = vec![
        ("unknown field", good.replace("description:", "colour: 'blue'\ndescription:")),
        ("a number instead of a decimal string", good.replace("gas_limit: '1000000'", "gas_limit: 1000000")),
        ("a leading zero", good.replace("gas_limit: '1000000'", "gas_limit: '01000000'")),
        ("uppercase hex", good.replace("bytecode: '0x4f", "bytecode: '0x4F")),
        ("another format", good.replace("orsma-vector/1", "orsma-vector/2")),
        ("an unknown suite", good.replace("suite: 'vm'", "suite: 'dag'")),
        ("an id that disagrees", good.replace("id: 'vm/alu/add_2_3'", "id: 'vm/alu/add_2_4'")),
        (
            "a bad name",
            good.replace("case: 'add_2_3'", "case: 'Add-2-3'").replace("id: 'vm/alu/add_2_3'", "id: 'vm/alu/Add-2-3'"),
        ),
        ("unsorted tags", good.replace("tags: ['add', 'alu']", "tags: ['alu', 'add']")),
        (
            "an unknown trap",
            good.replace("status: 'halted'\n    value: '5'", "status: 'trapped'\n    trap: 'segfault'"),
        ),
    ];
    for (what, text) in cases {
        assert_ne!(text, good, "{what}: the edit applies");
        let kind = match parse(&text) {
            Err(CaseError::Syntax(_)) => "syntax",
            Err(CaseError::Format { .. }) => "format",
            Err(CaseError::UnknownSuite(_)) => "suite",
            Err(CaseError::Invalid(_)) => "invalid",
            Ok(_) => panic!("{what} should be rejected"),
        };
        let expected = match what {
            "another format" => "format",
            "an unknown suite" => "suite",
            "an id that disagrees" | "a bad name" | "unsorted tags" => "invalid",
            _ => "syntax",
        };
        assert_eq!(kind, expected, "{what}");
    }
    for (what, text) in [("not YAML", "format: [orsma"), ("nothing", "")] {
        assert!(parse(text).is_err(), "{what} should be rejected");
    }
    let err = parse(&good.replace("gas_limit: '1000000'", "gas_limit: '-5'")).expect_err("negative gas");
    assert!(err.to_string().contains("config.gas_limit"), "errors name the field: {err}");
}

#[test]
fn rule_breaking_configurations_are_invalid() {
    let good = committed("vm/memory/store_overwrites.yaml");
    for (what, text) in [
        ("an address beyond the size", good.replace("init: [['0', '1']", "init: [['9', '1']")),
        ("unordered cells", good.replace("[['0', '1'], ['1', '2']", "[['1', '2'], ['0', '1']")),
        ("a zero cell listed", good.replace("init: [['0', '1']", "init: [['0', '0']")),
    ] {
        assert_ne!(text, good, "{what}: the edit applies");
        assert!(matches!(parse(&text), Err(CaseError::Invalid(_))), "{what}");
    }
}
