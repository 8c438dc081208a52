RSpec.describe "A slower report" do
  3.times do |n|
    it "renders section #{n + 1}" do
      sleep 0.5
      expect("section #{n + 1}").to include((n + 1).to_s)
    end
  end
end
