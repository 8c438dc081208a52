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
        Proc version = start("version", dir, Map.of(), "--version");
        assertThat(version.awaitExit(START)).isZero();
        assertThat(version.out().strip()).isEqualTo("testbot " + System.getProperty("testbot.version"));
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
}
