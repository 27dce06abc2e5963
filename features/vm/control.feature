@control
Feature: Jumps, branches, calls and returns
  Targets are instruction indices. Jumping outside the program is allowed; the next step
  traps because there is no instruction there.

  Scenario: a counted loop runs its body the right number of times
    Given the program:
      """
          li r1, 5
      loop:
          addi r0, r0, 3
          subi r1, r1, 1
          jnz r1, loop
          halt r0
      """
    When the program runs
    Then it halts with 15
    And the run takes 17 steps

  Scenario: a call returns to the instruction after it
    Given the program:
      """
          call double
          halt r0
      double:
          li r0, 8
          add r0, r0, r0
          ret
      """
    When the program runs
    Then it halts with 16
    And the stack is empty

  Scenario: ret jumps to whatever is on top of the stack
    Given the program:
      """
      li r1, 4
      push r1
      ret
      halt r0
      li r0, 9
      halt r0
      """
    When the program runs
    Then it halts with 9

  Scenario: jumping outside the program traps on the next step
    Given the program:
      """
      li r0, 1
      jmp 100
      """
    When the program runs
    Then it traps with ip_out_of_bounds
    And ip is 100
    And the run takes 3 steps
    And gas used is 2

  Scenario: signed and unsigned branches disagree about -1
    Given the program:
      """
          li r1, -1
          blt r1, r0, signed
          li r2, 1
      signed:
          bltu r1, r0, unsigned
          li r3, 1
      unsigned:
          halt r0
      """
    When the program runs
    Then the registers are 0, -1, 0, 1
