@memory
Feature: Memory and stack are bounded, and a trap changes nothing

  Scenario: a stored value reads back
    Given a memory of 4 cells
    And the program:
      """
      li r1, -77
      store [r0 + 3], r1
      load r2, [r0 + 3]
      halt r2
      """
    When the program runs
    Then it halts with -77
    And memory cell 3 is -77

  Scenario: the initial memory is what the caller passes in
    Given the memory holds 5, 6, 7
    And the program:
      """
      load r0, [r0 + 2]
      halt r0
      """
    When the program runs
    Then it halts with 7
    And the memory is unchanged

  Scenario: an access at the memory size traps and writes nothing
    Given a memory of 2 cells
    And memory cell 1 holds 9
    And the program:
      """
      li r1, 2
      store [r1], r1
      """
    When the program runs
    Then it traps with memory_out_of_bounds
    And the memory is unchanged
    And memory cell 1 is 9

  Scenario: the 1025th push overflows the stack
    Given the program:
      """
      loop: push r0
      jmp loop
      """
    When the program runs
    Then it traps with stack_overflow
    And ip is 0
