package io.testbot.requester;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.EventsReply;
import io.testbot.protocol.Json;
import io.testbot.protocol.ServerApi;
import io.testbot.protocol.Verdict;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows a submitted build for the user: tells the listeners (the job blocks, the summary, the reports) of each
 * job as it finishes, waits out a server that went away (or another that takes over), gives up after
 * --runner-timeout without a runner, cancels the build on Ctrl-C, and returns the exit status.
 */
final class BuildFollower {
    static final long EVENTS_WAIT_MILLIS = 20_000;

    private final RequesterConfig config;
    private final Adapter adapter;
    private final PrintStream out;
    private final PrintStream err;
    /** Set by {@link #cancel}: the build is cancelled as soon as it is submitted. */
    private volatile boolean cancelRequested;
    /** Cancels the build being followed and says so, once; null before the build is submitted. */
    private volatile Runnable cancelBuild;

    BuildFollower(RequesterConfig config, Adapter adapter, PrintStream out, PrintStream err) {
        this.config = config;
        this.adapter = adapter;
        this.out = out;
        this.err = err;
    }

    /**
     * Cancels the build (now, or as soon as it is submitted) and says so, as the shutdown hook of a requester's own
     * process does on Ctrl-C.
     */
    void cancel() {
        cancelRequested = true;
        Runnable cancel = cancelBuild;
        if (cancel != null) cancel.run();
    }

    /** @param files the entries submitted (files, or parts of split files) */
    int follow(ServerApi server, BuildInfo build, List<String> files, String what, long started) throws IOException, InterruptedException {
        BuildResults results = new BuildResults(adapter);
        List<BuildListener> listeners = listeners();
        // Jackson builds its readers for the events (jobs, results, files, tests) on first use: build them while the
        // first job runs, not when its result arrives (that was a third of the time from last spec to exit). The
        // same for the first formatting of numbers and of a summary (5-10 ms once the last result is in, measured).
        Requester.inBackground(() -> {
            if (server instanceof ApiClient) Json.MAPPER.readerFor(EventsReply.class);
            new SummaryReport(new PrintStream(java.io.OutputStream.nullOutputStream()))
                    .buildFinished(new BuildListener.Finished(build, new BuildResults(adapter), new BuildResults(adapter).verdict(files, false), 0));
        });
        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable cancel = () -> {
            if (!cancelled.compareAndSet(false, true)) return;
            try {
                server.cancel(build.id());
                err.println("\ntestbot: build " + build.id() + " cancelled");
            } catch (IOException | InterruptedException e) {
                err.println("\ntestbot: could not cancel build " + build.id() + ": " + e.getMessage());
            }
        };
        Thread cancelOnExit = new Thread(cancel, "cancel-build");
        Runtime.getRuntime().addShutdownHook(cancelOnExit);
        cancelBuild = cancel;
        if (cancelRequested) cancel.run();
        try {
            err.println("testbot: build " + build.id() + ": " + what + " in " + build.jobs() + " job(s)");
            long after = 0;
            long noRunnerSince = 0;
            long lostServerSince = 0;
            BuildInfo finished = null;
            long timeoutMillis = config.runnerTimeout().toMillis();
            boolean firstPoll = true;
            while (finished == null) {
                // While no runner is connected, come back in time to enforce --runner-timeout.
                long wait = noRunnerSince == 0 ? Math.min(EVENTS_WAIT_MILLIS, timeoutMillis)
                        : Math.max(100, timeoutMillis - (System.nanoTime() - noRunnerSince) / 1_000_000);
                EventsReply reply;
                // The first answer comes at once: whether any runner is there decides what the user is told now,
                // and the --runner-timeout counts from the submission, not from the end of a first long wait.
                long polledAt = System.nanoTime();
                try {
                    long pollMillis = firstPoll ? 0 : Math.min(EVENTS_WAIT_MILLIS, wait);
                    firstPoll = false;
                    reply = server.events(build.id(), after, pollMillis);
                    lostServerSince = 0;
                } catch (IOException e) {
                    // A 503 is a server standing by for another that shares its store: the other one, or it, takes
                    // over. Any 5xx may be a server on its way down or up: following a build is a read, asked again.
                    if (e instanceof ApiClient.ApiException api && api.status() < 500) throw e;
                    // Unreachable, or the connection died mid-answer (a server crash): it, or another, may come back.
                    if (lostServerSince == 0) {
                        lostServerSince = System.nanoTime();
                        err.println("testbot: lost the server (" + e.getMessage() + "); reconnecting");
                    } else if (Duration.ofNanos(System.nanoTime() - lostServerSince).compareTo(config.runnerTimeout()) > 0) {
                        throw e;
                    }
                    Thread.sleep(250);
                    continue;
                }
                for (BuildEvent event : reply.events()) {
                    after = Math.max(after, event.seq());
                    if (BuildEvent.JOB_FINISHED.equals(event.kind())) {
                        results.add(event.runner(), event.result(), event.attempt(), event.jobFiles() == null ? List.of() : event.jobFiles());
                        for (BuildListener listener : listeners) listener.jobFinished(event, results, build.jobs());
                    } else if (BuildEvent.BUILD_FINISHED.equals(event.kind())) {
                        finished = event.build();
                    }
                }
                if (finished != null) break;
                if (reply.liveRunners() > 0) {
                    noRunnerSince = 0;
                } else if (noRunnerSince == 0) {
                    noRunnerSince = polledAt;
                    err.println("testbot: no runner is connected to " + server.describe() + "; waiting up to " + config.runnerTimeout().toSeconds() + " s (--runner-timeout)");
                } else if (Duration.ofNanos(System.nanoTime() - noRunnerSince).compareTo(config.runnerTimeout()) > 0) {
                    server.cancel(build.id());
                    err.println("testbot: no runner took the build within " + config.runnerTimeout().toSeconds() + " s; build " + build.id() + " cancelled");
                    if (config.localFallback()) throw new NoRunnerException();
                    return ExitCodes.INFRASTRUCTURE;
                }
            }
            Verdict verdict = results.verdict(files, BuildStatus.CANCELLED.equals(finished.status()));
            BuildListener.Finished over = new BuildListener.Finished(finished, results, verdict, (System.nanoTime() - started) / 1e9);
            for (BuildListener listener : listeners) {
                try {
                    listener.buildFinished(over);
                } catch (IOException e) {
                    err.println("testbot: cannot write the report: " + e.getMessage());
                    return ExitCodes.INFRASTRUCTURE;
                }
            }
            return verdict.passed() ? ExitCodes.PASSED : ExitCodes.FAILED;
        } finally {
            removeHook(cancelOnExit);
        }
    }

    /** Who follows the build for the user: the console's job blocks and summary, and the reports asked for. */
    private List<BuildListener> listeners() {
        List<BuildListener> listeners = new ArrayList<>(List.of(new JobOutput(out), new SummaryReport(out)));
        if (config.junitXml() != null) listeners.add(new JUnitXmlReport(config.junitXml()));
        if (config.jsonReport() != null) listeners.add(new JsonReport(config.jsonReport()));
        return listeners;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyExiting) {
            // Ctrl-C arrived: the hook cancels the build
        }
    }

    /** No runner took the build in time and the user asked to fall back to local mode. */
    static final class NoRunnerException extends RuntimeException {
        NoRunnerException() {
            super(null, null, false, false);
        }
    }
}
