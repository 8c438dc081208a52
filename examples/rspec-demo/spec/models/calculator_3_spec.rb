require_relative "../../lib/calculator"

RSpec.describe "Calculator, part 3" do
  let(:calc) { Calculator.new }

  it "adds" do
    sleep 0.4
    expect(calc.add(3, 1)).to eq(4)
  end

  it "divides" do
    sleep 0.5
    expect(calc.divide(12, 2)).to eq(6)
  end
end
