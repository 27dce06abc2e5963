@refute
Feature: Refuting a wrong claim about a VM run
  A defender claims the state commitment after N steps of a run; a challenger disputes it.
  They dissect the run until one step is in dispute, and a one-step proof settles it
  (docs/spec/refutation.md, rules DG-1 to DG-11). A proof carries only what the step touches,
  so a verifier needs nothing but the agreed pre-state commitment.

  Background:
    Given the program:
      """
      li r1, 34000
      loop: subi r1, r1, 1
      store [r2 + 1], r1
      jnz r1, loop
      halt r1
      """
    And a memory of 4 cells

  Scenario: a defender who lies about step 1000 loses to an honest challenger
    Given a game of degree 2 over 1000 steps
    And a defender who lies from step 1000
    And an honest challenger
    When the game is played
    Then the challenger wins
    And the game is decided by the proof
    And the disputed step is 999
    And the game takes at most 10 rounds
    And replay agrees with the game

  Scenario: a challenger who disputes a correct result at step 1000 loses on the proof
    Given a game of degree 2 over 1000 steps
    And an honest defender
    And a blind challenger who picks the last segment
    When the game is played
    Then the defender wins
    And the game is decided by the proof
    And the disputed step is 999
    And the game takes at most 10 rounds
    And replay agrees with the game

  Scenario: an honest challenger with nothing to dispute concedes by timeout
    Given a game of degree 4 over 1000 steps
    And an honest defender
    And an honest challenger
    When the game is played
    Then the defender wins
    And the game is decided by timeout
    And no step is disputed
    And replay agrees with the game

  Scenario: an 8-ary dissection finds a lie in 100000 steps within 6 rounds
    Given a game of degree 8 over 100000 steps
    And a defender who lies from step 4321
    And an honest challenger
    When the game is played
    Then the challenger wins
    And the disputed step is 4320
    And every dissection posts 7 commitments
    And the game takes at most 6 rounds
    And replay agrees with the game

  Scenario Outline: a blind challenger against a defender who lies from step 500 (<pick>)
    Given a game of degree 3 over 1000 steps
    And a defender who lies from step 500
    And a blind challenger who picks <pick>
    When the game is played
    Then the game takes at most 7 rounds

    Examples:
      | pick                |
      | the first segment   |
      | the last segment    |
      | segments from seed 7 |

  Scenario Outline: a tampered proof of a store is rejected as <code> (<kind>)
    When the proof of step 2 is tampered with: <kind>
    Then the proof is rejected as <code>

    Examples:
      | kind           | code               |
      | header_bit     | pre_state_mismatch |
      | wrong_pre      | pre_state_mismatch |
      | instr_bytes    | bad_path           |
      | cell_value     | bad_path           |
      | cell_path      | bad_path           |
      | drop_instr     | missing_witness    |
      | drop_cell      | missing_witness    |
      | extra_answer   | unused_witness     |
      | truncated      | decode             |
      | trailing       | decode             |
      | invalid_status | invalid_state      |

  Scenario: the untampered proof of a store verifies
    When the proof of step 2 is verified
    Then the proof is accepted

  Scenario: a push onto a stack whose free slot is dirty is rejected
    Given the program:
      """
      li r1, 4
      push r1
      halt r1
      """
    When the proof of step 1 is tampered with: dirty_stack_slot
    Then the proof is rejected as dirty_stack_slot

  Scenario: a step after halt changes nothing
    Given the program:
      """
      li r1, 12
      halt r1
      """
    When step 5 is proven
    Then the post-state equals the pre-state
    And the proof carries no host answer

  Scenario: the answer to a custom call travels in the proof
    Given the program:
      """
      li r1, 5
      custom 7
      add r2, r0, r1
      halt r2
      """
    And the host answers 40 charging 3 gas
    When step 1 is proven
    Then the proof carries the host answer 40

  Scenario: commitments follow the stack
    Given the program:
      """
      li r1, 4
      push r1
      pop r2
      halt r2
      """
    When the state is committed after 0, 1, 2, 3 and 4 steps
    Then the commitments after 0 and 1 steps are different
    And after 2 steps the stack depth is 1
    And after 3 steps the stack depth is 0
