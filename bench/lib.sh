# Shared by the scripts under bench/: sourced, not run.

# bench_setup NAME: builds target/testbot.jar if there is none; makes the work dir $work (/tmp/testbot-NAME.*),
# removed at exit with every process whose pid is in $pids; HOME (so the history database) inside it; no server or
# token from the caller's environment.
bench_setup() {
  [ -f "$here/target/testbot.jar" ] || (cd "$here" && mvn -B -q -Dstyle.color=never -DskipTests package)
  work="$(mktemp -d "/tmp/testbot-$1.XXXXXX")"
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT
  export HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache"
  mkdir -p "$HOME"
  unset TESTBOT_SERVER TESTBOT_TOKEN
}

# median: the median of the numbers on standard input (separated by spaces or lines), to two decimals.
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }'; }

# ratio A B: A / B to two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# bench_server DATA_DIR: a fresh server on loopback; sets port and exports TESTBOT_TOKEN.
bench_server() {
  env -u TESTBOT_TOKEN "$here/bin/testbot" server --port 0 --bind 127.0.0.1 --data-dir "$1" "${@:2}" > "$1.log" 2>&1 & pids+=($!)
  until grep -q 'listening on' "$1.log" 2>/dev/null; do sleep 0.05; done
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$1.log" | sed 's/.*://')
  export TESTBOT_TOKEN="$(cat "$1/token")"
}
