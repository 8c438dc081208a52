require_relative "../../lib/calculator"

RSpec.describe "Calculator, part 4" do
  let(:calc) { Calculator.new }

  it "adds" do
    sleep 0.1
    expect(calc.add(4, 1)).to eq(5)
  end

  it "divides" do
    sleep 0.3
    expect(calc.divide(16, 2)).to eq(8)
  end
end
