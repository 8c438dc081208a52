# A tiny library for the demo suite.
class Calculator
  def add(a, b) = a + b
  def divide(a, b) = a / b
end
