require_relative "../../lib/calculator"

RSpec.describe "Calculator, part 8" do
  let(:calc) { Calculator.new }

  it "adds" do
    sleep 0.1
    expect(calc.add(8, 1)).to eq(9)
  end

  it "divides" do
    sleep 0.5
    expect(calc.divide(32, 2)).to eq(16)
  end
end
