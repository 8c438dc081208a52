# testbot asks rspec which spec files `rspec ARGS` would run here, as rspec itself decides it: .rspec,
# .rspec-local, ~/.rspec, SPEC_OPTS and the arguments, with their --pattern, --exclude-pattern and --default-path.
# Nothing is required or loaded (no spec_helper): only rspec's option parser and its file selection run.
#
#   ruby testbot_rspec_files.rb '["--pattern", "spec/**/*_spec.rb", "spec/models"]'
#
# Prints {"files": [paths relative to the current directory], "outside": [paths it names outside it]}.
require "json"
require "rspec/core"

$0 = "rspec" # rspec falls back to its default path only when it is the command
options = RSpec::Core::ConfigurationOptions.new(JSON.parse(ARGV.fetch(0))).options
configuration = RSpec::Core::Configuration.new
# In the order rspec applies them: the default path before the files, the patterns before the files are listed.
configuration.default_path = options[:default_path] if options[:default_path]
configuration.pattern = options[:pattern] if options[:pattern]
configuration.exclude_pattern = options[:exclude_pattern] if options[:exclude_pattern]
configuration.files_or_directories_to_run = options[:files_or_directories_to_run] || []
root = "#{Dir.pwd}/"
inside, outside = configuration.files_to_run.map { |file| File.expand_path(file) }.uniq.partition { |file| file.start_with?(root) }
$stdout.puts JSON.generate("files" => inside.map { |file| file[root.size..] }.sort, "outside" => outside)
