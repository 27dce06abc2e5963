//! Bit-identity with Celestia: the extended square must be rsmt2d's.

use das::{Codec, DataSquare, ExtendedSquare, Field};
use sha2::{Digest, Sha256};

use crate::adr_square;

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

#[test]
fn a_real_celestia_square_is_reproduced_share_for_share() {
    let eds = include_bytes!("../data/celestia_eds_k4.bin");
    assert_eq!(sha256_hex(eds), "075c0950d4f7ce29191617bae71bd5cf3b41f1f7128bf510519d1a7d527f0098");
    let published = ExtendedSquare::from_bytes(4, 512, eds.to_vec()).unwrap();
    let ours = published.original().extend().unwrap();
    for r in 0..8 {
        for c in 0..8 {
            assert_eq!(ours.share(r, c), published.share(r, c), "share ({r}, {c})");
        }
    }
    assert_eq!(ours, published);
}

#[test]
fn rsmt2d_test_squares() {
    // rsmt2d extendeddatasquare_test.go, TestComputeExtendedDataSquare (LeoRSCodec): squares of
    // constant shares, given here by their constant byte.
    for size in [64, 512] {
        let constant = |b: u8| vec![b; size];
        let one = DataSquare::new(1, size, constant(1)).unwrap().extend().unwrap();
        assert_eq!(one.as_bytes(), vec![1u8; 4 * size].as_slice());

        let ods = [1u8, 2, 3, 4].iter().flat_map(|&b| constant(b)).collect();
        let two = DataSquare::new(2, size, ods).unwrap().extend().unwrap();
        let want = [[1u8, 2, 0, 3], [3, 4, 8, 15], [2, 11, 13, 4], [0, 13, 5, 8]];
        for (r, row) in want.iter().enumerate() {
            for (c, &b) in row.iter().enumerate() {
                assert_eq!(two.share(r, c).unwrap(), constant(b).as_slice(), "2×2 share ({r}, {c}), {size} bytes");
            }
        }
    }
}

#[test]
fn single_line_parity_matches_the_cross_implementation_hashes() {
    // ADR 0005: SHA-256 over the k parity shards of one encode of the deterministic data,
    // agreed by two independent crates per field (and by Go klauspost v1.12.0 per the
    // protocol digest). k = 129 is not a square width here, but it is a valid line.
    let cases = [
        (4, Field::Gf8, "048c89523b1790c1af413ca3a2ebef7ca88c0b2ffb94efcd35f0e22819fd48f7"),
        (64, Field::Gf8, "c32e0e7024c3ecdea3c6c48e0a089c420e2d31d29c16fe577cb65a4694f9019e"),
        (128, Field::Gf8, "b2ee996f1fc4c39656c48681a404eab0c28364a054791e6b0fa7cf9e18d6bd67"),
        (129, Field::Gf16, "4b98ef8dacda87ef01f16e4d5516dd21564478ac06dda89c941bbdb5bb94c9dc"),
        (256, Field::Gf16, "7c4aaac30b8b96e58a10a9b4d7e26b7e0e29191a98829da7d5c5ed20746a9620"),
        (512, Field::Gf16, "b15fcb5be0488277cf31b2b079b95c0b72f366558d6a116f7a1d0fbcc5763745"),
    ];
    for (k, field, want) in cases {
        let mut codec = Codec::new(k, 512).unwrap();
        assert_eq!(codec.field(), field);
        let mut line: Vec<Vec<u8>> =
            (0..k).map(|i| (0..512).map(|j| ((i * 31 + j * 7 + 1) % 256) as u8).collect()).collect();
        line.extend((0..k).map(|_| vec![0; 512]));
        let mut refs: Vec<&mut [u8]> = line.iter_mut().map(Vec::as_mut_slice).collect();
        codec.encode(&mut refs).unwrap();
        assert_eq!(sha256_hex(&line[k..].concat()), want, "k = {k}");
    }
}

