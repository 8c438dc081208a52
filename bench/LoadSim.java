// Simulates a farm of runners against one testbot server, for bench/load.sh: run as a source file,
//   java -cp target/testbot.jar bench/LoadSim.java --server URL --token T --runners N --seconds S
// Each runner registers with one instance, keeps a heartbeat parked at the server as a real runner does, long-polls
// for jobs and reports each job's result at once (its "tests" take no time), or after --job-millis: with instant
// jobs the farm is a closed loop that asks as fast as it is served, so a request's latency is the line of the other
// runners' requests ahead of it; with jobs of J ms, N runners offer at most N / J jobs a second and the latency is
// the server's own. Builds of one-file jobs are submitted
// so that there is always work queued. Prints one last line: runners=N dispatches_per_s=X p99_ms=Y.
// First, for scale, the machine's HTTP floor: GET /version (the cheapest request the server answers) from 200
// threads of this JVM for --floor-seconds, before any runner registers: no dispatch can cost less than the requests
// it takes. With --server-pid, the server's CPU is read from /proc for that and for the measured window.
// A dispatch is one job handed out and its result recorded; its latency is from the moment the instance asks (with
// its last result, as real runners do, or alone) to the job in hand (work is queued throughout the measured window).

import io.testbot.protocol.ApiClient;
import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.EventsReply;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Runners;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

public class LoadSim {
    static final int FILES_PER_BUILD = 4000;
    static final int BUILDS_IN_FLIGHT = 2;

    public static void main(String[] args) throws Exception {
        String server = null, token = null;
        int runners = 100;
        int seconds = 20;
        long jobMillis = 0;
        int warmup = 3;
        int floorSeconds = 5;
        long serverPid = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--server" -> server = args[++i];
                case "--token" -> token = args[++i];
                case "--runners" -> runners = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--job-millis" -> jobMillis = Long.parseLong(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--floor-seconds" -> floorSeconds = Integer.parseInt(args[++i]);
                case "--server-pid" -> serverPid = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ApiClient api = new ApiClient(server, token);
        String version = api.getText("/version").trim();

        if (floorSeconds > 0) floor(api, floorSeconds, serverPid);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicLong dispatches = new AtomicLong();
        AtomicLong allDispatches = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong requests = new AtomicLong(); // every request the farm and the submitters make, for requests per dispatch
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch registered = new CountDownLatch(runners);

        for (int b = 0; b < BUILDS_IN_FLIGHT; b++) threads.add(start("submitter-" + b, () -> submitBuilds(api, stop, errors, requests)));

        long finalJobMillis = jobMillis;
        for (int r = 0; r < runners; r++) {
            int number = r;
            threads.add(start("runner-" + r, () -> {
                Runners.Registered me;
                try {
                    me = api.register(new Runners.Registration("sim-" + number, version, 1, "/sim"));
                } catch (Exception e) {
                    error(errors, e);
                    registered.countDown();
                    return;
                }
                registered.countDown();
                String id = me.runnerId();
                java.util.concurrent.atomic.AtomicReference<Long> held = new java.util.concurrent.atomic.AtomicReference<>();
                Thread heartbeat = start("heartbeat-" + number, () -> {
                    while (!stop.get()) {
                        try {
                            Long job = held.get();
                            api.heartbeat(id, new Runners.Heartbeat(job == null ? List.of() : List.of(job), null), 2_000); // runner.Runner.HEARTBEAT_WAIT_MILLIS
                            requests.incrementAndGet();
                        } catch (Exception e) {
                            if (!stop.get()) error(errors, e);
                        }
                    }
                });
                long[] mine = new long[1 << 16];
                int count = 0;
                JobAssignment carried = null; // the next job, as a real runner gets it with its last result
                long carriedTook = 0; // the round trip of the result it came with
                while (!stop.get()) {
                    try {
                        long asked = System.nanoTime();
                        JobAssignment job = carried;
                        if (job == null) {
                            job = api.nextJob(id, 1, 20_000);
                            requests.incrementAndGet();
                        }
                        long took = carried != null ? carriedTook : System.nanoTime() - asked;
                        carried = null;
                        if (job == null) continue;
                        held.set(job.jobId());
                        if (finalJobMillis > 0) Thread.sleep(finalJobMillis); // the job's tests, in a real runner
                        List<FileResult> files = job.files().stream().map(f -> new FileResult(f, 1, 0, 0, 0.001, List.of())).toList();
                        long reported = System.nanoTime();
                        Runners.ResultReply reply = api.reportResult(job.jobId(), new JobResult(id, 1, 0, false, "", 0.001, 0, "sim", files), 1);
                        requests.incrementAndGet();
                        held.set(reply.next() == null ? null : reply.next().jobId());
                        carried = reply.next();
                        carriedTook = System.nanoTime() - reported;
                        allDispatches.incrementAndGet();
                        if (measuring.get()) {
                            dispatches.incrementAndGet();
                            if (count == mine.length) mine = Arrays.copyOf(mine, count * 2);
                            mine[count++] = took;
                        }
                    } catch (Exception e) {
                        if (!stop.get()) error(errors, e);
                    }
                }
                latencies.add(Arrays.copyOf(mine, count));
                heartbeat.interrupt();
                try {
                    api.leave(id);
                } catch (Exception ignored) {
                    // the server may be gone
                }
            }));
        }
        registered.await();
        System.out.println("registered " + runners + " runner(s); warming up for " + warmup + " s");
        Thread.sleep(warmup * 1_000L); // not a test: the benchmark's window opens once the farm is up (and the server's JIT)
        long started = System.nanoTime();
        double serverCpuBefore = cpuSeconds(serverPid);
        double simCpuBefore = ownCpuSeconds();
        long requestsBefore = requests.get();
        measuring.set(true);
        Thread.sleep(seconds * 1_000L);
        measuring.set(false);
        double window = (System.nanoTime() - started) / 1e9;
        long done = dispatches.get();
        double serverCpu = cpuSeconds(serverPid) - serverCpuBefore;
        double simCpuWindow = ownCpuSeconds() - simCpuBefore;
        long windowRequests = requests.get() - requestsBefore;
        stop.set(true);
        for (Thread t : threads) t.interrupt();
        for (Thread t : threads) t.join(30_000);

        long simCpu = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double p99 = all.length == 0 ? Double.NaN : all[Math.min(all.length - 1, (int) Math.ceil(all.length * 0.99) - 1)] / 1e6;
        double p50 = all.length == 0 ? Double.NaN : all[all.length / 2] / 1e6;
        System.out.printf("errors=%d p50_ms=%.1f max_ms=%.1f simulator_cpu_s=%.1f all_dispatches=%d%n", errors.get(), p50,
                all.length == 0 ? Double.NaN : all[all.length - 1] / 1e6, simCpu / 1e9, allDispatches.get());
        System.out.printf("measured window: %.1f s, %d dispatches, %.0f requests/s (%.2f a dispatch); CPU per dispatch: server %s ms, simulator %.3f ms%n",
                window, done, windowRequests / window, windowRequests / (double) Math.max(1, done),
                serverPid > 0 ? String.format("%.3f", 1000 * serverCpu / Math.max(1, done)) : "?", 1000 * simCpuWindow / Math.max(1, done));
        System.out.printf("runners=%d dispatches_per_s=%.0f p99_ms=%.1f%n", runners, done / window, p99);
    }

