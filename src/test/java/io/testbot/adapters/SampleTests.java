package io.testbot.adapters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small Test::Unit, minitest and Cucumber suites with a known mix of outcomes, shared by the adapter tests. */
public final class SampleTests {
    private SampleTests() {}

    static void write(Path root, String path, String content) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    /** 6 tests: 1 failure (line 7), 1 error (line 10), 1 pending, 1 omission, 2 passing; 4 assertions. */
    public static Path testUnit(Path root) throws IOException {
        write(root, "test/calc_test.rb", """
                require "test/unit"
                class CalcTest < Test::Unit::TestCase
                  def test_adds
                    assert_equal 2, 1 + 1
                    assert_equal 3, 1 + 2
                  end
                  def test_fails
                    assert_equal 3, 1 + 1
                  end
                  def test_errors
                    raise "boom"
                  end
                  def test_pends
                    pend "later"
                  end
                  def test_omits
                    omit "not here"
                  end
                end
                """);
        write(root, "test/helper_free_test.rb", """
                require "test/unit"
                class HelperFreeTest < Test::Unit::TestCase
                  def test_env
                    assert_not_nil ENV.fetch("PATH")
                  end
                end
                """);
        return root;
    }

    /** 4 tests: 1 failure, 1 error, 1 skip, 1 passing; 2 assertions. */
    public static Path minitest(Path root) throws IOException {
        write(root, "test/small_test.rb", """
                require "minitest/autorun"
                class SmallTest < Minitest::Test
                  def test_ok
                    assert_equal 2, 1 + 1
                  end
                  def test_bad
                    assert_equal 3, 1 + 1
                  end
                  def test_err
                    raise ArgumentError, "nope"
                  end
                  def test_skip
                    skip "later"
                  end
                end
                """);
        return root;
    }

    /**
     * Two features: calc.feature has a background and 5 scenarios (one failing at line 9, one undefined, an
     * outline of 2 rows); pend.feature 1 pending scenario. Cucumber: 6 scenarios, 17 steps.
     */
    public static Path cucumber(Path root) throws IOException {
        write(root, "features/calc.feature", """
                Feature: Calculator
                  Background:
                    Given a calculator

                  Scenario: adding
                    When I add 1 and 2
                    Then the result is 3

                  Scenario: wrong
                    When I add 1 and 1
                    Then the result is 3

                  Scenario: missing
                    When I do something undefined

                  Scenario Outline: many
                    When I add <a> and <b>
                    Then the result is <c>
                    Examples:
                      | a | b | c |
                      | 1 | 1 | 2 |
                      | 2 | 2 | 4 |
                """);
        write(root, "features/pend.feature", """
                Feature: Pending
                  Scenario: later
                    Given a calculator
                    When I wait
                    Then the result is 3
                """);
        write(root, "features/step_definitions/steps.rb", """
                Given("a calculator") { @calc = true }
                When(/^I add (\\d+) and (\\d+)$/) { |a, b| @result = a.to_i + b.to_i }
                Then(/^the result is (\\d+)$/) { |c| expect(@result).to eq(c.to_i) }
                When("I wait") { pending "not yet" }
                """);
        return root;
    }
}
