Feature: Calculator
  Scenario: adding
    Given a calculator
    When I add 2 and 3
    Then the result is 5

  Scenario Outline: adding more
    Given a calculator
    When I add <a> and <b>
    Then the result is <sum>
    Examples:
      | a  | b | sum |
      | 1  | 1 | 2   |
      | -2 | 2 | 0   |
