@consensus
Feature: Tendermint consensus: one node, the messages it receives, and what it must do
  A node runs Algorithm 1 of "The latest gossip on BFT consensus" (Buchman, Kwon and Milosevic,
  arXiv 1807.04938) for one height after another (docs/spec/consensus.md). In each round the
  proposer proposes a value; validators prevote it, precommit it once 2f+1 prevote it (a polka,
  on which they lock), and decide it once 2f+1 precommit it. Timeouts move a stuck round along,
  f+1 messages of a later round pull a node forward, and a validator that signs two conflicting
  messages is reported. Here the node's environment is the scenario: the other validators'
  signed messages, the timeouts the node scheduled, and the application's answers.
  The other validators are the node's peers, numbered from 1; a value's bytes are its name.

  Scenario: a node that does not propose decides the proposal on a polka and 2f+1 precommits
    Given 4 validators of equal power
    And the node is not the proposer of round 0
    When the node starts
    Then the node schedules the propose timeout of round 0 for 3000 ms
    And the node does not vote
    When the proposer of round 0 proposes A
    Then the node prevotes A in round 0
    When peers 1 and 2 prevote A in round 0
    Then the node precommits A in round 0
    When peers 1 and 2 precommit A in round 0
    Then the node decides A in round 0
    And the node is at height 2
    And the node is not locked

  Scenario: the proposer proposes the application's value and prevotes it
    Given 4 validators of equal power
    And the node is the proposer of round 0
    And the application proposes A at height 1 round 0
    When the node starts
    Then the node proposes A in round 0
    And the node prevotes A in round 0

  Scenario: a polka for the proposal locks the node on it
    Given 4 validators of equal power
    And the node is not the proposer of round 0
    When the node starts
    And the proposer of round 0 proposes A
    And peer 1 prevotes A in round 0
    Then the node does not precommit
    And the node is not locked
    When peer 2 prevotes A in round 0
    Then the node precommits A in round 0
    And the node schedules the prevote timeout of round 0 for 1000 ms
    And the node is locked on A in round 0
    And the node's valid value is A from round 0

  Scenario: a locked node unlocks on a later polka for a value re-proposed with that valid round
    Given 4 validators of equal power
    And the node is not the proposer of rounds 0, 1 and 2
    When the node starts
    And the proposer of round 0 proposes A
    And peers 1 and 2 prevote A in round 0
    Then the node is locked on A in round 0
    When all peers prevote B in round 1
    Then the node is in round 1
    And the node does not vote
    When the proposer of round 2 proposes B with valid round 1
    And all peers prevote B in round 2
    Then the node is in round 2
    And the node prevotes B in round 2
    And the node precommits B in round 2
    And the node is locked on B in round 2

  Scenario: a locked node prevotes nil for another value proposed afresh
    Given 4 validators of equal power
    And the node is not the proposer of rounds 0 and 1
    When the node starts
    And the proposer of round 0 proposes A
    And peers 1 and 2 prevote A in round 0
    Then the node is locked on A in round 0
    When the proposer of round 1 proposes B
    And all peers prevote nil in round 1
    Then the node prevotes nil in round 1
    And the node is locked on A in round 0

  Scenario: the next proposer re-proposes the valid value with its valid round
    Given 4 validators of equal power
    And the node is the proposer of round 1
    When the node starts
    And the proposer of round 0 proposes A
    And 2 peers prevote A in round 0
    Then the node precommits A in round 0
    When 2 peers precommit nil in round 0
    Then the node schedules the precommit timeout of round 0 for 1000 ms
    And the node does not decide
    When the precommit timeout of round 0 expires
    Then the node proposes A in round 1 with valid round 0
    And the node prevotes A in round 1

  Scenario: the node prevotes nil when timeoutPropose expires
    Given 4 validators of equal power
    And the node is not the proposer of round 0
    When the node starts
    And the propose timeout of round 0 expires
    Then the node prevotes nil in round 0
    And the node is in step prevote
    When the proposer of round 0 proposes A
    Then the node does not vote

  Scenario: the node precommits nil when timeoutPrevote expires
    Given 4 validators of equal power
    And the node is not the proposer of round 0
    When the node starts
    And the proposer of round 0 proposes A
    And peer 1 prevotes nil in round 0
    And peer 2 prevotes B in round 0
    Then the node prevotes A in round 0
    And the node schedules the prevote timeout of round 0 for 1000 ms
    And the node does not precommit
    When the prevote timeout of round 0 expires
    Then the node precommits nil in round 0
    And the node is not locked

  Scenario: 2f+1 nil prevotes make the node precommit nil
    Given 4 validators of equal power
    And the node is not the proposer of round 0
    When the node starts
    And the propose timeout of round 0 expires
    And peers 1 and 2 prevote nil in round 0
    Then the node prevotes nil in round 0
    And the node precommits nil in round 0

  Scenario: messages of a later round from f+1 validators make the node skip to that round
    Given 4 validators of equal power
    And the node is not the proposer of rounds 0 and 3
    When the node starts
    Then the node schedules the propose timeout of round 0 for 3000 ms
    When peer 1 prevotes nil in round 3
    And peer 1 precommits nil in round 3
    Then the node does nothing
    And the node is in round 0
    When peer 2 prevotes nil in round 3
    Then the node is in round 3
    And the node schedules the propose timeout of round 3 for 4500 ms

  Scenario Outline: one message of round 2 from a validator of power <power> of 10 <skips>
    Given validators with powers 4, 2, 2 and 2
    And the node is validator 4
    When the node starts
    And validator <validator> prevotes nil in round 2
    Then the node is in round <round>

    Examples:
      | power | validator | skips                      | round |
      | 4     | 1         | makes the node skip        | 2     |
      | 2     | 2         | does not make the node skip | 0     |

  Scenario Outline: timeoutPropose of round <round> lasts <ms> ms
    Given 4 validators of equal power
    And the node is not the proposer of rounds 0 and <round>
    And timeoutPropose is 1000 ms plus 250 ms per round
    When the node starts
    Then the node schedules the propose timeout of round 0 for 1000 ms
    When peers 1 and 2 prevote nil in round <round>
    Then the node schedules the propose timeout of round <round> for <ms> ms

    Examples:
      | round | ms   |
      | 1     | 1250 |
      | 2     | 1500 |
      | 7     | 2750 |

  Scenario: a node in round 1 decides round 0's proposal on 2f+1 precommits of round 0
    Given 4 validators of equal power
    And the node is not the proposer of rounds 0 and 1
    When the node starts
    And peers 1 and 2 prevote nil in round 1
    Then the node is in round 1
    When all peers precommit A in round 0
    Then the node does not decide
    When the proposer of round 0 proposes A
    Then the node decides A in round 0
    And the node is at height 2

  Scenario: a polka completing after a nil precommit only updates the valid value
    Given 4 validators of equal power
    And the node is not the proposer of round 0
    When the node starts
    And the propose timeout of round 0 expires
    And peers 1 and 2 prevote A in round 0
    Then the node prevotes nil in round 0
    When the prevote timeout of round 0 expires
    Then the node precommits nil in round 0
    When the proposer of round 0 proposes A
    And peer 3 prevotes A in round 0
    Then the node does nothing
    And the node's valid value is A from round 0
    And the node is not locked

  Scenario: an equivocating voter is reported once
    Given 4 validators of equal power
    And the node is not the proposer of round 0
    When the node starts
    And the proposer of round 0 proposes A
    Then the node prevotes A in round 0
    When peer 1 prevotes A in round 0
    And peer 1 prevotes B in round 0
    Then the node reports peer 1 for a duplicate vote
    When peer 1 prevotes nil in round 0
    Then the node does nothing

  Scenario: an equivocating proposer is reported, and the node prevotes its first proposal
    Given 4 validators of equal power
    And the node is not the proposer of round 0
    When the node starts
    And the proposer of round 0 proposes A
    And the proposer of round 0 proposes B
    Then the node reports the proposer of round 0 for a duplicate proposal
    And the node prevotes A in round 0
    And the node does not precommit

  Scenario: a proposal the application finds invalid gets a nil prevote
    Given 4 validators of equal power
    And the node is not the proposer of round 0
    And the application finds A invalid
    When the node starts
    And the proposer of round 0 proposes A
    Then the node prevotes nil in round 0
    When all peers prevote A in round 0
    Then the node does not precommit
    And the node is not locked

  Scenario: pipelined validation counts votes while the answer is pending
    Given 4 validators of equal power
    And validation is pipelined
    And the node is not the proposer of round 0
    When the node starts
    And the proposer of round 0 proposes A
    Then the node asks to validate A
    And the node does not vote
    When all peers prevote A in round 0
    Then the node does nothing
    When the validation of A completes as valid
    Then the node prevotes A in round 0
    And the node precommits A in round 0

  Scenario: a pipelined proposer asks for a value and proposes the answer
    Given 4 validators of equal power
    And validation is pipelined
    And the node is the proposer of round 0
    When the node starts
    Then the node asks for a value for round 0
    And the node does not propose
    When the application answers with A for round 0
    Then the node proposes A in round 0
    And the node prevotes A in round 0

  Scenario: a node outside the validator set decides without voting
    Given 4 validators of equal power
    And the node is not a validator
    When the node starts
    And the proposer of round 0 proposes A
    And all validators prevote A in round 0
    And all validators precommit A in round 0
    Then the node decides A in round 0
    And the node does not vote

  Scenario Outline: an input that breaks a rule is rejected and changes nothing (<code>)
    Given 4 validators of equal power
    And the node is not the proposer of rounds 0 and 2
    When the node starts
    Then the node schedules the propose timeout of round 0 for 3000 ms
    When <input>
    Then the input is rejected as <code>
    And the node is in round 0
    And the node is in step propose

    Examples:
      | input                                                          | code                |
      | peer 1 sends a prevote for nil in round 0 with a bad signature | bad_signature       |
      | an outsider prevotes A in round 0                              | unknown_validator   |
      | peer 1 prevotes nil in round 1001                              | round_too_far_ahead |
      | peer 1 prevotes nil in round 0 at height 3                     | future_height       |
      | the proposer of round 2 proposes A with valid round 2          | bad_valid_round     |