#[test]
fn whole_squares_match_the_cross_implementation_hashes() {
    // ADR 0005: SHA-256 of the whole EDS, row-major, of the deterministic ODS.
    let gf8 = adr_square(128, 512).extend().unwrap();
    assert_eq!(sha256_hex(gf8.as_bytes()), "f9c8b2f2d985f0ad43f3cdf39eb3c7c01094a2627daf16f33a5760a02b6c7080");
    let gf16 = adr_square(256, 512).extend().unwrap();
    assert_eq!(sha256_hex(gf16.as_bytes()), "e138730f22fbd388e6f09c9730e87690419af98cdfa986ecfbb986d4969df7d4");
}

#[test]
fn q3_is_the_same_from_rows_and_from_columns() {
    // rsmt2d builds Q3 from the bottom rows; extending Q1's columns must give the same shares
    // (the code is linear and both are the tensor product of the row and column codes).
    for k in [1, 2, 4, 8, 16, 256] {
        let eds = adr_square(k, 64).extend().unwrap();
        let mut codec = Codec::new(k, 64).unwrap();
        for c in k..2 * k {
            let mut column: Vec<Vec<u8>> = (0..k).map(|r| eds.share(r, c).unwrap().to_vec()).collect();
            column.extend((0..k).map(|_| vec![0; 64]));
            let mut refs: Vec<&mut [u8]> = column.iter_mut().map(Vec::as_mut_slice).collect();
            codec.encode(&mut refs).unwrap();
            for (r, share) in column.iter().enumerate().skip(k) {
                assert_eq!(share, eds.share(r, c).unwrap(), "k={k} ({r}, {c})");
            }
        }
    }
}

#[test]
fn blobs_round_trip_through_the_smallest_square() {
    for (len, k) in [(0, 1), (504, 1), (505, 2), (4 * 512 - 8, 2), (4 * 512 - 7, 4), (100_000, 16)] {
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let ods = DataSquare::from_blob(&data, 512).unwrap();
        assert_eq!(ods.width(), k, "{len} bytes");
        assert_eq!(ods.blob(), Some(data.as_slice()));
        assert_eq!(ods.extend().unwrap().original(), ods);
    }
    assert!(DataSquare::from_blob(&vec![0; 512 * 512 * 512], 512).is_err());
}

#[test]
fn the_spec_worked_example() {
    // docs/spec/das.md §10: rsmt2d's 2×2 square with 64-byte shares. The roots were computed
    // independently by the Python example client's Keccak and Merkle code
    // (harness/clients/python/orsma_refute.py), from the square rsmt2d's test spells out.
    let ods = [1u8, 2, 3, 4].iter().flat_map(|&b| vec![b; 64]).collect();
    let eds = DataSquare::new(2, 64, ods).unwrap().extend().unwrap();
    let dah = eds.dah();
    let hex = |h: &primitives::Hash32| h.to_string();
    assert_eq!(hex(&dah.row_roots[0]), "0xae599e7aed9f6354f78b4612269cfe950ad357a9a970218511555061a1ac3a7c");
    assert_eq!(hex(&dah.row_roots[3]), "0x6e6805047ac4764546eab6efc31c0d5c00c1c74a63ca846336ab684d218fc2c9");
    assert_eq!(hex(&dah.col_roots[0]), "0x72eb4d81d20ac6b7d6f94b6bfef7d6d055a6e1055da1ec316a9008516f44e5a3");
    assert_eq!(hex(&dah.col_roots[3]), "0xc3089bab4de318af8f6bdfca2558eec2bbeb7ac0ad9ac526348d9e7aac943ec7");
    assert_eq!(hex(&dah.data_root()), "0x029c8d188a15e9d3ce7412bdf72c9795987b5c36971a66268411c45d59dc74e6");
    let proof = eds.share_proof(1, 2, das::Axis::Row).unwrap();
    let path: Vec<String> = proof.path.iter().map(hex).collect();
    assert_eq!(
        path,
        [
            "0xcfdaaa3a480e2747ec662fdff30474b62b1bf02bd940efb9367bffee47756ea9",
            "0x17cd0c83f8543f3ba9bb03ebb161d0a4cafadb925571bea39a19fde7c7944117"
        ]
    );
    // Sampling and custody draws, computed with the Python client's splitmix64.
    assert_eq!(das::sampling::sample_coordinates(1, 4, 5), [(0, 1), (1, 3), (3, 2), (2, 3), (2, 1)]);
    assert_eq!(das::sampling::sample_coordinates(2026, 256, 4), [(141, 35), (69, 93), (184, 142), (4, 242)]);
    let custody = das::custody::assign(7, 3, 8, 2, 2);
    assert_eq!((custody.rows, custody.cols), (vec![1, 7], vec![0, 4]));
}

