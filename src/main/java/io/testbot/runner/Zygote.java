package io.testbot.runner;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A framework worker that boots once and forks spares (see {@link io.testbot.adapters.Adapter#spareStubCommand}):
 * a spare then costs a fork, milliseconds, instead of a boot of the framework, a quarter of a second of CPU for
 * rspec here, so a runner has all its spares again moments after a build ends. It listens on a Unix socket in a
 * directory only this user can enter, since whoever connects gets a process that runs what it is sent.
 */
final class Zygote {
    private static final Logger log = LoggerFactory.getLogger(Zygote.class);
    /** Tells the worker to be a zygote listening on this socket. */
    static final String ZYGOTE_VARIABLE = "TESTBOT_WORKER_ZYGOTE";
    /** Tells a stub which zygote to ask for its spare. */
    static final String SOCKET_VARIABLE = "TESTBOT_ZYGOTE";
    static final String READY_LINE = "testbot-zygote-ready";

    private final String adapter;
    private final List<String> stubCommand;
    private final Process process;
    private final Path directory;
    private final Path socket;
    private final CompletableFuture<Boolean> ready = new CompletableFuture<>();

    private Zygote(String adapter, List<String> stubCommand, Process process, Path directory, Path socket) {
        this.adapter = adapter;
        this.stubCommand = stubCommand;
        this.process = process;
        this.directory = directory;
        this.socket = socket;
    }

    /**
     * Starts the framework's worker (the builder has its command, directory and environment, and merges stderr into
     * stdout) as a zygote; it is ready when {@link #awaitReady} says so. A thread of its own
     * starts it and waits for it to end: the zygote dies with the thread that started it (and its forks with it),
     * so that thread must not end before the zygote, as a pool's thread might.
     */
    static Zygote start(String adapter, ProcessBuilder builder, List<String> stubCommand) throws IOException {
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        Path directory = Files.createTempDirectory(temp, DIRECTORY_PREFIX + ProcessHandle.current().pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        removeLeftovers(temp, Files.getOwner(directory));
        Path socket = directory.resolve(adapter + ".sock");
        builder.environment().put(ZYGOTE_VARIABLE, socket.toString());
        CompletableFuture<Process> started = new CompletableFuture<>();
        Thread keeper = new Thread(() -> {
            try {
                Process running = builder.start();
                started.complete(running);
                running.waitFor();
            } catch (IOException | RuntimeException e) {
                started.completeExceptionally(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "zygote-keeper-" + adapter);
        keeper.setDaemon(true);
        keeper.start();
        Process process;
        try {
            process = started.join();
        } catch (java.util.concurrent.CompletionException e) {
            Files.deleteIfExists(directory);
            if (e.getCause() instanceof IOException io) throw io;
            throw e;
        }
        Zygote zygote = new Zygote(adapter, stubCommand, process, directory, socket);
        Thread reader = new Thread(zygote::readOutput, "zygote-" + adapter);
        reader.setDaemon(true);
        reader.start();
        return zygote;
    }

    /** Its socket's directory: this prefix, the pid of the JVM that started it, a dash and a random suffix. */
    static final String DIRECTORY_PREFIX = "testbot-zygote-";

    /**
     * Removes the socket directories that zygotes of JVMs no longer running left behind (a runner killed with
     * SIGKILL cannot remove its own): directories of this owner, never a link (anyone may make one in /tmp, named
     * so, to point it at files of ours), and in them only sockets; those of live JVMs stay.
     */
    static void removeLeftovers(Path temp, java.nio.file.attribute.UserPrincipal owner) {
        java.nio.file.LinkOption noFollow = java.nio.file.LinkOption.NOFOLLOW_LINKS;
        try (java.nio.file.DirectoryStream<Path> directories = Files.newDirectoryStream(temp, DIRECTORY_PREFIX + "*")) {
            for (Path directory : directories) {
                // /tmp's sticky bit keeps others from swapping a directory of ours for a link once checked.
                if (!Files.isDirectory(directory, noFollow) || !owner.equals(Files.getOwner(directory, noFollow))) continue;
                String rest = directory.getFileName().toString().substring(DIRECTORY_PREFIX.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                } catch (NumberFormatException notOurs) {
                    continue;
                }
                if (ProcessHandle.of(pid).isPresent()) continue;
                try (java.util.stream.Stream<Path> files = Files.list(directory)) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        if (Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class, noFollow).isOther()) Files.delete(file);
                    }
                    Files.deleteIfExists(directory); // fails, and keeps it, if anything else is in it
                } catch (IOException othersOrGone) {
                    // not ours to remove, or removed meanwhile
                }
            }
        } catch (IOException unreadable) {
            log.debug("cannot look for leftover zygote directories in {}: {}", temp, unreadable.getMessage());
        }
    }

    /** Waits for the ready line, then passes on whatever else the zygote says (it should say nothing). */
    private void readOutput() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder before = new StringBuilder();
            for (String line; (line = lines.readLine()) != null; ) {
                if (!ready.isDone() && line.equals(READY_LINE)) {
                    ready.complete(true);
                } else if (ready.isDone()) {
                    log.warn("{} zygote: {}", adapter, line);
                } else {
                    before.append(line).append('\n');
                }
            }
            if (!ready.isDone()) log.info("cannot fork {} spares; each boots on its own: {}", adapter, before.toString().strip());
        } catch (IOException ended) {
            // as at end of output
        } finally {
            ready.complete(false);
        }
    }

    /** Whether it booted and listens; false if it ended first or is still booting after the timeout. */
    boolean awaitReady(long timeout, TimeUnit unit) {
        try {
            return ready.get(timeout, unit) && process.isAlive();
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String adapter() {
        return adapter;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Its exit status once it has ended (for the log). */
    int exitStatus() {
        return process.exitValue();
    }

    /** The command of a stub that asks this zygote for a spare, with the variable that points it here. */
    List<String> stubCommand() {
        return stubCommand;
    }

    void serve(ProcessBuilder stub) {
        stub.environment().put(SOCKET_VARIABLE, socket.toString());
    }

    /**
     * Ends it: at end of its input it stops forking and exits once its forks have ended (they die with it). The
     * future completes when it is gone; with a grace period it is killed if it is still there after it, and
     * without one it is left to end with its last fork, however long the jobs in its forks take.
     */
    CompletableFuture<Process> close(java.time.Duration grace) {
        CompletableFuture<Process> gone = grace != null ? ProcessGroups.endOfInput(process, grace.toSeconds()) : ProcessGroups.endOfInput(process);
        return gone.whenComplete((ended, error) -> {
            try {
                Files.deleteIfExists(socket);
                Files.deleteIfExists(directory);
            } catch (IOException e) {
                log.debug("cannot remove {}: {}", directory, e.getMessage());
            }
        });
    }
}
