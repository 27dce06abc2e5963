@decode
Feature: The bytecode decoder is strict

  Scenario: an unknown opcode is rejected before anything runs
    Given the bytecode 0x4f52564d010100000099
    When the program runs
    Then the bytecode is rejected as invalid_opcode

  Scenario: bytes after the last instruction are rejected
    Given the bytecode 0x4f52564d01010000000100
    When the program runs
    Then the bytecode is rejected as trailing_bytes

  Scenario: a zero byte is the invalid instruction, which traps when run
    Given the bytecode 0x4f52564d010100000000
    When the program runs
    Then it traps with invalid_instruction
