#!/usr/bin/env bash
# Real open-source suites (the corpus of docs/conformance.md), each run three ways side by side:
#   the framework alone | testbot in local mode | testbot on a server and two runners that run as another user
#   (testbot-conformance, a system user the script makes once if there is none) | a second build on that farm,
#   planned from the first's runtimes, and but for JUnit run in the workers the runners booted ahead once the first
#   was over (see the runner's --boot-ahead; the script waits for them) | local mode kept warm: the local run above
#   is the --keep-warm run that starts it, this one goes through it, in the workers it booted ahead (but for JUnit)
# printing files, tests, failures, errors, pending, exit status and wall time, and whether the counts and the
# verdict are the same. A developer runs it before resolving anything that changes how tests are found, run or
# counted; CI does not (it needs the corpus checked out, see docs/conformance.md).
#
# Usage: [CORPUS=/work/corpus] [INSTANCES=2] bench/conformance.sh [SUITE ...]
#   SUITE: tty-prompt money mail tty-command pastel dry-logic liquid csv rake kramdown rack rspec-expectations treetop diff-lcs tzinfo faker hashie virtus rspec-mocks mocha json_spec asciidoctor jsoup commons-codec commons-lang; by name also rss kramdown-asciidoc json-schema-validator
#   (default: all but commons-lang, whose Maven run alone takes about four minutes here, and the three by name)
# Where testbot's failures differ, each file that failed is run alone with the framework: one that fails there the
# same way (it depends on files run before it), or that the corpus shows to fail now and then alone too, is the
# suite's own.
# Exit status: 0 when every suite gave the same counts and verdict every way, apart from the suites' own; 1 otherwise.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${CORPUS:-/work/corpus}"
instances="${INSTANCES:-2}"
[ -f "$here/target/testbot.jar" ] || (cd "$here" && mvn -B -q -Dstyle.color=never -DskipTests package)
[ -d "$corpus" ] || { echo "conformance: no corpus at $corpus (see docs/conformance.md)" >&2; exit 2; }
if [ $# -gt 0 ]; then suites=("$@"); else
  suites=(tty-prompt money mail tty-command pastel dry-logic liquid csv rake kramdown rack rspec-expectations treetop diff-lcs tzinfo faker hashie virtus rspec-mocks mocha json_spec asciidoctor jsoup commons-codec)
fi

. "$here/bench/corpus.sh" # suite NAME: how to run it
# Suites read CI (rspec-mocks runs 10 more examples with it): the runners, started here as another user, would not
# see it, so none of the runs do.
unset CI

work="$(mktemp -d /tmp/testbot-conformance.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$HOME"
unset TESTBOT_SERVER TESTBOT_TOKEN SPEC_OPTS

# The counts a run printed, as "files tests failures errors pending" (- where the framework does not say).
counts() { # framework, output file, json report of testbot's or results of the framework's own
  ruby -rjson -e '
    framework, output, report = ARGV
    text = File.read(output, encoding: "UTF-8").scrub
    files = "-"
    if report && File.file?(report) && File.size(report) > 0
      case framework
      when "testbot" then files = JSON.parse(File.read(report))["files"].group_by { |f| f["path"] }.count { |_, parts| parts.sum { |p| p["examples"] } > 0 }
      when "rspec" then files = JSON.parse(File.read(report))["examples"].map { |e| e["id"].sub(/\[.*/, "") }.uniq.size
      when "cucumber" then files = JSON.parse(File.read(report)).count { |f| (f["elements"] || []).any? { |e| e["type"] != "background" } }
      end
    elsif report && File.directory?(report)
      files = Dir[File.join(report, "TEST-*.xml")].count { |x| File.read(x)[/tests="(\d+)"/, 1].to_i > 0 }
    end
    last = ->(re) { text.scan(re).last }
    # The last line of either form: Test::Unit alone ends with its own, testbot (whose jobs print that form too)
    # with the minitest-like summary. Pendings and omissions of Test::Unit are skipped tests.
    last_test = [/(\d+) tests, \d+ assertions, (\d+) failures, (\d+) errors, (\d+) pendings, (\d+) omissions/,
                 /(\d+) (?:runs|tests), \d+ assertions, (\d+) failures, (\d+) errors, (\d+) skips/]
                .filter_map { |re| text.to_enum(:scan, re).map { Regexp.last_match }.last }.max_by { |m| m.begin(0) }
    fields =
      if (m = last.(/(\d+) examples?, (\d+) failures?(?:, (\d+) pending)?(?:, (\d+) errors? occurred outside of examples)?/))
        [m[0], m[1], m[3] || 0, m[2] || 0]
      elsif (m = last_test)
        [m[1], m[2], m[3], m[4].to_i + (m[5] || 0).to_i]
      elsif (m = last.(/(\d+) scenarios? ?(?:\(([^)]*)\))?/))
        parts = (m[1] || "").scan(/(\d+) (\w+)/).to_h { |n, s| [s, n.to_i] }
        [m[0], parts["failed"] || 0, 0, parts.sum { |s, n| %w[skipped undefined pending].include?(s) ? n : 0 }]
      elsif (m = last.(/Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)/))
        [m[0], m[1], m[2], m[3]]
      else
        %w[? ? ? ?]
      end
    puts [files, *fields].join(" ")
  ' "$@"
}