    /** Keeps one build of one-file jobs running: submits one, follows it to its end, submits the next. */
    static void submitBuilds(ApiClient api, AtomicBoolean stop, AtomicLong errors, AtomicLong requests) {
        List<String> files = new ArrayList<>();
        for (int i = 0; i < FILES_PER_BUILD; i++) files.add("spec/load_" + i + "_spec.rb");
        while (!stop.get()) {
            try {
                BuildInfo build = api.submit(new BuildRequest("load", "rspec", files, List.of(), null, null, 1, "load-sim",
                        false, 0, 0, null));
                requests.incrementAndGet();
                long after = 0;
                String status = "running";
                while (!stop.get() && "running".equals(status)) {
                    EventsReply reply = api.events(build.id(), after, 20_000);
                    requests.incrementAndGet();
                    for (BuildEvent event : reply.events()) after = Math.max(after, event.seq());
                    status = reply.buildStatus();
                }
            } catch (Exception e) {
                if (!stop.get()) error(errors, e);
            }
        }
    }

    /**
     * The machine's HTTP floor: GET /version from 200 threads, as fast as the server answers, for 3 s unmeasured (the
     * JIT) and then the given seconds. Prints the requests a second and each one's CPU in the server and here.
     */
    static void floor(ApiClient api, int seconds, long serverPid) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 200; t++) {
            threads.add(start("floor-" + t, () -> {
                while (!stop.get()) {
                    try {
                        api.getText("/version");
                        requests.incrementAndGet();
                    } catch (Exception e) {
                        if (!stop.get()) error(errors, e);
                    }
                }
            }));
        }
        Thread.sleep(3_000); // not a test: the floor's window opens once the server's JIT has compiled the path
        long from = requests.get();
        long started = System.nanoTime();
        double serverBefore = cpuSeconds(serverPid);
        double simBefore = ownCpuSeconds();
        Thread.sleep(seconds * 1_000L);
        long count = requests.get() - from;
        double window = (System.nanoTime() - started) / 1e9;
        double serverCpu = cpuSeconds(serverPid) - serverBefore;
        double simCpu = ownCpuSeconds() - simBefore;
        stop.set(true);
        for (Thread t : threads) t.join(10_000);
        System.out.printf("http floor: GET /version from 200 threads: %.0f requests/s; CPU per request: server %s ms, simulator %.3f ms%n",
                count / window, serverPid > 0 ? String.format("%.3f", 1000 * serverCpu / Math.max(1, count)) : "?",
                1000 * simCpu / Math.max(1, count));
    }

    /** A process's CPU time (user and system) from /proc, in seconds; 0 without a pid. */
    static double cpuSeconds(long pid) {
        if (pid <= 0) return 0;
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0; // utime and stime, at USER_HZ 100
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    static double ownCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /** Counts an error; the first few are printed, to say what went wrong. */
    static void error(AtomicLong errors, Exception e) {
        if (errors.incrementAndGet() <= 5) System.out.println("error: " + e);
    }

    static Thread start(String name, Runnable body) {
        Thread thread = new Thread(null, body, name, 256 * 1024);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
