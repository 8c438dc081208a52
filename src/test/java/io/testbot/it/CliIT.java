package io.testbot.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.awaitility.Awaitility;

import static org.assertj.core.api.Assertions.assertThat;

class CliIT extends Cluster {

    @Test
    void everyCommandHasHelpAndTheVersionIsTheMavenVersion() throws Exception {
        for (String command : new String[]{"", "rspec", "test", "cucumber", "junit", "run", "server", "runner", "cancel"}) {
            Proc help = command.isEmpty() ? start("help-main", dir, Map.of(), "--help") : start("help-" + command, dir, Map.of(), command, "--help");
            assertThat(help.awaitExit(START)).isZero();
            assertThat(help.out()).contains("Usage: testbot");
            if (command.isEmpty()) assertThat(help.out()).contains("rspec", "cucumber", "junit", "server", "runner", "cancel");
        }
        // Only the named subcommand is built (start-up time): help on another, and a typo, still see them all.
        Proc helpOn = start("help-on", dir, Map.of(), "help", "cancel");
        assertThat(helpOn.awaitExit(START)).isZero();
        assertThat(helpOn.out()).contains("Usage: testbot cancel");
        Proc typo = start("typo", dir, Map.of(), "rpsec");
        assertThat(typo.awaitExit(START)).isEqualTo(2);
        assertThat(typo.err()).contains("Unmatched argument", "Did you mean: testbot rspec");
        Proc retry = start("retry", dir, Map.of(), "test", "--local", "--retry-failed", "2");
        assertThat(retry.awaitExit(START)).isEqualTo(2);
        assertThat(retry.err()).contains("--retry-failed needs a framework that runs one test by its id");
        Proc noClasses = start("no-classes", dir, Map.of(), "junit", "--local");
        assertThat(noClasses.awaitExit(START)).isEqualTo(2);
        assertThat(noClasses.err()).contains("run mvn test-compile first");
        Proc advertise = start("advertise", dir, Map.of(), "server", "--data-dir", dir.resolve("adv").toString(), "--port", "0", "--advertise", "b.internal:7331");
        assertThat(advertise.awaitExit(START)).isEqualTo(2);
        assertThat(advertise.err()).contains("--advertise takes a base URL, http(s)://HOST:PORT, not b.internal:7331");
        Proc version = start("version", dir, Map.of(), "--version");
        assertThat(version.awaitExit(START)).isZero();
        assertThat(version.out().strip()).isEqualTo("testbot " + System.getProperty("testbot.version"));
        Proc shortVersion = start("short-version", dir, Map.of(), "-V"); // built without the subcommands
        assertThat(shortVersion.awaitExit(START)).isZero();
        assertThat(shortVersion.out().strip()).isEqualTo("testbot " + System.getProperty("testbot.version"));
    }

