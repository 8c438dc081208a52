Feature: Division
  Scenario: dividing
    Given a calculator
    When I divide 6 by 3
    Then the result is 2
