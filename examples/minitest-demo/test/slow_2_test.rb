require "minitest/autorun"

class Slow2Test < Minitest::Test
  def test_takes_a_while
    sleep 0.5
    assert true
  end
end
