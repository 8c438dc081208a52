package io.testbot.it;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A testbot process started by a test, with its output in files. */
final class Proc {
    final String name;
    final Process process;
    final Path stdout;
    final Path stderr;

    Proc(String name, Process process, Path stdout, Path stderr) {
        this.name = name;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    String out() {
        return read(stdout);
    }

    String err() {
        return read(stderr);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until stdout or stderr matches and returns the first group (or the match). */
    String await(Pattern pattern, Duration timeout) {
        String[] found = new String[1];
        try {
            awaitMatch(pattern, timeout, found);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(name + " did not print " + pattern + " within " + timeout + "\n" + describe(), e);
        }
        return found[0];
    }

    private void awaitMatch(Pattern pattern, Duration timeout, String[] found) {
        Awaitility.await(name + " prints " + pattern).atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!process.isAlive() && !pattern.matcher(out() + err()).find()) {
                throw new AssertionError(name + " exited (" + process.exitValue() + ") before printing " + pattern + "\nstdout:\n" + out() + "\nstderr:\n" + err());
            }
            Matcher m = pattern.matcher(out() + err());
            if (!m.find()) return false;
            found[0] = m.groupCount() > 0 ? m.group(1) : m.group();
            return true;
        });
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        return awaitExit(timeout, new Proc[0]);
    }

    /** @param alongside processes whose output helps to tell why this one did not exit (its servers, say) */
    int awaitExit(Duration timeout, Proc... alongside) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            StringBuilder others = new StringBuilder();
            for (Proc other : alongside) others.append('\n').append(other.describe());
            throw new AssertionError(name + " did not exit within " + timeout + "\nstdout:\n" + out() + "\nstderr:\n" + err() + others);
        }
        return process.exitValue();
    }

    /**
     * Kills the process and everything it started (rspec jobs are in their own groups but still its descendants),
     * and removes the socket directory a runner's zygote had in the temp dir, which a killed runner cannot.
     */
    void kill() {
        // A runner that updated itself runs as its child: the child's zygote left a directory of its own.
        java.util.List<Long> descendants = process.descendants().map(ProcessHandle::pid).toList();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!process.isAlive()) removeZygoteDirectories(process.pid());
        descendants.forEach(Proc::removeZygoteDirectories);
    }

    /** The directories named for this JVM's zygotes (testbot-zygote-PID-*), with the sockets in them. */
    static void removeZygoteDirectories(long pid) {
        try (java.nio.file.DirectoryStream<Path> directories = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "testbot-zygote-" + pid + "-*")) {
            for (Path directory : directories) {
                try (java.util.stream.Stream<Path> files = Files.list(directory)) {
                    for (Path file : (Iterable<Path>) files::iterator) Files.deleteIfExists(file);
                }
                Files.deleteIfExists(directory);
            }
        } catch (IOException goneOrNotOurs) {
            // the next runner started on this machine removes what is left
        }
    }

    void signal(String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start().waitFor();
    }

    String describe() {
        return name + " stdout:\n" + out() + "\n" + name + " stderr:\n" + err();
    }
}
