# testbot's reporter for Test::Unit and minitest.
#
#   ruby -Ilib -Itest testbot_test_reporter.rb RESULTS.json test/a_test.rb test/b_test.rb -- [framework options]
#
# Loads the job's test files into this one process, lets whichever framework they use run them as it always does
# (its own output on the console), and writes every test's outcome as JSON to RESULTS.json when the process ends.
# With TESTBOT_CLAIMS (a directory), another instance of the runner may take over the job's files not yet begun: a
# test class runs only once this process has claimed the file it is defined in (a file created there, named by its
# place in the job's list, which only one process can create); one claimed first by another is left out, and counted
# there.
# A job entry may be a part of a file, "test/a_test.rb[2/4]": the file loads whole and only the second of four runs of
# its tests (see TestbotReporter::Parts) runs.
# With TESTBOT_SUITE (a file listing the build's test files, a line each), every file of the build loads first, as in
# the framework's one process, and only the test classes of the job's files run (see TestbotReporter::Suite): a test
# that uses a class or a filter another test file defines passes here as it does there.
# testbot_test_worker.rb requires it and runs each job the same way, in a fork of a process that loaded the helper.
require "json"
require_relative "testbot_claims"

module TestbotReporter
  @tests = []
  @load_errors = []
  @files = []

  class << self
    attr_reader :files, :load_errors
    attr_accessor :minitest_ran, :test_unit_ran
  end

  # The job: where its results go, its entries (test files, or parts of them), and the framework's own arguments
  # (test-unit would take file names in ARGV for more tests to load, so they leave ARGV).
  def self.job(out, entries, framework_args)
    @out = out
    @files = entries.map { |entry| Parts.file_of(entry) }
    Parts.job(entries)
    ARGV.replace(framework_args)
  end

  # Registered before the frameworks load, so it runs last: at_exit blocks run in reverse order, after the
  # frameworks' autorun blocks.
  def self.write_at_exit
    at_exit do
      passed = run_the_framework_that_did_not_run
      write
      # A file that did not load fails the job even when every test that did load passed.
      failed = !passed || load_errors.any?
      exit 1 if failed && ($!.nil? || ($!.is_a?(SystemExit) && $!.success?))
    end
  end

  # The build's test files (TESTBOT_SUITE), all loaded, as the framework's one process loads them, before any test
  # runs. A test class belongs to the file whose loading created it (the build's files load in one order, the same in
  # every job, so each class belongs to one file whichever job loads it); the job runs the classes of its own files,
  # and those that no test file created (a helper's), as it would without the others.
  module Suite
    def self.files
      list = ENV["TESTBOT_SUITE"]
      return @files if @files && @list == list

      @list = list
      @home = {}
      @errors = {}
      @files = list && File.file?(list) ? File.readlines(list, chomp: true).reject(&:empty?).map { |f| File.expand_path(Parts.file_of(f)) }.uniq : []
    end

    def self.any?
      !files.empty?
    end

    # In a warm worker, before its jobs' forks: loads the build's files once, for every job to find them loaded. One
    # that exits as it loads does not end the worker: it stays unloaded, for the job's fork to load (and exit) as alone.
    def self.preload
      files.sort.each do |file|
        load_one(file)
      rescue SystemExit
        nil
      end
    end

    # Loads the build's files and the job's, sorted (those the worker loaded are there already); the block is told of
    # each of the job's that does not load. One of the others that does not load, or exits as it loads, is its own
    # job's to report: this job goes on.
    def self.load(job_files)
      @mine = job_files.to_h { |file| [File.expand_path(file), true] }
      (files | @mine.keys).sort.each do |file|
        next if @errors.key?(file)

        begin
          load_one(file)
        rescue SystemExit
          raise if @mine.key?(file)
        end
      end
      @mine.each_key { |file| yield file, @errors[file] if @errors.key?(file) }
    end

    def self.load_one(file)
      mark = marks
      begin
        require file
      rescue ScriptError, StandardError => e
        @errors[file] = e
      end
      created_since(mark).each { |klass| @home[klass] ||= file }
    end

    def self.ours?(klass)
      return true if @mine.nil?

      home = @home[klass]
      home.nil? || @mine.key?(home)
    end

    # The frameworks' lists of test classes, to which each class is added as it is created.
    def self.marks
      [defined?(::Minitest::Runnable) ? ::Minitest::Runnable.runnables.size : 0,
       defined?(::Test::Unit::TestCase::DESCENDANTS) ? ::Test::Unit::TestCase::DESCENDANTS.size : 0]
    end

    def self.created_since(mark)
      created = []
      created.concat(::Minitest::Runnable.runnables[mark[0]..] || []) if defined?(::Minitest::Runnable)
      created.concat(::Test::Unit::TestCase::DESCENDANTS[mark[1]..] || []) if defined?(::Test::Unit::TestCase::DESCENDANTS)
      created
    end
  end

  # Whether the test class is this process's to run (see testbot_claims.rb): with TESTBOT_CLAIMS, a class defined in
  # one of the job's files once this process has claimed that file.
  def self.claim(klass)
    @claims = ENV["TESTBOT_CLAIMS"] ? TestbotClaims::Job.new(ENV["TESTBOT_CLAIMS"], files) : false if @claims.nil?
    !@claims || @claims.claim(defined_in(klass))
  end

  # The files that define the class's own methods, its tests first.
  def self.defined_in(klass)
    names = klass.public_instance_methods(false).sort_by { |m| m.to_s.start_with?("test") ? 0 : 1 }
    names.filter_map { |m| klass.instance_method(m).source_location&.first }.map { |file| File.expand_path(file) }.uniq
  end

  # A part of a test file: the file's tests (the test methods of the classes defined in it, each class counted as
  # the first of the job's files that defines its methods) sorted by class and name, cut into K runs of about equal
  # count, neighbours together; part I runs the Ith (a job may hold several parts of one file). Every part loads the
  # same code, so the parts together run each test once. A test class the job's files do not define (a helper's, one that only inherits its tests, an
  # anonymous one, whose name differs between processes) runs where the file would run whole or in part 1, once.
  module Parts
    ENTRY = %r{\A(.+)\[([1-9][0-9]*)/([1-9][0-9]*)\]\z}m.freeze

    def self.file_of(entry)
      (m = ENTRY.match(entry)) ? m[1] : entry
    end

    def self.job(entries)
      @parts = {}
      @owners = {}
      @slices = {}
      @job_files = entries.map { |entry| File.expand_path(file_of(entry)) }
      whole_or_first = false
      entries.each do |entry|
        m = ENTRY.match(entry)
        whole_or_first ||= m.nil? || m[2] == "1"
        (@parts[File.expand_path(m[1])] ||= []) << [m[2].to_i, m[3].to_i] if m
      end
      @others_run_here = whole_or_first
    end

    def self.any?
      !@parts.nil? && !@parts.empty?
    end

    def self.selected?(klass, name)
      return false unless Suite.ours?(klass)
      return true unless any?
      file = owner(klass)
      return @others_run_here if file.nil?
      parts = @parts[file]
      parts.nil? || slice(file, parts).include?("#{klass.name}##{name}")
    end

    # The job's file that defines the class's methods, or nil.
    def self.owner(klass)
      @owners.fetch(klass) do
        @owners[klass] = klass.name.nil? ? nil : TestbotReporter.defined_in(klass).find { |file| @job_files.include?(file) }
      end
    end

    # The names of the file's tests that the job's parts of it run.
    def self.slice(file, parts)
      @slices[file] ||= begin
        names = test_classes.select { |klass| owner(klass) == file }.flat_map { |klass| test_names(klass).map { |name| "#{klass.name}##{name}" } }
        names = names.uniq.sort
        parts.flat_map { |index, count| names[((index - 1) * names.size / count)...(index * names.size / count)] }.to_h { |name| [name, true] }
      end
    end

    def self.test_classes
      classes = []
      classes.concat(::Minitest::Runnable.runnables) if defined?(::Minitest::Runnable)
      classes.concat(::Test::Unit::TestCase::DESCENDANTS) if defined?(::Test::Unit::TestCase::DESCENDANTS)
      classes.uniq
    end

    # The names the framework runs: minitest's test_ methods; Test::Unit's own collection (its data-driven tests share
    # their method's name, and go together).
    def self.test_names(klass)
      if defined?(::Test::Unit::TestCase) && klass < ::Test::Unit::TestCase
        begin
          require "test/unit/test-suite-creator"
          ::Test::Unit::TestSuiteCreator.new(klass).send(:collect_test_names)
        rescue LoadError, NameError # another test-unit than 3.x: the methods its collection looks at
          klass.public_instance_methods(false).map(&:to_s).grep(/\Atest./)
        end
      elsif klass.respond_to?(:methods_matching)
        klass.methods_matching(/^test_/)
      else
        []
      end
    end

    # Minitest asks each class for its runnable methods; Test::Unit's collector whether to include each test.
    module MinitestPart
      def runnable_methods
        super.select { |name| Parts.selected?(self, name) }
      end
    end

    module TestUnitPart
      def include?(test)
        super && (!test.is_a?(::Test::Unit::TestCase) || Parts.selected?(test.class, test.method_name))
      end
    end

    def self.hook
      ::Minitest::Test.singleton_class.prepend(MinitestPart) if defined?(::Minitest::Test)
      return unless defined?(::Test::Unit::AutoRunner)

      require "test/unit/collector"
      ::Test::Unit::Collector.prepend(TestUnitPart)
    end
  end

  # Minitest runs each class with Runnable.run; Test::Unit each class's suite with TestSuite#run.
  module MinitestClaims
    def run(reporter, options = {})
      return super if equal?(::Minitest::Runnable) || TestbotReporter.claim(self)
    end
  end

  module TestUnitClaims
    def run(result, &progress_block)
      return super if !respond_to?(:test_case) || test_case.nil? || TestbotReporter.claim(test_case)
    end
  end

  # Loads the job's files (one that does not load costs only itself) and hooks into the frameworks they use.
  def self.load_files
    if Suite.any?
      Suite.load(files) { |file, e| load_error(file, e) }
    else
      files.each do |file|
        require File.expand_path(file)
      rescue ScriptError, StandardError => e
        load_error(file, e)
      end
    end
    hook_minitest
    hook_test_unit
    Parts.hook if Parts.any? || Suite.any?
    if ENV["TESTBOT_CLAIMS"]
      ::Minitest::Runnable.singleton_class.prepend(MinitestClaims) if defined?(::Minitest::Runnable)
      ::Test::Unit::TestSuite.prepend(TestUnitClaims) if defined?(::Test::Unit::TestSuite)
    end
  end

  def self.load_error(file, error)
    warn "testbot: cannot load #{relative(file)}: #{error.class}: #{error.message}"
    error.backtrace.to_a.first(5).each { |line| warn "    #{line}" }
    load_errors << { "file" => relative(file), "error" => "#{error.class}: #{error.message}".lines.first.to_s.strip }
  end

  class << self
    def add(location, classname, name, status, assertions, seconds, message)
      file, line = location
      @tests << { "file" => relative(file), "line" => line, "classname" => classname.to_s, "name" => name.to_s,
                  "status" => status, "assertions" => assertions.to_i, "seconds" => seconds.to_f, "message" => message }
    end

    def relative(path)
      return nil if path.nil?
      full = File.expand_path(path)
      root = Dir.pwd + "/"
      full.start_with?(root) ? full[root.size..] : path
    end

    def write
      return if @out.nil?
      File.write(@out, JSON.generate({ "tests" => @tests, "load_errors" => @load_errors }))
    end
  end

  # Minitest: a reporter beside its own, added through its plugin mechanism.
  def self.hook_minitest
    return unless defined?(::Minitest) && ::Minitest.respond_to?(:extensions)
    ::Minitest.load_plugins if ::Minitest.extensions.empty? && ::Minitest.respond_to?(:load_plugins)
    reporter = Class.new(::Minitest::AbstractReporter) do
      def record(result)
        status = if result.skipped? then "skipped" elsif result.error? then "error" elsif result.passed? then "passed" else "failed" end
        failure = result.failures.first
        message = failure && (failure.respond_to?(:error) && result.error? ? "#{failure.error.class}: #{failure.error.message}" : failure.message)
        TestbotReporter.add(result.source_location, result.klass, result.name, status, result.assertions, result.time, message)
      end
    end
    ::Minitest.singleton_class.send(:define_method, :plugin_testbot_init) do |_options|
      TestbotReporter.minitest_ran = true
      ::Minitest.reporter << reporter.new
    end
    ::Minitest.extensions << "testbot"
  end

  # Test::Unit: listeners on the mediator that runs the tests.
  def self.hook_test_unit
    return unless defined?(::Test::Unit::AutoRunner)
    require "test/unit/ui/testrunnermediator"
    listener = Module.new do
      def initialize(*args, **kwargs)
        super
        TestbotReporter.test_unit_ran = true
        current = nil
        add_listener(::Test::Unit::TestCase::STARTED_OBJECT) do |test|
          current = { faults: [], assertions: 0, started: Process.clock_gettime(Process::CLOCK_MONOTONIC) }
        end
        add_listener(::Test::Unit::TestResult::PASS_ASSERTION) { |_| current[:assertions] += 1 if current }
        add_listener(::Test::Unit::TestResult::FAULT) { |fault| current[:faults] << fault if current }
        add_listener(::Test::Unit::TestCase::FINISHED_OBJECT) do |test|
          next unless current
          faults = current[:faults]
          status = if faults.any? { |f| f.is_a?(::Test::Unit::Error) } then "error"
                   elsif faults.any? { |f| f.is_a?(::Test::Unit::Failure) } then "failed"
                   elsif faults.any? { |f| f.is_a?(::Test::Unit::Pending) || f.is_a?(::Test::Unit::Omission) } then "skipped"
                   else "passed" end
          location = begin
            test.method(test.method_name).source_location
          rescue NameError
            nil
          end
          fault = faults.find { |f| !f.is_a?(::Test::Unit::Notification) }
          TestbotReporter.add(location, test.class.name, test.method_name, status, current[:assertions],
                              Process.clock_gettime(Process::CLOCK_MONOTONIC) - current[:started], fault && fault.message.to_s)
          current = nil
        end
      end
    end
    ::Test::Unit::UI::TestRunnerMediator.prepend(listener)
  end

  # Each framework's autorun exits the process when it is done, and the other's then does not run (minitest's
  # when test-unit failed, test-unit's always): whichever did not run, runs here. Returns false on failures.
  def self.run_the_framework_that_did_not_run
    passed = true
    if defined?(::Minitest::Runnable) && !minitest_ran && ::Minitest::Runnable.runnables.any? { |r| r.public_instance_methods(true).any? { |m| m.to_s.start_with?("test_") } }
      passed &&= ::Minitest.run(ARGV.dup)
    end
    if defined?(::Test::Unit::AutoRunner) && !test_unit_ran && defined?(::Test::Unit::TestCase::DESCENDANTS) &&
       ::Test::Unit::TestCase::DESCENDANTS.any? { |c| c.public_instance_methods(true).any? { |m| m.to_s.start_with?("test") } }
      passed &&= ::Test::Unit::AutoRunner.run
    end
    passed
  end
end

if $PROGRAM_NAME == __FILE__
  out = ARGV.shift
  split = ARGV.index("--")
  TestbotReporter.job(out, split ? ARGV[0...split] : ARGV.dup, split ? ARGV[(split + 1)..] : [])
  TestbotReporter.write_at_exit
  TestbotReporter.load_files
end
