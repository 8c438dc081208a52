require_relative "../../lib/calculator"

RSpec.describe "Calculator, part 5" do
  let(:calc) { Calculator.new }

  it "adds" do
    sleep 0.2
    expect(calc.add(5, 1)).to eq(6)
  end

  it "divides" do
    sleep 0.1
    expect(calc.divide(20, 2)).to eq(10)
  end
end
