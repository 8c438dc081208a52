require_relative "../../lib/calculator"

RSpec.describe "Calculator, part 7" do
  let(:calc) { Calculator.new }

  it "adds" do
    sleep 0.4
    expect(calc.add(7, 1)).to eq(8)
  end

  it "divides" do
    sleep 0.2
    expect(calc.divide(28, 2)).to eq(14)
  end
end
