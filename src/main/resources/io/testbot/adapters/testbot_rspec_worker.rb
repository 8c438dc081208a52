# testbot's rspec worker: boots rspec (and whatever spec_helper loads) once, then runs job after job in this
# process, so a job costs its specs and not another boot.
#
#   ruby testbot_rspec_worker.rb                      (TESTBOT_WORKER_MARKER in the environment)
#   ruby testbot_rspec_worker.rb --job RESULTS.json [rspec arguments]     (one job, then exit with its status)
#
# Each line on stdin is a job: {"args": [rspec arguments], "json": results file}. After each job the worker prints
# a line with the marker and rspec's exit status, and the word "retire" when this process should run no more jobs
# (see "What a worker keeps between jobs" below). It ends at end of input, or when no job comes for a few seconds
# (the build is over), as a process ends normally: at_exit hooks such as a coverage report run then.
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
# With TESTBOT_WORKER_SPARE=1 it is a spare, booted before any build: it waits, however long, for a first line
# {"chdir": project directory, "env": {variables of its instance}}, and from then on is a worker for that project.
# Once booted, before that line, it prints the marker and "ready".
# Nothing of a project is loaded before that line, so only what booting rspec itself costs is paid ahead.
#
# With TESTBOT_WORKER_ZYGOTE=SOCKET it boots rspec as a spare does, prints "testbot-zygote-ready", and then forks
# spares: testbot_spare_stub.rb, started by the runner in a few milliseconds, connects to SOCKET and hands over
# its standard input, output and error, its pid and its environment; the fork takes them over, joins the stub's
require "json"
require "rspec/core"

$stdout.sync = true
$stderr.sync = true

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

  RSpec::Core::Formatters::Loader.prepend(JsonBesideTheProjectsFormatters)
  RSpec::Core::Configuration.prepend(FirstMatchingExamplePerJob)
  RSpec::Core::ConfigurationOptions.prepend(RequestersGlobalOptions)
  RSpec::Core::Reporter.prepend(LastError)
  RSpec::Core::Configuration.prepend(LoadErrorCostsOnlyItsFile)
  # Its frames are no part of a project's backtraces, as rspec's own are not.
  RSpec.configuration.backtrace_exclusion_patterns << /#{Regexp.escape(File.basename(__FILE__))}/

  # Runs one job as `rspec ARGS` would here, its JSON results to the file json; returns its exit status and whether
  # this process should run no more jobs.
  def self.run(args, json)
    @json = json
    @load_errors = []
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
    @after_job.each(&:call).clear
    # What rspec documents for running again in one process: the next job loads its own files afresh.
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

def testbot_preload
  # What rspec loads on its first run anyway (unless a project chooses other frameworks, which then also load):
  # loaded while waiting, it is not paid by the first job.
  %w[rspec/expectations rspec/mocks rspec/core/mocking_adapters/rspec
     rspec/core/formatters/progress_formatter rspec/core/formatters/json_formatter].each do |library|
    require library
  rescue LoadError
    nil
  end
end

if ARGV.first == "--job"
  ARGV.shift
  json = ARGV.shift
  status, = TestbotRSpec.run(ARGV.dup, json)
  exit status
end

if (socket_path = ENV.delete("TESTBOT_WORKER_ZYGOTE"))
  require "socket"
  require "fiddle"
  # prctl(PR_SET_PDEATHSIG, SIGKILL): a fork dies with the zygote, as the zygote dies with the runner.
  set_parent_death_signal = Fiddle::Function.new(Fiddle::Handle::DEFAULT["prctl"], [Fiddle::TYPE_INT, Fiddle::TYPE_LONG], Fiddle::TYPE_INT)
  testbot_preload
  Process.setpgid(0, 0) # the runner's terminal signals are the runner's, not its workers'
  zygote = Process.pid
  server = UNIXServer.new(socket_path)
  stubs = {}
  waiters = []
  # Age what booting left on the heap into the old generation before forking: a fork's minor collections then
  # leave it alone instead of writing to (and so copying) the pages it shares with the zygote. Each instance's
  # first job took 40 against 67 ms over its tests (bench/jobs.sh); the zygote is ready about 10 ms later.
  4.times { GC.start(full_mark: false) }
  $stdout.print "testbot-zygote-ready\n"
  loop do
    readable, = IO.select([$stdin, server])
    if readable.include?($stdin)
      begin
        $stdin.read_nonblock(4096) while true
      rescue IO::WaitReadable
        next
      rescue EOFError
        break
      end
    end
    stub = server.accept
    begin
      streams = Array.new(3) { stub.recv_io } # before any buffered read, which could take their messages
      stub_pid, env = Marshal.load(stub)
    rescue StandardError => e
      warn "testbot zygote: a spare's stub went away (#{e.class}: #{e.message})"
      stub.close
      next
    end
    pid = fork
    if pid.nil?
      server.close
      stubs.each_value(&:close)
      stub.close
      begin
        Process.setpgid(0, stub_pid)
      rescue SystemCallError
        exit!(1) # the stub is gone, and its group with it
      end
      set_parent_death_signal.call(1, 9)
      exit!(1) if Process.ppid != zygote
      $stdin.reopen(streams[0])
      $stdout.reopen(streams[1])
      $stderr.reopen(streams[2])
      streams.each(&:close)
      $stdout.sync = true
      $stderr.sync = true
      ENV.replace(env)
      break
    end
    streams.each(&:close)
    stubs[pid] = stub
    waiters.select!(&:alive?) # a runner forks for as long as it runs
    ended = false
    waiters << Thread.new do
      _, status = Process.wait2(pid)
      ended = true
      stub.puts(status.exitstatus || 128 + status.termsig)
    rescue IOError, SystemCallError
      nil
    ensure
      stubs.delete(pid)
      stub.close unless stub.closed?
    end
    Thread.new do
      stub.read # returns when the stub ends: the fork goes with it, whatever killed the stub alone
      unless ended
        Process.kill(:KILL, -stub_pid) rescue nil # rubocop:disable Style/RescueModifier -- its group may be gone
        Process.kill(:KILL, pid)
      end
    rescue IOError, SystemCallError
      nil
    end
  end
  if Process.pid == zygote
    waiters.each(&:join)
    File.delete(socket_path) if File.socket?(socket_path)
    exit
  end
end

marker = ENV.fetch("TESTBOT_WORKER_MARKER")
idle_seconds = Integer(ENV.fetch("TESTBOT_WORKER_IDLE", "3"))

if ENV.delete("TESTBOT_WORKER_SPARE") == "1"
  testbot_preload
  $stdout.print "#{marker} ready\n" # the runner boots its spares one at a time: this one is done
  line = $stdin.gets or exit
  binding = JSON.parse(line)
  ENV.update(binding.fetch("env", {}))
  Dir.chdir(binding.fetch("chdir"))
  ENV["PWD"] = Dir.pwd
  RSpec.configuration.start_time = RSpec::Core::Time.now # "files took … to load" counts from here, not the wait
end

loop do
  break unless IO.select([$stdin], nil, nil, idle_seconds)
  line = $stdin.gets or break
  job = JSON.parse(line)
  status, retire = TestbotRSpec.run(job.fetch("args"), job["json"])
  $stdout.print "\n#{marker} #{status}#{retire ? " retire" : ""}\n"
  break if retire # what it leaves behind is no place for another job: it ends, and the next job gets a fresh one
end
