@gas
Feature: Gas is charged before each instruction and running out uses it all

  Background:
    Given the program:
      """
      li r1, 3
      mul r2, r1, r1
      push r2
      halt r2
      """

  Scenario: exactly enough gas halts
    Given a gas limit of 7
    When the program runs
    Then it halts with 9
    And gas used is 7

  Scenario: one unit short runs out of gas at the last instruction
    Given a gas limit of 6
    When the program runs
    Then it traps with out_of_gas
    And all gas is used
    And ip is 3
    And the stack is 9

  Scenario: no gas at all stops the first instruction
    Given a gas limit of 0
    When the program runs
    Then it traps with out_of_gas
    And the registers are 0, 0, 0, 0
    And the run takes 1 step
