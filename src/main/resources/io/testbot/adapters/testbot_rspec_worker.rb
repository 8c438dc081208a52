# testbot's warm rspec worker: boots rspec (and whatever spec_helper loads) once, then runs job after job in this
# process, so a job costs its specs and not another boot.
#
#   ruby testbot_rspec_worker.rb        (TESTBOT_WORKER_MARKER in the environment)
#
# Each line on stdin is a job: {"args": [rspec arguments]}. After each job the worker prints a line with the
# marker and rspec's exit status. It ends at end of input, or when no job comes for a few seconds (the build is
# over), as a process ends normally: at_exit hooks such as a coverage report run then.
#
# With TESTBOT_WORKER_SPARE=1 it is a spare, booted before any build: it waits, however long, for a first line
# {"chdir": project directory, "env": {variables of its instance}}, and from then on is a worker for that project.
# Once booted, before that line, it prints the marker and "ready".
# Nothing of a project is loaded before that line, so only what booting rspec itself costs is paid ahead.
#
# With TESTBOT_WORKER_ZYGOTE=SOCKET it boots rspec as a spare does, prints "testbot-zygote-ready", and then forks
# spares: testbot_spare_stub.rb, started by the runner in a few milliseconds, connects to SOCKET and hands over
# its standard input, output and error, its pid and its environment; the fork takes them over, joins the stub's
# process group (so stopping the stub's group stops it) and is a spare from then on. The stub exits with the
# fork's status. The zygote ends at end of its input, once its forks have ended.
require "json"
require "rspec/core"

$stdout.sync = true
$stderr.sync = true

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
  args = JSON.parse(line).fetch("args")
  status =
    begin
      RSpec::Core::Runner.run(args, $stderr, $stdout)
    rescue SystemExit => e
      e.status
    rescue Exception => e # rubocop:disable Lint/RescueException -- a spec may raise anything; the worker reports it
      warn "testbot: #{e.class}: #{e.message}"
      1
    end
  # What rspec documents for running again in one process: the next job loads its own files afresh.
  RSpec.clear_examples
  RSpec.world.wants_to_quit = false if RSpec.world.respond_to?(:wants_to_quit=)
  RSpec.world.rspec_is_quitting = false if RSpec.world.respond_to?(:rspec_is_quitting=)
  $stdout.print "\n#{marker} #{status.to_i}\n"
end