# The framework alone on one file, as a user would check a file that fails.
alone_on_file() { # file
  case "$framework" in
    rspec)    echo "rspec $1" ;;
    test)     echo "ruby -Ilib -Itest $1" ;;
    cucumber) echo "${alone} $1" ;;
    junit)    local cls="${1#target/test-classes/}"; cls="${cls%.class}"; echo "mvn -B -o surefire:test -Dtest=${cls##*/}" ;;
  esac
}

# Files that failed under testbot: "path failures" per line, from its JSON report.
failing_files() { # report
  ruby -rjson -e 'JSON.parse(File.read(ARGV[0]))["files"].group_by { |f| f["path"] }.each { |path, parts|
    n = parts.sum { |p| p["failures"] }; puts "#{path} #{n}" if n > 0 }' "$1"
}

# The command testbot printed for the job that ran the file (its files in one process, as the framework alone runs
# them), and testbot's failures in that job's files: "failures<TAB>command", or nothing.
job_of() { # testbot's output, testbot's report, file
  ruby -rjson -e 'file = ARGV[2]
    failing = JSON.parse(File.read(ARGV[1]))["files"].group_by { |f| f["path"] }.transform_values { |parts| parts.sum { |p| p["failures"] } }
    File.foreach(ARGV[0]) do |line|
      next unless line.start_with?("── job ")
      command = line.chomp.split(" · ", 4)[3] or next
      paths = command.split.map { |word| word.delete_prefix("./").sub(/\[.*\z/, "") }
      next unless paths.include?(file)
      puts "#{paths.uniq.sum { |path| failing.fetch(path, 0) }}\t#{command.sub(/\ATEST_ENV_NUMBER=\d+ /, "")}"
      break
    end' "$1" "$2" "$3"
}

# Whether testbot's extra failures are all the suite's own: each file that failed under testbot fails the same way
# when the framework runs it alone, or the files of its job fail as under testbot when the framework runs them
# together in one process (an order dependence between the suite's files), though they pass in the framework's one
# run of everything.
explained() { # testbot's report, output dir, run name
  local file n alone_numbers ok=0 job job_failures command out
  while read -r file n; do
    if [[ " $flaky_alone " == *" $file "* ]]; then
      echo "  $3: $file: $n failing; its tests fail now and then with the framework alone too: the suite's own"
      continue
    fi
    out="$2/alone-$(echo "$file" | tr / _).out"
    (cd "$dir" && env ${runner_env:+$runner_env} bash -c "$(alone_on_file "$file")") > "$out" 2>&1 || true
    read -r _ _ failures errors _ <<< "$(counts "$framework" "$out" "")"
    if [ "$((failures + errors))" = "$n" ]; then
      echo "  $3: $file fails alone too ($failures failures, $errors errors with the framework alone on it): the suite's own"
      continue
    fi
    job=$(job_of "${1%.json}.out" "$1" "$file")
    if [ -n "$job" ]; then
      job_failures=${job%%$'\t'*}; command=${job#*$'\t'}
      (cd "$dir" && env ${runner_env:+$runner_env} bash -c "$command") > "$out.job" 2>&1 || true
      read -r _ _ failures errors _ <<< "$(counts "$framework" "$out.job" "")"
      if [ "$((failures + errors))" = "$job_failures" ]; then
        echo "  $3: $file passes alone, but its job's files fail as under testbot with the framework alone on them in one process ($failures failures, $errors errors: $command): the suite's own, an order dependence between its files"
        continue
      fi
    fi
    echo "  $3: $file: $n failing under testbot, $failures failures and $errors errors alone" >&2
    ok=1
  done < <(failing_files "$1")
  return $ok
}

seconds() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f", b - a }'; }

# The runners' user: not root, cannot write the corpus, and has a home (tests read user.home, which Java takes
# from the password database, not from HOME: nobody's, /nonexistent, failed commons-lang's SystemUtilsTest).
runner_user=testbot-conformance
id "$runner_user" >/dev/null 2>&1 || useradd --system --create-home --home-dir "/var/lib/$runner_user" --shell /usr/sbin/nologin "$runner_user"

# A server and two runners as that user, each in a work dir of its own.
start_farm() {
  cp "$here/target/testbot.jar" "$work/testbot.jar"
  chmod 644 "$work/testbot.jar"
  local port_file="$work/server.out"
  java -jar "$work/testbot.jar" server --port 0 --data-dir "$work/server" > "$port_file" 2> "$work/server.err" &
  pids+=($!)
  for _ in $(seq 1 300); do grep -qE "listening on http" "$port_file" "$work/server.err" 2>/dev/null && break; sleep 0.1; done
  port=$(grep -ohE "listening on http://[0-9.]+:[0-9]+" "$port_file" "$work/server.err" | head -1 | sed 's/.*://')
  token=$(cat "$work/server/token")
  for r in 1 2; do
    # A temporary directory of its own, as a runner machine has: specs that write fixed names in Dir.tmpdir (rack,
    # treetop) find the files the framework alone left there as root, which this user cannot write.
    mkdir -p "$work/runner$r/tmp"
    chown "$runner_user" "$work/runner$r" "$work/runner$r/tmp"
    env -i PATH="$PATH" HOME="$work/runner$r" TMPDIR="$work/runner$r/tmp" LANG=C.UTF-8 TESTBOT_TOKEN="$token" ${runner_env:+$runner_env} \
      setpriv --reuid="$runner_user" --regid="$runner_user" --clear-groups \
      java -jar "$work/testbot.jar" runner --connect "127.0.0.1:$port" --instances $((instances / 2 > 0 ? instances / 2 : 1)) \
      --work-dir "$work/runner$r/work" --hostname "runner$r" ${runner_env:+--pass-env "${runner_env%%=*}"} > "$work/runner$r.log" 2>&1 &
    pids+=($!)
  done
  for r in 1 2; do
    for _ in $(seq 1 300); do grep -q "registered with" "$work/runner$r.log" 2>/dev/null && break; sleep 0.1; done
  done
}

stop_farm() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  rm -rf "$work/server" "$work/runner1" "$work/runner2"
}

server_build() { # NAME ROW: a build of the suite through the farm, its output and JSON as NAME, its counts a row
  local started code
  started=$(seconds)
  set +e
  (cd "$dir" && TESTBOT_TOKEN="$token" env ${runner_env:+$runner_env} bash -c "'$here/bin/testbot' $testbot_command --connect 127.0.0.1:$port --json '$out/$1.json'") \
    > "$out/$1.out" 2>&1
  code=$?
  set -e
  rows+=("$2|$(counts testbot "$out/$1.out" "$out/$1.json")|$code|$(elapsed "$started")")
}

local_build() { # NAME ROW: a local-mode run of the suite with --keep-warm, its output and JSON as NAME, its counts a row
  local started code
  started=$(seconds)
  set +e
  (cd "$dir" && env ${runner_env:+$runner_env} bash -c "'$here/bin/testbot' $testbot_command -n $instances --keep-warm --json '$out/$1.json'") > "$out/$1.out" 2>&1
  code=$?
  set -e
  rows+=("$2|$(counts testbot "$out/$1.out" "$out/$1.json")|$code|$(elapsed "$started")")
}

printf '%-13s %-26s %6s %7s %8s %7s %8s %5s %8s\n' suite run files tests failures errors pending exit wall
status=0
own=0
for name in "${suites[@]}"; do
  suite "$name" || exit 2
  dir="$corpus/$dir"
  [ -d "$dir" ] || { echo "conformance: $name is not checked out at $dir" >&2; status=1; continue; }
  testbot_command="${testbot_command:-$framework}"
  out="$work/$name"
  mkdir -p "$out"
  rows=()

  # The framework alone, with its results as JSON where it can write them beside its own output.
  report=""
  started=$(seconds)
  case "$framework" in
    rspec)    report="$out/alone.json"; command="$alone --format progress --format json --out $report" ;;
    cucumber) report="$out/alone.json"; command="$alone --format progress --format json --out $report" ;;
    junit)    report="$dir/target/surefire-reports"; rm -rf "$report"; command="$alone" ;;
    *)        command="$alone" ;;
  esac
  set +e
  (cd "$dir" && env ${runner_env:+$runner_env} bash -c "$command") > "$out/alone.out" 2>&1
  code=$?
  set -e
  rows+=("alone|$(counts "$framework" "$out/alone.out" "$report")|$code|$(elapsed "$started")")
  [ "$framework" != junit ] || (cd "$dir" && mvn -B -q -o test-compile > /dev/null 2>&1)

  # testbot in local mode (kept warm after it), then through what it kept warm once that has booted ahead.
  local_build local "testbot local x$instances"
  kept_log() { cat "$HOME"/.cache/testbot/local/kept/*/log 2>/dev/null || true; }
  if [ "$framework" != junit ]; then
    for _ in $(seq 1 600); do [ "$(kept_log | grep -c 'ahead of the next build')" -ge "$instances" ] && break; sleep 0.1; done
  else # JUnit boots nothing ahead: once it serves, the run goes to it through bin/testbot's client as the others' do
    for _ in $(seq 1 600); do kept_log | grep -q 'local mode kept warm for' && break; sleep 0.1; done
  fi
  local_build kept "local kept warm"
  rows[-1]="${rows[-1]/local kept warm/local kept warm ($(kept_log | grep -c 'takes the worker booted ahead' || true) ahead)}"
  kept_log > "$out/kept.log"
  (cd "$dir" && "$here/bin/testbot" local stop > /dev/null)
  rm -rf "$HOME/.cache/testbot/local/kept"

  # testbot on a server with two runners as the runners' user.
  start_farm
  server_build server "testbot server, 2 runners"

  # Again on the same farm, once the runners have booted ahead where the framework lets them.
  if [ "$framework" != junit ]; then
    for _ in $(seq 1 600); do
      [ "$(cat "$work"/runner?.log | grep -c 'ahead of the next build')" -ge $((2 * (instances / 2 > 0 ? instances / 2 : 1))) ] && break
      sleep 0.1
    done
  fi
  server_build server2 "server again"
  ahead=$(cat "$work"/runner?.log | grep -c 'takes the worker booted ahead' || true)
  rows[-1]="${rows[-1]/server again/server again ($ahead ahead)}"
  cat "$work"/runner?.log > "$out/runners.log"
  stop_farm

  reference=""
  for row in "${rows[@]}"; do
    IFS='|' read -r run numbers code wall <<< "$row"
    read -r files tests failures errors pending <<< "$numbers"
    printf '%-13s %-26s %6s %7s %8s %7s %8s %5s %7ss\n' "$name" "$run" "$files" "$tests" "$failures" "$errors" "$pending" "$code" "$wall"
    verdict="$tests $failures $errors $pending $([ "$code" = 0 ] && echo passed || echo failed)"
    # Skipped tests that vary alone are compared as the verdict's, not by count.
    [ -z "$skips_vary" ] || verdict="$tests $failures $errors (skipped: varies in $skips_vary) $([ "$code" = 0 ] && echo passed || echo failed)"
    case "$verdict" in *"?"*) echo "$name: $run printed no totals; see $out" >&2; status=1 ;; esac
    if [ -z "$reference" ]; then reference="$verdict"
    elif [ "$verdict" != "$reference" ]; then
      case "$run" in "testbot local"*) report="$out/local.json" ;; "local kept"*) report="$out/kept.json" ;; "server again"*) report="$out/server2.json" ;; *) report="$out/server.json" ;; esac
      if [ "$(echo "$verdict" | cut -d' ' -f1)" = "$(echo "$reference" | cut -d' ' -f1)" ] && explained "$report" "$out" "$run"; then
        echo "  $name: $run: the same tests; the differences are the suite's own (above)"
        own=1
      else
        echo "$name: $run differs from the framework alone (tests failures errors pending verdict: $verdict against $reference); see $out" >&2
        status=1
      fi
    fi
  done
done
if [ "$status" != 0 ]; then echo "some suites differ (above)"
elif [ "$own" != 0 ]; then echo "every suite: the same counts and verdict five ways, apart from the suites' own (files that fail alone or now and then, above)"
else echo "every suite: the same counts and verdict five ways"; fi
# Keep the outputs for a look when something differed.
[ "$status" = 0 ] || { kept="/tmp/testbot-conformance-last"; rm -rf "$kept"; cp -r "$work" "$kept"; echo "outputs kept in $kept" >&2; }
exit $status
