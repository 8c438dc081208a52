#!/usr/bin/env bash
# Generates a small Rails 6.1 app with RSpec and SQLite, from Debian's packages only (no RubyGems.org):
#
#   apt-get install -y --no-install-recommends ruby-rails ruby-rspec-rails ruby-sqlite3 bundler
#   examples/rails-demo/generate.sh [DIR]          (default: examples/rails-demo/app)
#   cd DIR && testbot rspec
#
# What makes it a testbot project is what any Rails app needs for parallel tests, nothing more:
# - config/database.yml names the test database after TEST_ENV_NUMBER (db/test.sqlite3, db/test2.sqlite3, ...),
#   so every instance has its own;
# - spec/rails_helper.rb's ActiveRecord::Migration.maintain_test_schema! (rspec-rails puts it there) loads the
#   schema into an instance's database on its first job when it is missing or out of date: instances prepare
#   their databases themselves, at the same time, with no before_run;
# - the Gemfile makes testbot run rspec under `bundle exec`, as `bundle exec rspec` alone would.
set -euo pipefail
export BUNDLE_SILENCE_ROOT_WARNING=1 # a container or CI machine runs as root
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/app}"
for tool in ruby rails bundle; do
  command -v "$tool" >/dev/null || { echo "generate.sh: $tool is not installed (apt-get install -y --no-install-recommends ruby-rails ruby-rspec-rails ruby-sqlite3 bundler)" >&2; exit 2; }
done
[ ! -e "$dir" ] || { echo "generate.sh: $dir exists; remove it or name another directory" >&2; exit 2; }

rails new "$dir" --minimal --skip-bundle --skip-git --skip-test --skip-system-test --skip-javascript --skip-webpack-install \
  --skip-spring --skip-listen --skip-bootsnap --skip-jbuilder --skip-sprockets -d sqlite3 >/dev/null
cd "$dir"

cat > Gemfile <<'EOF'
source "https://rubygems.org"

gem "rails", "~> 6.1.7"
gem "sqlite3", "~> 1.4"

group :development, :test do
  gem "rspec-rails"
end
EOF
bundle install --local --quiet
sed -i 's|database: db/test.sqlite3|database: db/test<%= ENV["TEST_ENV_NUMBER"] %>.sqlite3|' config/database.yml

bin/rails generate rspec:install >/dev/null
bin/rails generate model Article title:string body:text published:boolean --no-fixture >/dev/null
bin/rails generate model Comment article:references author:string body:text --no-fixture >/dev/null
bin/rails db:migrate >/dev/null 2>&1

cat > app/models/article.rb <<'EOF'
class Article < ApplicationRecord
  has_many :comments, dependent: :destroy
  validates :title, presence: true, length: { maximum: 120 }
  scope :published, -> { where(published: true) }

  def slug
    title.parameterize
  end
end
EOF
cat > app/models/comment.rb <<'EOF'
class Comment < ApplicationRecord
  belongs_to :article
  validates :author, :body, presence: true
end
EOF

rm -f spec/models/*_spec.rb
cat > spec/models/database_spec.rb <<'EOF'
require "rails_helper"

RSpec.describe "Each instance's database" do
  it "is named after its TEST_ENV_NUMBER and runs under Bundler" do
    expect(ActiveRecord::Base.connection_db_config.database).to end_with("db/test#{ENV['TEST_ENV_NUMBER']}.sqlite3")
    expect(ENV["BUNDLE_GEMFILE"]).to end_with("/Gemfile")
  end
end
EOF
for n in 1 2 3 4 5 6; do
  cat > "spec/models/article_${n}_spec.rb" <<EOF
require "rails_helper"

RSpec.describe Article, "batch $n", type: :model do
  before { 40.times { |i| Article.create!(title: "Article $n-#{i}", published: i.even?) } }

  it "publishes every other article" do
    expect(Article.published.count).to eq(20)
  end

  it "makes slugs of titles" do
    expect(Article.first.slug).to eq("article-$n-0")
  end

  it "refuses an article without a title" do
    expect(Article.new(title: "")).not_to be_valid
  end

  it "removes an article's comments with it" do
    article = Article.first
    3.times { |i| article.comments.create!(author: "reader #{i}", body: "comment") }
    expect { article.destroy }.to change(Comment, :count).by(-3)
  end
end
EOF
done
for n in 1 2 3 4 5; do
  cat > "spec/models/comment_${n}_spec.rb" <<EOF
require "rails_helper"

RSpec.describe Comment, "batch $n", type: :model do
  let(:article) { Article.create!(title: "Commented $n") }

  it "needs an author and a body" do
    expect(Comment.new(article: article)).not_to be_valid
    expect(Comment.new(article: article, author: "a", body: "b")).to be_valid
  end

  it "belongs to its article" do
    25.times { |i| article.comments.create!(author: "reader #{i}", body: "comment $n") }
    expect(article.reload.comments.count).to eq(25)
  end
end
EOF
done
# Server mode ships the project to runners: the databases are each runner's own, made there as above.
cat > .testbot.yml <<'EOF'
ignore: ["db/*.sqlite3", "db/*.sqlite3-*"]
EOF
echo "generated $dir: $(ls spec/models | wc -l) spec files; cd $dir && testbot rspec"
