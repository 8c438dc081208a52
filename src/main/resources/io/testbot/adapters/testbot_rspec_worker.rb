# testbot's rspec worker: boots rspec (and whatever spec_helper loads) once, then runs job after job in this
# process, so a job costs its specs and not another boot.
#
#   ruby testbot_rspec_worker.rb                      (TESTBOT_WORKER_MARKER in the environment)
#   ruby testbot_rspec_worker.rb --job RESULTS.json [rspec arguments]     (one job, then exit with its status)
#
# Served by testbot_worker.rb (beside this file: the job loop, spares and the zygote). Each job is a line
# {"args": [rspec arguments], "json": results file}.
#
# A job runs as `rspec ARGS` would in the project: .rspec, .rspec-local, ~/.rspec (or the requester's, given in
# TESTBOT_RSPEC_GLOBAL_OPTIONS), SPEC_OPTS and the arguments, with the formatters they name (rspec's progress
# formatter when they name none); testbot's JSON formatter is added beside them, so no option can take it away.
# A spec file that fails to load costs only itself: rspec reports it as an error outside of examples (exit status
# 1), the job's other files still run and count, and the file and its error are written to RESULTS.json.testbot.
#
# What a worker keeps between jobs: everything Ruby loaded (spec_helper and what it requires, the application,
# gems, constants, globals, monkey patches), RSpec.configuration as RSpec.configure blocks left it (hooks, includes,
# mock framework, random seed), and shared examples registered by required files. What each job starts afresh:
# its spec files (loaded again), example groups, filters (a focus that filter_run_when_matching turned on, too),
# formatters and reporter, the options from the command line and the options files, and whether an error occurred
# outside of examples. before(:suite) and after(:suite)
# hooks run once per job. A job whose files failed to load, that raised outside of examples, or that left the
# process in another directory retires the worker: the next job gets a fresh one.
#
# A job may name a claims directory and its spec files ("claims", "entries"): another instance of the runner may then
# take over the job's files this worker has not begun. A file's example groups run only once this worker has claimed
# the file there (a file created for it, named by its place in the job's list); one the other instance claimed first is
# left out, and counted there.
#
# A spare or zygote preloads rspec itself, and nothing of a project.
require_relative "testbot_worker"
require_relative "testbot_claims"
require "rspec/core"

# What testbot adds to rspec, for the job that is running.
module TestbotRSpec
  class << self
    # Where the running job's JSON results go; nil between jobs.
    attr_reader :json
    # Each spec file of the running job that failed to load, with its error.
    attr_reader :load_errors
    # The last error rspec reported outside of examples.
    attr_accessor :last_error
    # What to undo once the running job is over.
    attr_reader :after_job
    # The running job's claims (testbot_claims.rb), when another instance may take over its files; nil otherwise.
    attr_reader :claims
  end
  @load_errors = []
  @after_job = []

  # rspec sets up its default formatter (progress, when the options name none) just before it first reports; the
  # JSON formatter joins whatever is there then, so .rspec or SPEC_OPTS cannot take it away, nor change rspec's
  # own choice of what to print.
  module JsonBesideTheProjectsFormatters
    def setup_default(output_stream, deprecation_stream)
      super
      add(RSpec::Core::Formatters::JsonFormatter, TestbotRSpec.json) if TestbotRSpec.json
    end
  end

  # On a runner of a server, the requester's ~/.rspec rather than the runner's user's.
  module RequestersGlobalOptions
    private

    def global_options
      text = ENV["TESTBOT_RSPEC_GLOBAL_OPTIONS"]
      return super if text.nil?

      @global_options ||= begin
        lines = ERB.new(text, trim_mode: "-").result(binding)
        parse_args_ignoring_files_or_dirs_to_run(lines.split(/\n+/).flat_map(&:shellsplit), "~/.rspec")
      end
    end
  end

  module LastError
    def notify_non_example_exception(exception, context_description)
      TestbotRSpec.last_error = exception
      super
    end
  end

  # rspec alone runs nothing when one spec file fails to load; here that file costs only itself. rspec has reported
  # its error (an error outside of examples: the job fails), and the job's other files load and run.
  module LoadErrorCostsOnlyItsFile
    def load_file_handling_errors(method, file)
      return super unless method == :load && TestbotRSpec.json

      quitting = RSpec.world.wants_to_quit
      TestbotRSpec.last_error = nil
      super
      return if quitting || !RSpec.world.wants_to_quit

      TestbotRSpec.load_errors << [file, TestbotRSpec.last_error]
      RSpec.world.wants_to_quit = false
      RSpec.world.example_groups.reject! { |group| group.metadata[:absolute_file_path] == file }
    end
  end

  # filter_run_when_matching (:focus, say) turns a filter on for good once an example matches, and stops watching:
  # in a worker that would filter every later job by the first one's focus. Here it holds for that job only, and
  # watches again for the next, as in a new rspec run.
  module FirstMatchingExamplePerJob
    def when_first_matching_example_defined(*filters, &block)
      configuration = self
      super(*filters) do
        static = configuration.static_config_filter_manager
        before = [static.inclusions.rules.keys, static.exclusions.rules.keys]
        block.call
        added = [static.inclusions.rules.keys - before[0], static.exclusions.rules.keys - before[1]]
        TestbotRSpec.after_job << lambda do
          added[0].each { |key| static.inclusions.rules.delete(key) }
          added[1].each { |key| static.exclusions.rules.delete(key) }
          configuration.when_first_matching_example_defined(*filters, &block)
        end
      end
    end
  end

  # A top-level group runs only when its file is this worker's: claimed by it now, or already.
  module ClaimsFilesBeforeRunning
    def run(reporter = RSpec::Core::NullReporter)
      return super unless TestbotRSpec.claims && superclass == RSpec::Core::ExampleGroup
      return true unless TestbotRSpec.claims.claim(metadata[:absolute_file_path])

      super
    end
  end

  RSpec::Core::ExampleGroup.singleton_class.prepend(ClaimsFilesBeforeRunning)
  RSpec::Core::Formatters::Loader.prepend(JsonBesideTheProjectsFormatters)
  RSpec::Core::Configuration.prepend(FirstMatchingExamplePerJob)
  RSpec::Core::ConfigurationOptions.prepend(RequestersGlobalOptions)
  RSpec::Core::Reporter.prepend(LastError)
  RSpec::Core::Configuration.prepend(LoadErrorCostsOnlyItsFile)
  # Its frames are no part of a project's backtraces, as rspec's own are not.
  RSpec.configuration.backtrace_exclusion_patterns << /#{Regexp.escape(File.basename(__FILE__))}/

  # Runs one job as `rspec ARGS` would here, its JSON results to the file json; returns its exit status and whether
  # this process should run no more jobs.
  def self.run(args, json, claims = nil, entries = [])
    @json = json
    @load_errors = []
    @claims = claims && TestbotClaims::Job.new(claims, entries)
    directory = Dir.pwd
    retire = false
    status =
      begin
        RSpec::Core::Runner.run(args, $stderr, $stdout)
      rescue SystemExit => e
        retire = true
        e.status
      rescue Exception => e # rubocop:disable Lint/RescueException -- a spec may raise anything; the worker reports it
        warn "testbot: #{e.class}: #{e.message}"
        retire = true
        1
      end
    retire ||= @load_errors.any? || RSpec.world.non_example_failure || Dir.pwd != directory
    write_load_errors(json, directory)
    [status.to_i, retire]
  ensure
    @json = nil
    @claims = nil
    @after_job.each(&:call).clear
    between_jobs
  end

  # What rspec documents for running again in one process: the next job loads its own files afresh.
  def self.between_jobs
    RSpec.clear_examples
    RSpec.world.non_example_failure = false if RSpec.world.respond_to?(:non_example_failure=)
    RSpec.world.wants_to_quit = false if RSpec.world.respond_to?(:wants_to_quit=)
    RSpec.world.rspec_is_quitting = false if RSpec.world.respond_to?(:rspec_is_quitting=)
  end

  def self.write_load_errors(json, directory)
    return if @load_errors.empty? || json.nil?

    root = "#{directory}/"
    errors = @load_errors.map do |file, error|
      { "file" => file.start_with?(root) ? file[root.size..] : file,
        "error" => error ? "#{error.class}: #{error.message}".lines.first.to_s.strip : "did not load" }
    end
    File.write("#{json}.testbot", JSON.generate("load_errors" => errors))
  end
