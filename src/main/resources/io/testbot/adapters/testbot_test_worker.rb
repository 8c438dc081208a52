# testbot's Test::Unit and minitest worker: loads the project's test helper (test/test_helper.rb, or test/helper.rb)
# once, then runs each job in a fork of itself, so a job costs its tests and not another boot of the helper and
# what it loads (the application, say).
#
#   ruby testbot_test_worker.rb                       (TESTBOT_WORKER_MARKER in the environment)
#
# Served by testbot_worker.rb (beside this file: the job loop, spares and the zygote). Each job is a line
# {"files": [test files, or parts of them], "options": [the framework's options], "json": results file, "claims":
# directory or absent}, run as
# `ruby -Ilib -Itest testbot_test_reporter.rb RESULTS.json FILES -- OPTIONS` would run it (see that file).
#
# A fork starts from the helper and the build's test files (TESTBOT_SUITE: loaded here at the first job, not run;
# see testbot_test_reporter.rb): no job sees what another job ran or changed, and each job's at_exit hooks (the
# frameworks' autorun, a coverage report) run when its fork ends, as in a process of its own.
# The helper is used for a job only when every one of its files requires a helper of that name (require
# "test_helper", require_relative "../test_helper", File.expand_path("../helper", __FILE__) ...); any other job runs
# in a new process, as without a worker. A helper that does not load is not used: every job then runs in a new
# process, and its files report the helper's error as they would alone. ActiveRecord's connections, if the helper
# opened any, are discarded in each fork (the fork opens its own), as Rails itself does after a fork.
# Threads the helper started do not survive a fork (Ruby keeps only the forking thread): a helper whose tests need
# its own background threads runs with --no-warm.
require_relative "testbot_worker"
require_relative "testbot_test_reporter"

module TestbotTests
  HELPERS = %w[test/test_helper.rb test/helper.rb].freeze

  class << self
    # The helper this worker loaded, or nil.
    attr_reader :helper
  end

  # Ruby itself is all a spare loads: which framework, and which version of it, is the project's choice.
  def self.preload; end

  # In the project: ruby -Ilib -Itest's load path, the reporter's at_exit (before anything the helper registers: it
  # runs after the frameworks' autorun), then the helper.
  def self.boot
    $LOAD_PATH.unshift(File.expand_path("lib"), File.expand_path("test"))
    found = HELPERS.find { |path| File.file?(path) }
    return if found.nil?

    TestbotReporter.write_at_exit
    begin
      require File.expand_path(found)
      @helper = File.basename(found, ".rb")
    rescue ScriptError, StandardError => e
      warn "testbot: #{found} did not load in the worker (#{e.class}: #{e.message.lines.first.to_s.strip}); " \
           "each job runs in a process of its own"
      return
    end
    load_translations
  end

  # I18n reads every locale file the first time anything is translated: in a suite's one process the first test that
  # translates pays for it and the others find them loaded; each job's fork would pay again (a second a job for
  # faker's tests). So the worker loads them once, as that first use would (not I18n.eager_load!, which also makes
  # every later I18n.reload! load at once, before a test can add to the load path). One that fails to load is left
  # to the job's first use, which fails as it would alone.
  def self.load_translations
    return unless defined?(::I18n) && ::I18n.respond_to?(:backend)

    backend = ::I18n.backend
    return unless backend.respond_to?(:initialized?) && backend.respond_to?(:init_translations, true)

    backend.send(:init_translations) unless backend.initialized?
  rescue StandardError, ScriptError
    nil
  end


  def self.run_job(job)
    files = job.fetch("files")
    options = job.fetch("options", [])
    json = job.fetch("json")
    warm = !helper.nil? && files.all? { |entry| TestbotWorker.requires_helper?(TestbotReporter::Parts.file_of(entry), helper) }
    # The build's test files load here once (TESTBOT_SUITE), not in each job's fork.
    TestbotReporter::Suite.preload if warm
    pid = fork do
      $stdin.reopen(File::NULL) # the worker's jobs are not the tests' input
      # Another instance may take over the files this job has not begun (testbot_test_reporter.rb's claims).
      ENV["TESTBOT_CLAIMS"] = job["claims"] if job["claims"]
      unless warm
        exec("ruby", "-Ilib", "-Itest", File.expand_path("testbot_test_reporter.rb", __dir__), json, *files, "--", *options)
      end
      discard_inherited_connections
      TestbotReporter.job(json, files, options)
      TestbotReporter.load_files
      # The block ends as a script does: the frameworks' at_exit hooks run the tests, the reporter's writes them.
    end
    _, status = Process.wait2(pid)
    [status.exitstatus || 128 + status.termsig.to_i, false]
  end

  def self.discard_inherited_connections
    return unless defined?(::ActiveRecord::Base) && ::ActiveRecord::Base.respond_to?(:connection_handler)

    ::ActiveRecord::Base.connection_handler.connection_pool_list.each { |pool| pool.discard! if pool.respond_to?(:discard!) }
  end
end

TestbotWorker.serve(TestbotTests)
# The worker ran no tests: its own at_exit hooks (the frameworks' autorun, the reporter's) are not for it.
exit!(0)
