# The corpus of real suites (docs/conformance.md): how each runs, for bench/conformance.sh and bench/realsuites.sh.

# Sets dir, framework, alone (the command alone), testbot_command (testbot's framework command and options) and
# runner_env (a variable the suite needs, alone and on the runners), parallel_test_args (what parallel_test runs, for
# Test::Unit and minitest suites), and flaky_alone: files whose tests the
# corpus shows to fail now and then with the framework alone too; skips_vary: where the number of skipped tests
# varies from run to run with the framework alone.
suite() {
  runner_env=""; testbot_command=""; flaky_alone=""; skips_vary=""; parallel_test_args=()
  case "$1" in
    tty-prompt|money|pastel) dir="$1"; framework=rspec; alone="rspec" ;;
    # Its boundaries come from Mail.random_tag, which may print a '-' that two specs' patterns do not allow: 2 of 6
    # runs of rspec spec/mail/fields/content_type_field_spec.rb alone failed. The test retriever's specs compare a
    # message without a Date with itself (Message#== encodes both, each with the time of encoding): unequal when a
    # second begins between the two encodings (shown with a sleep between them; seen once under testbot, at
    # 4f73d0a, on a loaded machine, and in none of 190 runs alone).
    mail)         dir="$1"; framework=rspec; alone="rspec"
                  flaky_alone="spec/mail/fields/content_type_field_spec.rb spec/mail/network/retriever_methods/test_retriever_spec.rb" ;;
    # Its pseudo-terminal spec reads a child's output in phases: under load two phases can come as one read, with
    # rspec alone too (3 of 8 runs of rspec spec/unit/pty_spec.rb with both cores busy).
    tty-command)  dir="$1"; framework=rspec; alone="rspec"; flaky_alone="spec/unit/pty_spec.rb" ;;
    dry-logic)    dir="$1"; framework=rspec; alone="rspec"; runner_env="RUBYOPT=-ruri" ;;
    liquid)       dir="$1"; framework=test
                  alone="ruby -Ilib -Itest -e 'Dir[\"test/{integration,unit}/**/*_test.rb\"].each { |f| require File.expand_path(f) }'"
                  testbot_command="test --pattern 'test/{integration,unit}/**/*_test.rb'"; parallel_test_args=(test/integration test/unit) ;;
    # Test::Unit proper (ruby/csv v3.3.5): its run-test.rb puts lib ahead on the load path, so that the tests load
    # this csv and not Ruby's own; testbot's jobs have lib first too (as `rake test`'s have).
    csv)          dir="$1"; framework=test; alone="ruby run-test.rb"
                  testbot_command="test --pattern 'test/csv/**/test_*.rb'"; parallel_test_args=(--suffix '/test_[a-z_]*\.rb$' test/csv) ;;
    # Test::Unit (ruby/rake v13.3.0): 598 tests in about 10 s, many of them running ruby and rake in directories of
    # their own.
    rake)         dir="$1"; framework=test; alone="ruby -Ilib -Itest -e 'Dir[\"test/**/test_*.rb\"].each { |f| require File.expand_path(f) }'"
                  testbot_command="test --pattern 'test/**/test_*.rb'"; parallel_test_args=(--suffix '/test_[a-z_]*\.rb$' test) ;;
    # minitest (gettalong/kramdown REL_2_5_2): 1757 tests, 1730 of them in one file that makes a test of each file of
    # test/testcases, named by its absolute path; needs Debian's ruby-stringex and ruby-rouge.
    kramdown)     dir="$1"; framework=test; alone="ruby -Ilib -Itest -e 'Dir[\"test/test_*.rb\"].each { |f| require File.expand_path(f) }'"
                  testbot_command="test --pattern 'test/test_*.rb'"; parallel_test_args=(--suffix '/test_[a-z_]*\.rb$' test) ;;
    # minitest specs (rack/rack v2.2.22): 1186 tests in 51 files named spec_*.rb, some serving HTTP through webrick.
    # Its multipart spec has a writer thread that may still be writing into a pipe the test closed (Errno::EPIPE
    # once in four runs of the whole suite alone); its directory spec fails as root (an unreadable directory is
    # readable to root), as alone.
    rack)         dir="$1"; framework=test; alone="ruby -Ilib -Itest -e 'Dir[\"test/**/spec_*.rb\"].each { |f| require File.expand_path(f) }'"
                  testbot_command="test --pattern 'test/**/spec_*.rb'"; parallel_test_args=(--suffix '/spec_[a-z0-9_]*\.rb$' test)
                  flaky_alone="test/spec_multipart.rb" ;;
    # rspec/rspec-expectations v3.12.1 (2370 examples, random order, --warnings) and cjheath/treetop v1.6.14 (178
    # examples, one file of 1.2 s of the 1.7 s: split by testbot on a second build; needs ruby-polyglot, ruby-rr).
    rspec-expectations|treetop) dir="$1"; framework=rspec; alone="rspec" ;;
    # halostatue/diff-lcs v1.5.0 (287 examples in 10 files; its ldiff spec runs bin/ldiff in subprocesses).
    diff-lcs)     dir="$1"; framework=rspec; alone="rspec" ;;
    # minitest (tzinfo/tzinfo v2.0.5): 1823 tests in 50 files named tc_*.rb; its test_utils refuses to run without
    # Bundler loaded (-rbundler is enough), two tests expect EACCES and fail as root, and every process re-makes two
    # symbolic links in test/zoneinfo.
    tzinfo)       dir="$1"; framework=test; runner_env="RUBYOPT=-rbundler"
                  alone="ruby -Ilib -Itest -e 'Dir[\"test/**/tc_*.rb\"].each { |f| require File.expand_path(f) }'"
                  testbot_command="test --pattern 'test/**/tc_*.rb'"; parallel_test_args=(--suffix '/tc_[a-z0-9_]*\.rb$' test) ;;
    # Test::Unit (faker-ruby/faker v2.21.0): 2001 tests in 289 files, test_helper requires minitest/autorun too; needs
    # Debian's ruby-timecop. Its Gemfile.lock pins gems Debian does not have at those versions: run without Bundler, as
    # alone. Random data: a Czech organisation number's check fails about once in 40 runs alone, and test_file_name
    # about once in 6 runs with any other file's tests before it in one process (the framework alone on the two
    # files; 0 in 12 runs alone on it, 0 in the suite's one process, whose seeded sequence it was written against).
    # Its Japanese Super Mario test picks one of 23 characters and fails on the one with Latin letters ("クッパJr."):
    # 2 of 40 runs of that test alone failed.
    faker)        dir="$1"; framework=test
                  alone="ruby -Ilib -Itest -e 'Dir[\"test/**/test_*.rb\"].each { |f| require File.expand_path(f) }'"
                  testbot_command="test --no-bundle-exec --pattern 'test/**/test_*.rb'"; parallel_test_args=(--suffix '/test_[a-z0-9_]*\.rb$' test)
                  flaky_alone="test/faker/default/test_faker_company.rb test/faker/default/test_faker_file.rb test/test_ja_locale.rb" ;;
    # hashie/hashie v5.0.0 (700 examples; .rspec's --exclude-pattern leaves out spec/integration; top-level shared
    # examples in spec files), solnic/virtus v2.0.0 (468 examples in 64 files, --order random, bogus fakes) and
    # rspec/rspec-mocks v3.12.1 (1756 examples in 72 files, random order; with CI set it runs 10 more, pending: keep CI
    # away from it; SimpleCov's 93% minimum fails a run of some of its files when ruby-simplecov is installed, as
    # rspec-expectations' 92% does).
    hashie|virtus|rspec-mocks) dir="$1"; framework=rspec; alone="rspec" ;;
    # minitest (freerange/mocha v1.16.1): its acceptance tests, 415 in 68 files, each running test cases of its own
    # through minitest; needs ruby-introspection. Its unit tests run in a process of their own (rake test:units): with
    # the acceptance helper loaded, one of them fails.
    mocha)        dir="$1"; framework=test; alone="ruby -Ilib -Itest -e 'Dir[\"test/acceptance/*_test.rb\"].each { |f| require File.expand_path(f) }'"
                  testbot_command="test --pattern 'test/acceptance/*_test.rb'"; parallel_test_args=(test/acceptance) ;;
    # Test::Unit (ruby/rss 0.2.9): 311 tests in 41 files named test_*.rb through its run-test.rb (lib first, the directory
    # collector). Every file requires test/rss-testcase.rb, whose RSS::TestCase defines an empty default_test: the
    # collector does not run it, autorun does (312). Not in the default set, see docs/conformance.md.
    rss)          dir="$1"; framework=test; alone="ruby test/run-test.rb"
                  testbot_command="test --pattern 'test/test_*.rb'"; parallel_test_args=(--suffix '/test_[a-z0-9_.-]*\.rb$' test) ;;
    # RSpec (asciidoctor/kramdown-asciidoc v2.1.1): 312 examples in 4 files, 230 made at load from spec/scenarios inside a
    # Dir.chdir; an after(:suite) hook removes spec/output, which every file writes into. One example runs ruby on a script
    # requiring the gem by name: RUBYLIB=lib (Bundler's gemspec would give it), alone and on the runners. Needs
    # ruby-kramdown and ruby-kramdown-parser-gfm. Not in the default set: two processes in one directory remove each
    # other's output (local mode), see docs/conformance.md.
    kramdown-asciidoc) dir="$1"; framework=rspec; alone="rspec"; runner_env="RUBYLIB=lib" ;;
    json_spec)    dir="$1"; framework=cucumber; alone="cucumber --tags ~@fail"; testbot_command="cucumber -O --tags -O ~@fail" ;;
    asciidoctor)  dir="$1"; framework=cucumber; alone="cucumber" ;;
    jsoup)        dir="$1"; framework=junit; alone="mvn -B -o test" ;;
    # FastDateParser_TimeZoneStrategyTest turns what this JDK cannot parse into assumption failures, as many as the
    # JVM's time-zone name caches leave unparsed: Surefire alone reported 12 and 413 skipped in two runs.
    commons-lang) dir="$1"; framework=junit; alone="mvn -B -o test"; skips_vary="FastDateParser_TimeZoneStrategyTest" ;;
    # JUnit 4 (apache/commons-codec 1.15): 1156 tests in 62 classes through Surefire 2.22.2's JUnit 4 provider; its POM
    # excludes **/*AbstractTest.java and **/*PerformanceTest.java (4 such classes in test-classes); Parameterized classes
    # name tests "testDigest[SHA-1]"; JaCoCo 0.8.5's agent (argLine) prints stack traces on Java 17 classes.
    # Base64Test.testCodec265 allocates about 2 GB: it erred once alone (OutOfMemoryError) with other JVMs about.
    commons-codec) dir="$1"; framework=junit; alone="mvn -B -o test" ;;
    # JUnit 5 (networknt/json-schema-validator 1.5.9): 8374 tests by Surefire 3.5.1's summary, ~7,400 of them dynamic
    # tests in nested DynamicContainers of @TestFactory methods; 16 dynamic tests that abort are in Surefire's XML
    # reports (8390 tests, 33 skipped) but not in its summary line (8374, 17 skipped); argLine with a locale. Not in the
    # default set: its tests serve HTTP on fixed ports (two JVMs at once: BindException), see docs/conformance.md.
    json-schema-validator) dir="$1"; framework=junit; alone="mvn -B -o test" ;;
    *) echo "conformance: unknown suite $1" >&2; return 1 ;;
  esac
}
