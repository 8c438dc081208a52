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
require "json"
require "rspec/core"

marker = ENV.fetch("TESTBOT_WORKER_MARKER")
idle_seconds = Integer(ENV.fetch("TESTBOT_WORKER_IDLE", "3"))
$stdout.sync = true
$stderr.sync = true

if ENV.delete("TESTBOT_WORKER_SPARE") == "1"
  # What rspec loads on its first run anyway (unless a project chooses other frameworks, which then also load):
  # loaded while waiting, it is not paid by the first job.
  %w[rspec/expectations rspec/mocks rspec/core/mocking_adapters/rspec
     rspec/core/formatters/progress_formatter rspec/core/formatters/json_formatter].each do |library|
    require library
  rescue LoadError
    nil
  end
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
