require "minitest/autorun"

class Slow3Test < Minitest::Test
  def test_takes_a_while
    sleep 0.5
    assert true
  end
end
