package io.testbot.runner;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A framework process that stays up for one build on one instance and runs job after job (see
 * {@link io.testbot.adapters.Adapter#workerCommand}), so that only the instance's first job of a build pays the
 * framework's boot. After each job it prints a line with a marker, random per worker, and the job's exit status.
 */
final class WarmWorker {
    static final String MARKER_VARIABLE = "TESTBOT_WORKER_MARKER";
    /** A line longer than this cannot be the marker line: it goes to the output as it comes. */
    private static final int MARKER_LINE_LIMIT = 128;

    private final long buildId;
    private final Path root;
    private final Process process;
    private final OutputStream jobs;
    private final InputStream output;
    private final String marker;
    /** Held while a job runs in it, or by whoever decided to end it: whoever holds it may use it. */
    private final java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);

    /** What one job printed, and its exit status; a null status means the worker ended during the job. */
    record Outcome(String output, Integer status) {
        /**
         * The worker had ended on its own, idle, as the job was sent: it printed nothing and exited cleanly. The
         * job never started and can go to a fresh worker.
         */
        boolean neverStarted(Process worker) throws InterruptedException {
            return status == null && output.isBlank() && worker.waitFor() == 0;
        }
    }

    private WarmWorker(long buildId, Path root, Process process, String marker) {
        this.buildId = buildId;
        this.root = root;
        this.process = process;
        this.jobs = process.getOutputStream();
        this.output = new BufferedInputStream(process.getInputStream());
        this.marker = marker;
    }

    /** Starts a worker; the builder has its command, directory and environment, and merges stderr into stdout. */
    static WarmWorker start(ProcessBuilder builder, long buildId, Path root) throws IOException {
        byte[] random = new byte[12];
        ThreadLocalRandom.current().nextBytes(random);
        String marker = "testbot-job-done-" + HexFormat.of().formatHex(random);
        builder.environment().put(MARKER_VARIABLE, marker);
        return new WarmWorker(buildId, root, builder.start(), marker);
    }

    /** Whether this worker can take a job of this build in this directory. */
    boolean fits(long buildId, Path root) {
        return this.buildId == buildId && this.root.equals(root) && process.isAlive();
    }

    Process process() {
        return process;
    }

    long buildId() {
        return buildId;
    }

    /** Takes the worker for a job, or to end it; false when someone else holds it. A new worker starts held. */
    boolean claim() {
        return held.compareAndSet(false, true);
    }

    /** Lets the worker go after a job. */
    void release() {
        held.set(false);
    }

    /** Sends one job and reads its output up to the marker line (the caller holds the worker). */
    Outcome run(String job) throws IOException {
        try {
            jobs.write((job + "\n").getBytes(StandardCharsets.UTF_8));
            jobs.flush();
        } catch (IOException e) {
            return new Outcome(OutputCapture.read(output), null); // it had ended: its last words
        }
        OutputCapture capture = new OutputCapture();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = output.read()) >= 0; ) {
            if (b != '\n') {
                line.write(b);
                if (line.size() > MARKER_LINE_LIMIT) {
                    capture.write(line.toByteArray(), 0, line.size());
                    line.reset();
                }
                continue;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            if (text.startsWith(marker + " ")) {
                String printed = capture.text();
                // The worker starts the marker on a line of its own: that newline is not the job's.
                if (printed.endsWith("\n")) printed = printed.substring(0, printed.length() - 1);
                int status;
                try {
                    status = Integer.parseInt(text.substring(marker.length() + 1).strip());
                } catch (NumberFormatException e) {
                    status = 1;
                }
                return new Outcome(printed, status);
            }
            line.write('\n');
            capture.write(line.toByteArray(), 0, line.size());
            line.reset();
        }
        capture.write(line.toByteArray(), 0, line.size());
        return new Outcome(capture.text(), null);
    }

    /** Ends the worker and everything it started, at once. */
    void close() {
        ProcessGroups.kill(process);
    }

    /**
     * Lets an idle worker end as a process ends normally (its at_exit hooks, a coverage report say, still run):
     * end of input, and the kill only if it is still there after a grace period.
     */
    java.util.concurrent.CompletableFuture<Process> retire() {
        try {
            jobs.close();
        } catch (IOException alreadyGone) {
            // nothing to tell it
        }
        return process.onExit().orTimeout(RETIRE_GRACE_SECONDS, java.util.concurrent.TimeUnit.SECONDS).exceptionally(timedOut -> {
            close();
            return process;
        });
    }

    static final long RETIRE_GRACE_SECONDS = 10;
}
