@alu
Feature: Arithmetic wraps, truncates and traps exactly as the spec says
  Registers hold 64-bit two's complement integers. Addition, subtraction and
  multiplication wrap around; division truncates toward zero; a zero divisor traps.

  Scenario Outline: <op> of <a> and <b> is <result>
    Given the program:
      """
      li r1, <a>
      li r2, <b>
      <op> r3, r1, r2
      halt r3
      """
    When the program runs
    Then it halts with <result>
    And register r3 is <result>
    And gas used is <gas>

    Examples: wrapping
      | op  | a                    | b  | result               | gas |
      | add | 9223372036854775807  | 1  | -9223372036854775808 | 4   |
      | sub | -9223372036854775808 | 1  | 9223372036854775807  | 4   |
      | mul | 4294967296           | 4294967296 | 0            | 6   |

    Examples: division
      | op   | a                    | b  | result               | gas |
      | div  | -7                   | 2  | -3                   | 8   |
      | rem  | -7                   | 2  | -1                   | 8   |
      | div  | -9223372036854775808 | -1 | -9223372036854775808 | 8   |
      | divu | -1                   | 2  | 9223372036854775807  | 8   |
      | remu | -1                   | 10 | 5                    | 8   |

    Examples: shifts never mask the amount
      | op  | a   | b  | result | gas |
      | shl | 1   | 64 | 0      | 4   |
      | shr | -1  | 65 | 0      | 4   |
      | sar | -16 | 64 | -1     | 4   |
      | sar | -16 | 2  | -4     | 4   |

  Scenario: dividing by zero traps and leaves the destination alone
    Given the program:
      """
      li r3, 42
      li r1, 7
      div r3, r1, r2
      halt r3
      """
    When the program runs
    Then it traps with division_by_zero
    And register r3 is 42
    And ip is 2

  Scenario: an instruction may read and write the same register
    Given the program:
      """
      li r0, 21
      add r0, r0, r0
      halt r0
      """
    When the program runs
    Then it halts with 42