end

module TestbotRSpec
  # What rspec loads on its first run anyway (unless a project chooses other frameworks, which then also load):
  # loaded while waiting, it is not paid by the first job.
  def self.preload
    %w[rspec/expectations rspec/mocks rspec/core/mocking_adapters/rspec
       rspec/core/formatters/progress_formatter rspec/core/formatters/json_formatter].each do |library|
      require library
    rescue LoadError
      nil
    end
  end

  # What rspec sets before it loads the --require files, in the order it sets them (ConfigurationOptions): the load
  # path, the default path, the files to run, the pattern, the order and seed, then the requires.
  BEFORE_REQUIRES = %i[libs default_path files_or_directories_to_run pattern exclude_pattern order requires].freeze

  # Booted ahead of a build (testbot_worker.rb): what the last build's job loaded before its examples, loaded now.
  # The job's options that rspec applies before its requires are applied as rspec applies them, then the --require
  # files (.rspec's spec_helper, say), then each helper in spec/ that every one of the job's spec files requires
  # (rails_helper, say). The build's first job then runs as a later job of a worker does: its own options applied
  # anew, the helpers already loaded. Raises when a helper did not load.
  def self.boot_ahead(job)
    options = RSpec::Core::ConfigurationOptions.new(job.fetch("args"))
    wanted = options.options.select { |key, _| BEFORE_REQUIRES.include?(key) }
    config = RSpec.configuration
    options.send(:order, wanted.keys).each do |key|
      options.send(:force?, key) ? config.force(key => wanted[key]) : config.__send__("#{key}=", wanted[key])
    end
    files = Array(wanted[:files_or_directories_to_run]).map { |entry| entry.sub(/\[[\d:,]+\]\z/, "").sub(/(:\d+)+\z/, "") }
                                                     .select { |file| File.file?(file) }
    unless files.empty?
      Dir.glob("#{config.default_path}/*_helper.rb").sort.each do |helper|
        name = File.basename(helper, ".rb")
        require File.expand_path(helper) if files.all? { |file| TestbotWorker.requires_helper?(file, name) }
      end
    end
    raise "a helper did not load" if RSpec.world.wants_to_quit || RSpec.world.non_example_failure

    between_jobs # as after a job: the next finds the worker as a worker's second job does
  end

  # In the project: "files took … to load" counts from here, not from a spare's wait.
  def self.boot
    RSpec.configuration.start_time = RSpec::Core::Time.now
  end

  def self.run_job(job)
    run(job.fetch("args"), job["json"], job["claims"], job.fetch("entries", []))
  end
end

if ARGV.first == "--job"
  ARGV.shift
  json = ARGV.shift
  status, = TestbotRSpec.run(ARGV.dup, json)
  exit status
end

TestbotWorker.serve(TestbotRSpec)
