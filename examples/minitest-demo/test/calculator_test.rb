require "minitest/autorun"
require_relative "../lib/calculator"

class CalculatorTest < Minitest::Test
  def setup
    @calculator = Calculator.new
  end

  def test_adds
    assert_equal 5, @calculator.add(2, 3)
  end

  def test_divides
    assert_equal 2, @calculator.divide(6, 3)
  end

  def test_refuses_to_divide_by_zero
    assert_raises(ZeroDivisionError) { @calculator.divide(1, 0) }
  end
end