    @Test
    void serverAndRunnerStartInTheBackgroundAndStop() throws Exception {
        Path data = dir.resolve("bg-server");
        Proc start = start("server-start", dir, Map.of(), "server", "start", "--port", "0", "--bind", "127.0.0.1", "--data-dir", data.toString());
        assertThat(start.awaitExit(START)).as(start.describe()).isZero();
        assertThat(start.out()).contains("testbot server started (pid");
        long pid = Long.parseLong(Files.readString(data.resolve("server.pid")).strip());
        try {
            assertThat(ProcessHandle.of(pid)).isPresent();
            Awaitility.await("background server listens").atMost(START)
                    .until(() -> Files.exists(data.resolve("server.log")) && Files.readString(data.resolve("server.log")).contains("listening on"));

            // The generated token is in a file only its owner reads, and never in the log; the data is private too.
            String token = Files.readString(data.resolve("token")).strip();
            assertThat(Files.readString(data.resolve("server.log"))).contains("export TESTBOT_TOKEN=$(cat").doesNotContain(token);
            assertThat(start.out() + start.err()).doesNotContain(token);
            assertThat(mode(data)).isEqualTo("rwx------");
            for (String file : new String[]{"token", "server.log", "server.pid", "testbot.sqlite"}) assertThat(mode(data.resolve(file))).as(file).isEqualTo("rw-------");
            String port = Files.readString(data.resolve("server.log")).replaceAll("(?s).*listening on http://127.0.0.1:(\\d+).*", "$1");
            Path work = dir.resolve("bg-runner");
            Proc runner = start("runner-start", dir, Map.of(), "runner", "start", "--connect", "127.0.0.1:" + port,
                    "--token-file", data.resolve("token").toString(), "-n", "1", "--work-dir", work.toString());
            assertThat(runner.awaitExit(START)).as(runner.describe()).isZero();
            long runnerPid = Long.parseLong(Files.readString(work.resolve("runner.pid")).strip());
            try {
                Awaitility.await("background runner registers").atMost(START).until(() -> Files.readString(work.resolve("runner.log")).contains("registered with"));
                assertThat(mode(work)).isEqualTo("rwx------");
                assertThat(mode(work.resolve("runner.log"))).isEqualTo("rw-------");
                assertThat(Files.readString(work.resolve("runner.log"))).doesNotContain(token);
                assertThat(start("runner-stop", dir, Map.of(), "runner", "stop", "--work-dir", work.toString()).awaitExit(START)).isZero();
            } finally {
                ProcessHandle.of(runnerPid).ifPresent(ProcessHandle::destroyForcibly);
            }

            Proc again = start("server-start-again", dir, Map.of(), "server", "start", "--data-dir", data.toString());
            assertThat(again.awaitExit(START)).isEqualTo(1);
            assertThat(again.err()).contains("already running");

            Proc stop = start("server-stop", dir, Map.of(), "server", "stop", "--data-dir", data.toString());
            assertThat(stop.awaitExit(START)).isZero();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(data.resolve("server.pid")).doesNotExist();
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void binTestbotKeepsAClassArchiveOnlyFromARunWhoseTestsRan() throws Exception {
        // A checkout of its own: bin/testbot and the jar, no archive yet.
        Path checkout = dir.resolve("checkout");
        Files.createDirectories(checkout.resolve("target"));
        Files.createDirectories(checkout.resolve("bin"));
        Files.copy(Path.of("bin/testbot"), checkout.resolve("bin/testbot"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(JAR, checkout.resolve("target/testbot.jar"));
        Path archive = checkout.resolve("target/testbot.jsa");
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("project")), 1);

        assertThat(binTestbot(checkout, project, "rspec", "--help")).isZero();
        assertThat(archive).as("help loads too little to keep").doesNotExist();
        assertThat(binTestbot(checkout, project, "rspec", "--connect", "127.0.0.1:1")).isEqualTo(3);
        assertThat(archive).as("a run that found no server loads too little to keep").doesNotExist();
        assertThat(binTestbot(checkout, project, "rspec", "--local", "-n", "1")).isZero();
        assertThat(archive).isNotEmptyFile();
        // Requesters start without the Flight Recorder; the flag's deprecation notice must not reach the user.
        assertThat(binTestbot(checkout, project, "rspec", "--local", "-n", "1")).isZero();
        assertThat(Files.readString(dir.resolve("logs/bin-testbot.out"))).contains("0 failures").doesNotContain("warning");
        // That takes a JVM that ignores options it does not know; the user's own must not be ignored so.
        assertThat(binTestbot(checkout, project, Map.of("TESTBOT_JAVA_OPTS", "-XX:+NoSuchTestbotOption"), "rspec", "--local", "-n", "1")).isNotZero();
        assertThat(Files.readString(dir.resolve("logs/bin-testbot.out"))).contains("Unrecognized VM option 'NoSuchTestbotOption'");
    }

    int binTestbot(Path checkout, Path project, String... args) throws Exception {
        return binTestbot(checkout, project, Map.of(), args);
    }

    /** Runs bin/testbot of a checkout in a project, as a user would, with these variables too; returns its exit status. */
    int binTestbot(Path checkout, Path project, Map<String, String> env, String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(checkout.resolve("bin/testbot").toString()));
        command.addAll(java.util.List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(Files.createDirectories(dir.resolve("logs")).resolve("bin-testbot.out").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("TESTBOT_"));
        builder.environment().put("HOME", Files.createDirectories(dir.resolve("home-bin")).toString());
        builder.environment().put("XDG_CACHE_HOME", dir.resolve("home-bin/.cache").toString());
        builder.environment().putAll(env);
        Process process = builder.start();
        try {
            assertThat(process.waitFor(START.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).as(String.join(" ", args)).isTrue();
            return process.exitValue();
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    static String mode(Path path) throws java.io.IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
