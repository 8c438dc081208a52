require_relative "../../lib/calculator"

RSpec.describe "Calculator, part 6" do
  let(:calc) { Calculator.new }

  it "adds" do
    sleep 0.3
    expect(calc.add(6, 1)).to eq(7)
  end

  it "divides" do
    sleep 0.4
    expect(calc.divide(24, 2)).to eq(12)
  end
end
