# Test::Unit files run beside minitest ones.
require "test/unit"
require_relative "../lib/calculator"

class LegacyTest < Test::Unit::TestCase
  def test_adds_negative_numbers
    assert_equal(-1, Calculator.new.add(2, -3))
  end
end
