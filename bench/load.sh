#!/usr/bin/env bash
# How many runners one server carries: starts a server (SQLite, or --store URL) and bench/LoadSim.java, which
# simulates N runners (register, heartbeat, long-poll for jobs, report results of instant jobs) from one JVM on
# loopback, for S seconds. Last line: runners=N dispatches_per_s=X p99_ms=Y heap_mb=Z, where heap_mb is the
# server's heap in use after a full collection at the end of the load (its live set; the server runs with -Xmx512m).
#   bench/load.sh [--runners N] [--seconds S] [--warmup W] [--job-millis J] [--floor-seconds F] [--store URL]
# --job-millis: how long each simulated job takes (0: instant; see bench/LoadSim.java for what that measures).
# --warmup: seconds of load before the measured window (default 3); the server's JIT compiler is busy for the first
# 20-30 s of load, so a long-running server's steady state needs about 30.
# --floor-seconds: first, the machine's HTTP floor, side by side: GET /version from 200 threads for F s (default 5;
# 0: none), the cheapest request there is, with its CPU per request in the server and the simulator.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
. "$here/bench/lib.sh"
runners=1000 seconds=20 store=() job_millis=0 warmup=3 floor=5
while [ $# -gt 0 ]; do
  case "$1" in
    --runners) runners="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --store) store=(--store "$2"); shift 2 ;;
    --job-millis) job_millis="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --floor-seconds) floor="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "load.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
bench_setup load
data="$work/server"
TESTBOT_JAVA_OPTS="-Xmx512m ${TESTBOT_JAVA_OPTS:-}" bench_server "$data" "${store[@]}"
java_pid="${pids[-1]}" # bin/testbot execs the server's JVM
echo "server on port $port (pid $java_pid); $runners runner(s) for $seconds s"
set +e
java -Xss256k -Dhttp.maxConnections=4000 -cp "$here/target/testbot.jar" "$here/bench/LoadSim.java" \
  --server "http://127.0.0.1:$port" --token "$TESTBOT_TOKEN" --runners "$runners" --seconds "$seconds" --warmup "$warmup" --job-millis "$job_millis" \
  --floor-seconds "$floor" --server-pid "$java_pid" > "$work/sim.out"
sim=$?
set -e
jcmd "$java_pid" GC.run > /dev/null
# Every generation's (or region set's) use, not the metaspace's.
heap_kb=$(jcmd "$java_pid" GC.heap_info | grep -E 'generation|garbage-first heap' | grep -o 'used [0-9]*K' | grep -o '[0-9]*' | paste -sd+ | bc)
grep -v '^runners=' "$work/sim.out" || true
cpu=$(awk '{print ($14 + $15) / 100}' /proc/"$java_pid"/stat)
all=$(grep -o 'all_dispatches=[0-9]*' "$work/sim.out" | cut -d= -f2)
echo "server: $(ls /proc/"$java_pid"/task | wc -l) threads at the end, ${cpu} s of CPU in all, $(echo "scale=3; 1000 * $cpu / ($all + 1)" | bc) ms per dispatch"
[ "$sim" -eq 0 ] || { echo "load.sh: the simulation failed (exit $sim); server log:"; tail -20 "$data.log"; exit 1; }
echo "$(grep '^runners=' "$work/sim.out") heap_mb=$((heap_kb / 1024))"