#[test]
fn the_erasure_code_examples_of_the_spec_hold_for_the_production_codecs() {
    // docs/spec/das.md §3.3, examples E2–E4, computed from the closed form (DAS-EC) by the
    // Python reference (harness/clients/python/orsma_das_codec.py), here checked against the
    // crates the reference uses.
    let encode = |k: usize, data: Vec<Vec<u8>>| {
        let len = data[0].len();
        let mut line = data;
        line.extend((0..k).map(|_| vec![0; len]));
        let mut refs: Vec<&mut [u8]> = line.iter_mut().map(Vec::as_mut_slice).collect();
        Codec::new(k, len).unwrap().encode(&mut refs).unwrap();
        line.split_off(k)
    };
    let e2 = encode(2, vec![(0..64).collect(), (64..128).collect()]);
    assert_eq!(
        hex::encode(&e2[0]),
        "a8a9aaabacadaeafa0a1a2a3a4a5a6a7b8b9babbbcbdbebfb0b1b2b3b4b5b6b788898a8b8c8d8e8f808182838485868798999a9b9c9d9e9f9091929394959697"
    );
    assert_eq!(
        hex::encode(&e2[1]),
        "e8e9eaebecedeeefe0e1e2e3e4e5e6e7f8f9fafbfcfdfefff0f1f2f3f4f5f6f7c8c9cacbcccdcecfc0c1c2c3c4c5c6c7d8d9dadbdcdddedfd0d1d2d3d4d5d6d7"
    );
    let e3 = encode(3, (0..3).map(|i| (0..64).map(|j| ((i * 31 + j * 7 + 1) % 256) as u8).collect()).collect());
    assert_eq!(
        hex::encode(&e3[2]),
        "7fe3eb1f12f0f1050fa62b21d2df727858858d4845b6b75258e6a7ad8588777d54d2da2e23e1e0141e61f0fa0904202a0ad7df797487864349f7b6bc5e53aca6"
    );
    let mut e4_data = vec![vec![0u8; 64]; 129];
    e4_data[0] = (0..64).collect();
    let e4 = encode(129, e4_data);
    assert_eq!(
        hex::encode(&e4[0]),
        "85f5bcccbfcf86f604743d4d3e4e0777f787cebecdbdf48476064f3f4c3c7505ad8e5774c7e43d1e4e6db4972407defdab885172c1e23b18486bb2912201d8fb"
    );
    assert_eq!(sha256_hex(&e4.concat()), "d138bc45f27a30044e52385a21d5545cd6d0b958b388f1e06df4a8460be447b7");
}

#[test]
fn extending_into_a_reused_square_gives_the_same_square() {
    let mut codec = Codec::new(4, 64).unwrap();
    let mut out = adr_square(2, 128).extend().unwrap();
    for seed in [1, 2] {
        let ods = crate::seeded_square(4, 64, seed).original();
        ods.extend_into(&mut codec, &mut out).unwrap();
        assert_eq!(out, ods.extend().unwrap());
    }
}
