@das
Feature: Data availability: extending a square, sampling it, repairing it and proving it badly encoded
  A block's data is laid out as a k×k square of shares and extended with a Reed–Solomon code to
  2k×2k, rows first, then columns (docs/spec/das.md DAS-2, DAS-3). Every row and column is
  committed to by a Merkle root, and the roots hash to the data root (DAS-4). Any k of the 2k
  shares of a line recover it, so a producer must withhold at least (k+1)² shares to stop repair
  (DAS-6), and a light client sampling a few shares notices that with high probability (DAS-8).
  A producer that commits to a square that is not a codeword is caught by a fraud proof any node
  checks against the header alone (DAS-7).

  Scenario: rsmt2d's 2×2 test square extends to the parity rsmt2d expects
    Given a 2×2 square of 64-byte shares filled with the bytes:
      """
      1 2
      3 4
      """
    When it is extended
    Then the extended square's shares are filled with the bytes:
      """
      1  2  0  3
      3  4  8 15
      2 11 13  4
      0 13  5  8
      """
    And the original quadrant is unchanged
    And the parity half of row 0 extends its original half
    And every row and every column is a codeword
    And row root 0 is 0xae599e7aed9f6354f78b4612269cfe950ad357a9a970218511555061a1ac3a7c
    And row root 3 is 0x6e6805047ac4764546eab6efc31c0d5c00c1c74a63ca846336ab684d218fc2c9
    And column root 0 is 0x72eb4d81d20ac6b7d6f94b6bfef7d6d055a6e1055da1ec316a9008516f44e5a3
    And column root 3 is 0xc3089bab4de318af8f6bdfca2558eec2bbeb7ac0ad9ac526348d9e7aac943ec7
    And the data root is 0x029c8d188a15e9d3ce7412bdf72c9795987b5c36971a66268411c45d59dc74e6

  Scenario: rsmt2d's 1×1 test square extends to four copies of its share
    Given a 1×1 square of 512-byte shares filled with the bytes:
      """
      1
      """
    When it is extended
    Then the extended square's shares are filled with the bytes:
      """
      1 1
      1 1
      """

  Scenario: the extension of a real Celestia square is the square Celestia published
    Given the original quadrant of the real Celestia square
    When it is extended
    Then the extended square is the one Celestia published
    And every row and every column is a codeword

  Scenario: a 4×4 square of blob data is extended and committed row by row and column by column
    Given a blob of 1000 bytes drawn from seed 7 in 64-byte shares
    When it is extended
    Then the extended square is 8×8
    And the original quadrant is unchanged
    And the parity half of row 0 extends its original half
    And every row and every column is a codeword
    And the row roots are the Merkle roots of the rows
    And the column roots are the Merkle roots of the columns
    And the data root is the Merkle root of the row and column roots

  Scenario: the worked example's share proof leads from share (1, 2) to the root of row 1
    Given a 2×2 square of 64-byte shares filled with the bytes:
      """
      1 2
      3 4
      """
    When share (1, 2) is proven against its row
    Then the path is:
      """
      0xcfdaaa3a480e2747ec662fdff30474b62b1bf02bd940efb9367bffee47756ea9
      0x17cd0c83f8543f3ba9bb03ebb161d0a4cafadb925571bea39a19fde7c7944117
      """

  Scenario: a share proof against a column of a 16×16 square has four hashes
    Given a 8×8 square of 64-byte shares drawn from seed 4
    When share (13, 2) is proven against its column
    Then the proof has 4 hashes

  Scenario: an untampered share proof verifies
    Given a 4×4 square of 64-byte shares drawn from seed 11
    When share (2, 5) is verified with its column proof
    Then the proof is accepted

  Scenario Outline: a share proof tampered with is rejected (<kind>)
    Given a 4×4 square of 64-byte shares drawn from seed 11
    When share (2, 5) is verified with its row proof tampered: <kind>
    Then the proof is rejected as <code>

    Examples:
      | kind                             | code         |
      | path_bit                         | bad_path     |
      | wrong_axis                       | bad_path     |
      | moved_row                        | bad_path     |
      | short_path                       | bad_path     |
      | other_share                      | bad_path     |
      | share_short                      | share_size   |
      | row_out_of_range                 | out_of_range |
      | row_out_of_range_and_share_short | out_of_range |

  Scenario Outline: any one quadrant repairs the whole square (Q<quadrant>)
    Given a 4×4 square of 64-byte shares drawn from seed 5
    And the node holds only quadrant Q<quadrant>
    When the node repairs the square
    Then the square is repaired

    Examples:
      | quadrant |
      | 0        |
      | 1        |
      | 2        |
      | 3        |

  Scenario: the (k+1)² pattern is unrecoverable
    Given a 4×4 square of 64-byte shares drawn from seed 5
    And the producer withholds the (k+1)×(k+1) block at the top left
    When the node repairs the square
    Then repair fails as unrecoverable with 25 shares missing in 5 rows and 5 columns

  Scenario: releasing one share of the (k+1)² block makes the square recoverable
    Given a 4×4 square of 64-byte shares drawn from seed 5
    And the node holds these shares:
      """
      00000111
      00000111
      00000111
      00000111
      10000111
      11111111
      11111111
      11111111
      """
    When the node repairs the square
    Then the square is repaired

  Scenario: repair finds the row a corrupted parity share breaks
    Given a 4×4 square of 64-byte shares drawn from seed 5
    And the producer flips a bit of share (2, 6) after extending
    And the node holds every share
    When the node repairs the square
    Then repair fails with bad encoding of row 2

  Scenario: a corrupted parity share yields a fraud proof that any node accepts
    Given a 4×4 square of 64-byte shares drawn from seed 5
    And the producer flips a bit of share (2, 6) after extending
    When a fraud proof of row 2 is built from its first k shares
    Then the fraud proof is accepted as root_mismatch

  Scenario: a fraud proof carrying the whole bad row shows that it is not a codeword
    Given a 4×4 square of 64-byte shares drawn from seed 5
    And the producer flips a bit of share (2, 6) after extending
    When a fraud proof of row 2 is built from all its shares
    Then the fraud proof is accepted as not_a_codeword

  Scenario: a fraud proof against the corrupted column is accepted too
    Given a 4×4 square of 64-byte shares drawn from seed 5
    And the producer flips a bit of share (2, 6) after extending
    When a fraud proof of column 6 is built from its first k shares
    Then the fraud proof is accepted as root_mismatch

  Scenario: a fraud proof with a share moved to another position is rejected as bad_share
    Given a 4×4 square of 64-byte shares drawn from seed 5
    And the producer flips a bit of share (2, 6) after extending
    When a fraud proof of row 2 is tampered with: moved_share
    Then the fraud proof is rejected as bad_share

  Scenario: a fraud proof over a correct line is rejected as not_fraud
    Given a 4×4 square of 64-byte shares drawn from seed 5
    And the producer flips a bit of share (2, 6) after extending
    When a fraud proof of row 3 is built from its first k shares
    Then the fraud proof is rejected as not_fraud

  Scenario Outline: a fraud proof is checked in order and rejected at the first failing check (<kind>)
    Given a 4×4 square of 64-byte shares drawn from seed 5
    And the producer flips a bit of share (2, 6) after extending
    When a fraud proof of row 2 is tampered with: <kind>
    Then the fraud proof is rejected as <code>

    Examples:
      | kind                            | code           |
      | truncated                       | decode         |
      | header_short                    | bad_header     |
      | share_size_100                  | bad_share_size |
      | index_width                     | bad_index      |
      | entry_short                     | wrong_length   |
      | share_dropped                   | too_few_shares |
      | share_dropped_and_share_bit     | too_few_shares |

  Scenario: the worked example's light client samples
    Given a 2×2 square of 64-byte shares drawn from seed 1
    When a light client draws 5 samples with seed 1
    Then the samples are (0, 1) (1, 3) (3, 2) (2, 3) (2, 1)

  Scenario: a light client with 16 samples detects the minimal withholding
    Given a 16×16 square of 64-byte shares drawn from seed 3
    And the producer withholds the (k+1)×(k+1) block at the top left
    When a light client draws 16 samples with seed 42
    Then the samples are distinct and inside the square
    And a sample falls on a withheld share

  Scenario: 16 samples detect the minimal withholding of a 64×64 square with probability above 99 %
    Given a 32×32 square of 64-byte shares drawn from seed 3
    And the producer withholds the (k+1)×(k+1) block at the top left
    When the probability that 16 samples detect the withholding is computed
    Then the probability is at least 0.99
    And the probability rounds to 0.99296
