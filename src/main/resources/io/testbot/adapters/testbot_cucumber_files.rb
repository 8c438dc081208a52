# testbot asks cucumber which feature files `cucumber ARGS` would run here, as cucumber itself decides it: its
# profile (the default one of cucumber.yml unless ARGS name another), its paths and --exclude, and the arguments.
# Nothing of the project is loaded: only cucumber's option and profile parsing and its choice of feature files.
#
#   ruby testbot_cucumber_files.rb '["--tags", "~@wip", "features/billing"]'
#
# Prints {"files": [paths relative to the current directory], "outside": [paths it names outside it]}.
$VERBOSE = nil # cucumber 2's profile loader warns about ERB's arguments on newer Rubies
require "json"
require "stringio"
require "cucumber"

cli = Cucumber::Cli::Configuration.new(StringIO.new, StringIO.new) # "Using the default profile..." is not the answer
cli.parse!(JSON.parse(ARGV.fetch(0)))
root = "#{Dir.pwd}/"
files = Cucumber::Configuration.new(cli).feature_files.map { |file| File.expand_path(file.sub(/(?::\d+)+\z/, "")) }.uniq
inside, outside = files.partition { |file| file.start_with?(root) }
$stdout.puts JSON.generate("files" => inside.map { |file| file[root.size..] }.sort, "outside" => outside)
