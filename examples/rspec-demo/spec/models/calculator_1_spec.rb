require_relative "../../lib/calculator"

RSpec.describe "Calculator, part 1" do
  let(:calc) { Calculator.new }

  it "adds" do
    sleep 0.2
    expect(calc.add(1, 1)).to eq(2)
  end

  it "divides" do
    sleep 0.4
    expect(calc.divide(4, 2)).to eq(2)
  end
end
