@host
Feature: The custom instruction asks the host
  A conformance case scripts the host: the n-th call gets the n-th answer.

  Scenario: the host's answer lands in r0 and its charge is added
    Given the program:
      """
      li r1, 5
      custom 7
      halt r0
      """
    And the host answers 123 charging 40 gas
    When the program runs
    Then it halts with 123
    And gas used is 52
    And the host was called 1 time
    And host call 1 had id 7

  Scenario: a host error traps with the host's code
    Given the program:
      """
      custom 1
      halt r0
      """
    And the host fails with code 77
    When the program runs
    Then it traps with host error 77

  Scenario: a call after the script is exhausted fails with code 2^64 - 1
    Given the program:
      """
      custom 1
      custom 1
      halt r0
      """
    And the host answers 5
    When the program runs
    Then it traps with host error 18446744073709551615
    And register r0 is 5
