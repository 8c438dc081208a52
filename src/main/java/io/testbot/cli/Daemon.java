package io.testbot.cli;

import io.testbot.sync.PrivateFiles;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** `start` and `stop` for the server and runner: a background process, a pid file and a log file. */
final class Daemon {
    private Daemon() {}

    /** Starts this same command in the background, without the start word, logging to logFile. */
    static int start(String name, List<String> args, Path pidFile, Path logFile) throws IOException {
        Optional<ProcessHandle> existing = running(pidFile);
        if (existing.isPresent()) {
            System.err.println("testbot: the " + name + " is already running (pid " + existing.get().pid() + ", " + pidFile + ")");
            return 1;
        }
        PrivateFiles.directory(pidFile.toAbsolutePath().getParent());
        PrivateFiles.directory(logFile.toAbsolutePath().getParent());
        PrivateFiles.file(logFile);
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", ownJar()));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        Files.writeString(PrivateFiles.file(pidFile), process.pid() + "\n");
        try {
            if (process.waitFor(2, TimeUnit.SECONDS)) {
                Files.deleteIfExists(pidFile);
                System.err.println("testbot: the " + name + " exited at once (status " + process.exitValue() + "); see " + logFile);
                return 1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println("testbot " + name + " started (pid " + process.pid() + "); log: " + logFile + "; stop it with: testbot " + name + " stop");
        return 0;
    }

    static int stop(String name, Path pidFile) throws IOException {
        Optional<ProcessHandle> process = running(pidFile);
        if (process.isEmpty()) {
            Files.deleteIfExists(pidFile);
            System.err.println("testbot: no " + name + " is running (no live pid in " + pidFile + ")");
            return 1;
        }
        process.get().destroy();
        try {
            process.get().onExit().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.get().destroyForcibly();
        }
        Files.deleteIfExists(pidFile);
        System.out.println("testbot " + name + " stopped (pid " + process.get().pid() + ")");
        return 0;
    }

    private static Optional<ProcessHandle> running(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().command().map(c -> c.contains("java")).orElse(true));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String ownJar() throws IOException {
        try {
            Path jar = Path.of(Daemon.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!jar.toString().endsWith(".jar")) throw new IOException("start needs the packaged testbot.jar (run bin/testbot)");
            return jar.toString();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
    }
}
