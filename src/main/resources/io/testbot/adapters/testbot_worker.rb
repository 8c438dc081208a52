# testbot's warm worker: what every framework's worker shares. The framework's script (testbot_rspec_worker.rb,
# testbot_test_worker.rb, testbot_cucumber_worker.rb) defines how to preload the framework, boot in the project and
# run one job, and hands itself to TestbotWorker.serve, which does the rest:
#
# Each line on stdin is a job, as JSON; what it holds is the framework's. After each job the worker prints a line
# with the marker (TESTBOT_WORKER_MARKER) and the job's exit status, and the word "retire" when this process should
# run no more jobs (the framework says when). It ends at end of input, or when no job comes for a few seconds
# (TESTBOT_WORKER_IDLE; the build is over), as a process ends normally: at_exit hooks such as a coverage report run
# then.
#
# With TESTBOT_WORKER_SPARE=1 it is a spare, booted before any build: it preloads the framework, prints the marker
# and "ready", and waits, however long, for a first line {"chdir": project directory, "env": {variables of its
# instance}}; from then on it is a worker for that project. Nothing of a project is loaded before that line.
#
# With TESTBOT_WORKER_ZYGOTE=SOCKET it preloads the framework as a spare does, prints "testbot-zygote-ready", and
# then forks spares: testbot_spare_stub.rb, started by the runner in a few milliseconds, connects to SOCKET and
# hands over its standard input, output and error, its pid and its environment; the fork takes them over, joins the
# stub's process group, and is a spare from then on.
#
# In the project, before its first job, the worker calls the framework's boot (what it loads once per worker: a
# test helper, say).
#
# With TESTBOT_WORKER_PREBOOT=FILE it is booted ahead of a build, in the project's copy as the last build left it:
# after the boot (and the framework's boot_ahead, given the last build's job line from the file that
# TESTBOT_WORKER_PREBOOT_JOB names, where the framework loads the project only in a job: cucumber's support code,
# rspec's helpers) it
# writes the files loaded so far ($LOADED_FEATURES) to FILE, prints the marker and "ready", and waits, however long,
# for its first job (the runner gives it one only if the build changed none of those files); one that gets no job
# ends without running its at_exit hooks. One whose boot_ahead
# raises exits with status 1 before it is ready: the build's job boots its own worker and shows the error.
require "json"

$stdout.sync = true
$stderr.sync = true

module TestbotWorker
  # Serves jobs with the framework: an object with preload (loads what any project's jobs need, outside any
  # project), boot (once in the project, before the first job) and run_job(job) (a job's JSON, parsed; returns its exit
  # status and whether this process should run no more jobs).
  def self.serve(framework)
    socket_path = ENV.delete("TESTBOT_WORKER_ZYGOTE")
    fork_spares(framework, socket_path) if socket_path

    marker = ENV.fetch("TESTBOT_WORKER_MARKER")
    idle_seconds = Integer(ENV.fetch("TESTBOT_WORKER_IDLE", "3"))
    loaded_list = ENV.delete("TESTBOT_WORKER_PREBOOT")
    last_job = ENV.delete("TESTBOT_WORKER_PREBOOT_JOB")

    if ENV.delete("TESTBOT_WORKER_SPARE") == "1"
      framework.preload
      $stdout.print "#{marker} ready\n" # the runner boots its spares one at a time: this one is done
      line = $stdin.gets or exit
      binding = JSON.parse(line)
      ENV.update(binding.fetch("env", {}))
      Dir.chdir(binding.fetch("chdir"))
      ENV["PWD"] = Dir.pwd
    end
    framework.boot
    if loaded_list
      if last_job && framework.respond_to?(:boot_ahead)
        begin
          framework.boot_ahead(JSON.parse(File.read(last_job)))
        rescue Exception => e # rubocop:disable Lint/RescueException -- support code may raise anything
          warn "testbot: booting ahead failed: #{e.class}: #{e.message}"
          exit!(1)
        end
      end
      File.write(loaded_list, $LOADED_FEATURES.join("\n") + "\n")
      $stdout.print "\n#{marker} ready\n" # on a line of its own, whatever the helpers printed
      IO.select([$stdin]) # until the next build's first job, or the end of input
      # Ended unused (the build changed what it loaded, the project changed under it, the runner stops): its at_exit
      # hooks would report on nothing anyone ran; a coverage report's would replace the last build's share with the boot's.
      exit!(0) if $stdin.eof?
    end

    loop do
      break unless IO.select([$stdin], nil, nil, idle_seconds)
      line = $stdin.gets or break
      job = JSON.parse(line)
      status, retire = with_env(job["env"]) { framework.run_job(job) }
      $stdout.print "\n#{marker} #{status}#{retire ? " retire" : ""}\n"
      break if retire # what it leaves behind is no place for another job: it ends, and the next job gets a fresh one
    end
  end

  # Runs the block with the job's own variables (the build's list of test files, TESTBOT_SUITE), then puts back
  # what was there: the job's fork has them, the worker keeps its own.
  def self.with_env(env)
    return yield if env.nil? || env.empty?

    saved = env.keys.to_h { |name| [name, ENV[name]] }
    ENV.update(env)
    begin
      yield
    ensure
      saved.each { |name, value| value.nil? ? ENV.delete(name) : ENV[name] = value }
    end
  end

  # Whether the file requires a helper of this name itself (require "test_helper", require_relative
  # "../rails_helper", File.expand_path("../helper", __FILE__) ...), as its first act or later.
  def self.requires_helper?(file, name)
    pattern = /^\s*require(?:_relative)?\b[^#\n]*["'](?:[^"'\n]*\/)?#{Regexp.escape(name)}(?:\.rb)?["']/
    File.read(file, encoding: "BINARY").match?(Regexp.new(pattern.source, Regexp::NOENCODING))
  rescue SystemCallError
    false
  end

  # The zygote: forks a spare for each stub that connects; only the forks return from here.
  def self.fork_spares(framework, socket_path)
    require "socket"
    require "fiddle"
    # prctl(PR_SET_PDEATHSIG, SIGKILL): a fork dies with the zygote, as the zygote dies with the runner.
    set_parent_death_signal = Fiddle::Function.new(Fiddle::Handle::DEFAULT["prctl"], [Fiddle::TYPE_INT, Fiddle::TYPE_LONG], Fiddle::TYPE_INT)
    framework.preload
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
end
