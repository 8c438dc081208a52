require_relative "../../lib/calculator"

RSpec.describe "Calculator, part 2" do
  let(:calc) { Calculator.new }

  it "adds" do
    sleep 0.3
    expect(calc.add(2, 1)).to eq(3)
  end

  it "divides" do
    sleep 0.2
    expect(calc.divide(8, 2)).to eq(4)
  end
end
