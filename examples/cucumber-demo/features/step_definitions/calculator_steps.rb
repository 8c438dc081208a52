require_relative "../../lib/calculator"

Given("a calculator") { @calculator = Calculator.new }
When(/^I add (-?\d+) and (-?\d+)$/) { |a, b| @result = @calculator.add(a.to_i, b.to_i) }
When(/^I divide (\d+) by (\d+)$/) { |a, b| @result = @calculator.divide(a.to_i, b.to_i) }
Then(/^the result is (-?\d+)$/) { |n| raise "expected #{n}, got #{@result}" unless @result == n.to_i }
