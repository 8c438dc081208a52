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
 * A spare is one started before any build, outside any project: it boots the framework and waits; {@link #bind}
 * sends it to a project directory, and from then on it is that build's worker, so even an instance's first job of
 * a build does not wait for the framework to boot.
 */
final class WarmWorker {
    static final String MARKER_VARIABLE = "TESTBOT_WORKER_MARKER";
    static final String SPARE_VARIABLE = "TESTBOT_WORKER_SPARE";
    /** Tells a worker it is booted ahead of a build, and where to write the files its boot loaded. */
    static final String PREBOOT_VARIABLE = "TESTBOT_WORKER_PREBOOT";
    /** Names the file with the line of the job the worker booted ahead's recipe was taken for (see {@link BootRecipe#job}). */
    static final String PREBOOT_JOB_VARIABLE = "TESTBOT_WORKER_PREBOOT_JOB";
    private static final long SPARE = -1;
    private static final long PREBOOTED = -2;
    /** A line longer than this cannot be the marker line: it goes to the output as it comes. */
    private static final int MARKER_LINE_LIMIT = 128;

    private final String adapter;
    private volatile long buildId;
    private volatile Path root;
    private final Process process;
    private final OutputStream jobs;
    private final InputStream output;
    private final String marker;
    /** A spare's boot: true once it said it is ready, false if it ended first. */
    private final java.util.concurrent.CompletableFuture<Boolean> booted = new java.util.concurrent.CompletableFuture<>();
    /** What a spare printed while booting (warnings, say): it goes to its first job's output. */
    private volatile String bootOutput = "";
    /** Whether a job has run in it: the first pays its boot (the framework's, the project's helper). */
    private volatile boolean ranAJob;
    /** A worker booted ahead of a build: how it was booted, and the files its boot loaded once it is ready. */
    private volatile BootRecipe recipe;
    private volatile java.util.Set<Path> loaded;
    /** Held while a job runs in it, or by whoever decided to end it: whoever holds it may use it. */
    private final java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);

    /**
     * What one job printed, and its exit status; a null status means the worker ended during the job. retire: the
     * worker said it should run no more jobs (the job's files failed to load, say: see testbot_rspec_worker.rb).
     */
    record Outcome(String output, Integer status, boolean retire) {
        Outcome(String output, Integer status) {
            this(output, status, false);
        }

        /**
         * The worker had ended on its own, idle, as the job was sent: it printed nothing and exited cleanly. The
         * job never started and can go to a fresh worker.
         */
        boolean neverStarted(Process worker) throws InterruptedException {
            return status == null && output.isBlank() && worker.waitFor() == 0;
        }
    }

    private WarmWorker(String adapter, long buildId, Path root, Process process, String marker) {
        this.adapter = adapter;
        this.buildId = buildId;
        this.root = root;
        this.process = process;
        this.jobs = process.getOutputStream();
        this.output = new BufferedInputStream(process.getInputStream());
        this.marker = marker;
    }

    /** Starts a worker; the builder has its command, directory and environment, and merges stderr into stdout. */
    static WarmWorker start(ProcessBuilder builder, String adapter, long buildId, Path root) throws IOException {
        String marker = marker(builder);
        WarmWorker worker = new WarmWorker(adapter, buildId, root, builder.start(), marker);
        worker.booted.complete(true);
        return worker;
    }

    /** Starts a spare (not held): the builder's directory should be outside any project. */
    static WarmWorker startSpare(ProcessBuilder builder, String adapter) throws IOException {
        builder.environment().put(SPARE_VARIABLE, "1");
        String marker = marker(builder);
        WarmWorker spare = new WarmWorker(adapter, SPARE, null, builder.start(), marker);
        spare.release();
        Thread reader = new Thread(spare::readBoot, "spare-boot");
        reader.setDaemon(true);
        reader.start();
        return spare;
    }

    /**
     * Starts a worker in the recipe's directory that boots there (the project's helper, say) and waits, however
     * long, for a job of a later build (not held): see {@link InstanceWorkers#prebootIdle}. It writes the files its
     * boot loaded to loadedList.
     */
    static WarmWorker startPreboot(ProcessBuilder builder, BootRecipe recipe, Path loadedList) throws IOException {
        builder.environment().put(PREBOOT_VARIABLE, loadedList.toString());
        String marker = marker(builder);
        WarmWorker worker = new WarmWorker(recipe.adapter().name(), PREBOOTED, recipe.root(), builder.start(), marker);
        worker.recipe = recipe;
        worker.release();
        Thread reader = new Thread(() -> worker.readBoot(loadedList), "preboot");
        reader.setDaemon(true);
        reader.start();
        return worker;
    }

    /** Reads a spare's output up to its ready line; run() reads on from there, once {@link #bind} has seen it. */
    private void readBoot() {
        readBoot(null);
    }

    /** As {@link #readBoot()}; then, for a worker booted ahead, the list of files its boot loaded. */
    private void readBoot(Path loadedList) {
        OutputCapture printed = new OutputCapture();
        String said = null;
        try {
            said = readToMarker(printed);
        } catch (IOException ended) {
            // as at end of output
        }
        String text = printed.text();
        // A worker booted ahead starts its ready line on a line of its own: that newline is not its output.
        bootOutput = loadedList != null && text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        boolean ready = "ready".equals(said);
        if (ready && loadedList != null) {
            try {
                loaded = java.nio.file.Files.readAllLines(loadedList).stream().filter(line -> line.startsWith("/"))
                        .map(line -> Path.of(line).normalize()).collect(java.util.stream.Collectors.toUnmodifiableSet());
            } catch (IOException | RuntimeException unreadable) {
                ready = false; // what it loaded is not known: it cannot be trusted with a later build
            }
        }
        booted.complete(ready);
    }

    /** Waits for a spare to finish booting; false if it ended first or is still booting after the timeout. */
    boolean awaitBooted(long timeout, java.util.concurrent.TimeUnit unit) {
        try {
            return booted.get(timeout, unit);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Longest a job waits for a spare that is still booting (a fresh worker would take as long). */
    static final long BOOT_WAIT_SECONDS = 60;

    /** Puts a new random marker into the builder's environment. */
    private static String marker(ProcessBuilder builder) {
        byte[] random = new byte[12];
        ThreadLocalRandom.current().nextBytes(random);
        String marker = "testbot-job-done-" + HexFormat.of().formatHex(random);
        builder.environment().put(MARKER_VARIABLE, marker);
        return marker;
    }

    /** Whether this worker can take a job of this build in this directory. */
    boolean fits(long buildId, Path root) {
        return this.buildId == buildId && root.equals(this.root) && process.isAlive();
    }

    boolean isSpare() {
        return buildId == SPARE;
    }

    /** Whether it was booted ahead of a build and no build has it yet. */
    boolean isPrebooted() {
        return buildId == PREBOOTED;
    }

    /** How a worker booted ahead was booted; null for others. */
    BootRecipe recipe() {
        return recipe;
    }

    /** The files the boot of a worker booted ahead loaded, once it is ready (see {@link #awaitBooted}); null before. */
    java.util.Set<Path> loaded() {
        return loaded;
    }

    /** Makes a worker booted ahead (which the caller holds) this build's worker, in the directory it booted in. */
    void adopt(long buildId) {
        if (!isPrebooted()) throw new IllegalStateException("not a worker booted ahead");
        this.buildId = buildId;
    }

    /** Whether this is a live spare of this framework. */
    boolean spareFor(String adapter) {
        return isSpare() && this.adapter.equals(adapter) && process.isAlive();
    }

    String adapter() {
        return adapter;
    }

    /**
     * Makes a spare (which the caller holds) this build's worker in root, with its instance's variables (a spare
     * belongs to no instance until then); false if the spare had ended.
     */
    boolean bind(long buildId, Path root, java.util.Map<String, String> env) {
        if (!awaitBooted(BOOT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) return false;
        try {
            jobs.write((io.testbot.protocol.Json.MAPPER.writeValueAsString(java.util.Map.of("chdir", root.toString(), "env", env)) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            jobs.flush();
        } catch (IOException e) {
            return false;
        }
        this.root = root;
        this.buildId = buildId;
        return true;
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

    /** Whether its next job pays its boot: no job has run in it yet, and it was not booted ahead of its build. */
    boolean booting() {
        return !ranAJob && recipe == null;
    }

    /** Sends one job and reads its output up to the marker line (the caller holds the worker). */
    Outcome run(String job) throws IOException {
        ranAJob = true;
        try {
            jobs.write((job + "\n").getBytes(StandardCharsets.UTF_8));
            jobs.flush();
        } catch (IOException e) {
            return new Outcome(OutputCapture.read(output), null); // it had ended: its last words
        }
        OutputCapture capture = new OutputCapture();
        String boot = bootOutput;
        if (!boot.isEmpty()) {
            byte[] bytes = boot.getBytes(StandardCharsets.UTF_8);
            capture.write(bytes, 0, bytes.length);
            bootOutput = "";
        }
        String said = readToMarker(capture);
        if (said == null) return new Outcome(capture.text(), null);
        String printed = capture.text();
        // The worker starts the marker on a line of its own: that newline is not the job's.
        if (printed.endsWith("\n")) printed = printed.substring(0, printed.length() - 1);
        String[] words = said.split(" ");
        int status;
        try {
            status = Integer.parseInt(words[0]);
        } catch (NumberFormatException e) {
            status = 1;
        }
        return new Outcome(printed, status, words.length > 1 && words[1].equals("retire"));
    }

    /**
     * Reads the worker's output into the capture up to a line that starts with the marker, and returns what that
     * line says after it (a job's exit status, or "ready"); null if the output ends first.
     */
    private String readToMarker(OutputCapture capture) throws IOException {
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
            if (text.startsWith(marker + " ")) return text.substring(marker.length() + 1).strip();
            line.write('\n');
            capture.write(line.toByteArray(), 0, line.size());
            line.reset();
        }
        capture.write(line.toByteArray(), 0, line.size());
        return null;
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
        return ProcessGroups.endOfInput(process, RETIRE_GRACE_SECONDS);
    }

    static final long RETIRE_GRACE_SECONDS = 10;
}
