# testbot's cucumber worker: boots cucumber once and keeps one cucumber runtime, whose support code
# (features/support, step definitions, hooks, and what env.rb requires: the application, say) loads in the first
# job only (or, in a worker booted ahead of a build, before it: see boot_ahead), then runs job after job in this
# process, so a job costs its scenarios and not another boot.
#
#   ruby testbot_cucumber_worker.rb                   (TESTBOT_WORKER_MARKER in the environment)
#
# Served by testbot_worker.rb (beside this file: the job loop, spares and the zygote). Each job is a line
# {"args": [cucumber arguments], "outs": [files its formatters write]}, run as `cucumber ARGS` would run it, with
# its exit status. A job may name a claims directory and its feature files ("claims", "entries"): another instance
# of the runner may then take over the files it has not begun, and it runs a file's scenarios only once it has
# claimed the file, as its first scenario is about to run (testbot_claims.rb); the others it leaves out.
#
# What a worker keeps between jobs, as one cucumber run keeps between features: everything Ruby loaded, the support
# code loaded once (hooks, World modules, step definitions, at_exit blocks of env.rb), and globals. What each job
# starts afresh: its options and profile, formatters, features, results and whether cucumber wants to quit;
# AfterConfiguration hooks run once per job. A job whose run raised, that called exit, or that left the process
# in another directory retires the worker: the next job gets a fresh one.
require_relative "testbot_worker"
require_relative "testbot_claims"

module TestbotCucumber
  # Cucumber's Kernel: its exit ends a job, not the worker.
  class JobKernel
    attr_reader :status

    def exit(status = true)
      @status = status == true ? 0 : status == false ? 1 : status.to_i
    end
  end

  # One runtime for every job of the worker: its support code loads once, and everything else a run memoizes
  # (formatters, features, results) is dropped before the next.
  module ReusedRuntime
    def run!
      if @testbot_fresh
        (instance_variables - @testbot_fresh).each { |name| remove_instance_variable(name) }
        @results = Cucumber::Formatter::LegacyApi::Results.new if defined?(Cucumber::Formatter::LegacyApi::Results)
      else
        @testbot_fresh = instance_variables + [:@testbot_fresh, :@testbot_support_loaded, :@support_code, :@configuration]
      end
      super
    end

    def load_step_definitions
      return if @testbot_support_loaded

      super
      @testbot_support_loaded = true
    end
  end

  # A filter of the job's test cases: a scenario goes on to run only if its feature file is this process's.
  # Cucumber runs each test case as it comes out of its filters, so a file is claimed when its first scenario is
  # about to run, not when the features are read.
  class ClaimedFiles
    def initialize(claims, receiver = nil)
      @claims = claims
      @receiver = receiver
    end

    def test_case(test_case)
      test_case.describe_to(@receiver) if @claims.claim(test_case.location.file)
      self
    end

    def done
      @receiver.done
      self
    end

    def with_receiver(receiver)
      self.class.new(@claims, receiver)
    end
  end

  class << self
    attr_reader :runtime
  end

  def self.preload
    require "cucumber"
    require "cucumber/cli/main"
    require "cucumber/formatter/progress"
    require "cucumber/formatter/json"
    Cucumber::Runtime.prepend(ReusedRuntime)
  end

  def self.boot
    preload unless defined?(::Cucumber::Cli::Main)
  end

  # Booted ahead of a build (testbot_worker.rb): the support code loads now, configured as the last build's job was,
  # and the build's first job reuses the runtime as any later job of a worker does (configured anew, support code
  # kept).
  def self.boot_ahead(job)
    main = Cucumber::Cli::Main.new(job.fetch("args"), nil, $stdout, $stderr, JobKernel.new)
    @runtime = Cucumber::Runtime.new(main.configuration)
    @runtime.send(:load_step_definitions)
  end

  def self.run_job(job)
    directory = Dir.pwd
    kernel = JobKernel.new
    main = Cucumber::Cli::Main.new(job.fetch("args"), nil, $stdout, $stderr, kernel)
    Cucumber.wants_to_quit = false if Cucumber.respond_to?(:wants_to_quit=)
    retire = false
    begin
      if job["claims"]
        main.configuration.filters << ClaimedFiles.new(TestbotClaims::Job.new(job["claims"], job.fetch("entries", [])))
      end
      if @runtime
        main.execute!(@runtime)
      else
        @runtime = Cucumber::Runtime.new(main.configuration)
        main.execute!(@runtime)
      end
    rescue Exception => e # rubocop:disable Lint/RescueException -- a step may raise anything; the worker reports it
      warn "testbot: #{e.class}: #{e.message}"
      kernel.exit(1) if kernel.status.nil?
      retire = true
    end
    close_outputs(job.fetch("outs", []))
    # A run that failed before its features ran (no support code loaded yet, an unknown option) keeps nothing.
    retire ||= kernel.status.nil? || !@runtime.instance_variable_get(:@testbot_support_loaded) || Dir.pwd != directory
    [kernel.status || 1, retire]
  end

  # A formatter's file is complete once the job is: closed here, as the end of a cucumber process would close it.
  def self.close_outputs(paths)
    wanted = paths.map { |path| File.expand_path(path) }
    ObjectSpace.each_object(File) do |file|
      file.close if !file.closed? && wanted.include?(File.expand_path(file.path))
    rescue IOError, SystemCallError
      nil
    end
  end
end

TestbotWorker.serve(TestbotCucumber)
