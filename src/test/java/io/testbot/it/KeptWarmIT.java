package io.testbot.it;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Local mode kept warm serving runs itself: bin/testbot, run as a user runs it, sends a run to the project's
 * kept-warm process through its Ruby client (bin/testbot-attach) instead of starting testbot's JVM, or starts the
 * JVM when that process hands the run back. FrameworksIT has the kept-warm process's own behaviour.
 */
class KeptWarmIT extends Cluster {
    private static final Path LAUNCHER = Path.of("bin/testbot").toAbsolutePath();

    @Test
    void theLaunchersRunsAreServedByTheKeptWarmProcessWithTheirOwnOutputAndStatusAndHandedBackWhenTheEnvironmentDiffers() throws Exception {
        Path project = minitest("app");
        SampleProjects.write(project, "test/talk_test.rb", """
                require "minitest/autorun"
                require_relative "../lib/calc"
                class TalkTest < Minitest::Test
                  def test_talks; puts "to stdout"; $stderr.puts "to stderr"; assert_equal 42, Calc.answer; end
                end
                """);
        Map<String, String> env = home("home-a");
        Path log = keptWarmDir(env, project).resolve("log");
        try {
            startKeptWarm(project, env);

            Result served = launch(project, env, "test", "--keep-warm", "-n", "2");
            assertThat(served.exit()).as(served.all()).isZero();
            // As from testbot's JVM: the jobs' output (both their streams) on standard output, testbot's own lines on standard error.
            assertThat(served.out()).contains("3 tests, 3 assertions, 0 failures").contains("to stdout").contains("to stderr").doesNotContain("testbot: ");
            assertThat(served.err()).contains("local mode on 2 instance(s), kept warm (pid ").doesNotContain("to stdout").doesNotContain("to stderr");
            assertThat(Files.readString(log)).contains("served `testbot test --keep-warm -n 2` for its client: exit status 0");

            SampleProjects.write(project, "lib/calc.rb", "module Calc; def self.answer; 43; end; end\n");
            Result failing = launch(project, env, "test", "--keep-warm", "-n", "2");
            assertThat(failing.exit()).as(failing.all()).isEqualTo(1);
            assertThat(failing.out()).contains("3 tests, 3 assertions, 3 failures");
            assertThat(Files.readString(log)).contains("for its client: exit status 1");

            // Another environment: the builds there would not see it. Handed back, the JVM runs it as always, ending
            // that process and starting another.
            Map<String, String> other = new java.util.HashMap<>(env);
            other.put("ANSWER_NOTE", "changed");
            Result handedBack = launch(project, other, "test", "--keep-warm", "-n", "2");
            assertThat(handedBack.exit()).as(handedBack.all()).isEqualTo(1);
            assertThat(handedBack.out()).contains("3 tests, 3 assertions, 3 failures");
            assertThat(handedBack.err()).contains("the environment differs (ANSWER_NOTE)");
            assertThat(Files.readString(log)).contains("handed a run back to its client: its environment differs (ANSWER_NOTE)");
        } finally {
            requestWith("local", project, env, "stop", "--all");
        }
    }

    @Test
    void ctrlCInTheLauncherCancelsTheBuildThereAndStopsItsTestsAndTheNextRunIsServed() throws Exception {
        Path project = minitest("slow");
        Path pids = Files.createDirectories(dir.resolve("pids"));
        SampleProjects.write(project, "test/slow_test.rb", """
                require "minitest/autorun"
                class SlowTest < Minitest::Test
                  def test_waits; File.write(%s + "/blocked-#{Process.pid}", ""); sleep 300; end
                end
                """.formatted("\"" + pids + "\""));
        Map<String, String> env = home("home-b");
        try {
            startKeptWarm(project, env);
            Process launcher = start(project, env, "test", "--keep-warm", "-n", "2");
            long blocked = awaitBlocked(pids);
            ProcessHandle client = launcher.descendants().filter(p -> p.info().commandLine().orElse("").contains("testbot-attach")).findFirst()
                    .orElseThrow(() -> new AssertionError("no testbot-attach under bin/testbot: the run went to a JVM"));
            new ProcessBuilder("kill", "-INT", String.valueOf(client.pid())).start().waitFor();

            assertThat(launcher.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            String err = new String(launcher.getErrorStream().readAllBytes());
            assertThat(launcher.exitValue()).as(err).isEqualTo(130);
            assertThat(err).containsPattern("testbot: build [0-9]+ cancelled");
            awaitGone(blocked);

            Files.delete(project.resolve("test/slow_test.rb"));
            Result next = launch(project, env, "test", "--keep-warm", "-n", "2");
            assertThat(next.exit()).as(next.all()).isZero();
            assertThat(Files.readString(keptWarmDir(env, project).resolve("log"))).contains("which cancelled it")
                    .contains("served `testbot test --keep-warm -n 2` for its client: exit status 0");
        } finally {
            requestWith("local", project, env, "stop", "--all");
        }
    }

    @Test
    void aRunAtATerminalKeepsLocalModeWarmByDefaultAndOneWhereCiIsSetDoesNot() throws Exception {
        Path project = minitest("terminal");
        Map<String, String> env = home("home-c");
        Path socket = keptWarmDir(env, project).resolve("run.sock");
        try {
            Result atTerminal = atTerminal(project, env, "test", "-n", "2");
            assertThat(atTerminal.exit()).as(atTerminal.all()).isZero();
            assertThat(atTerminal.out()).contains("2 tests, 2 assertions, 0 failures").contains("keeping local mode warm for the next run")
                    .contains("--no-keep-warm or keep_warm: false runs without it");
            Awaitility.await("the kept-warm process listens on " + socket).atMost(START).until(() -> Files.exists(socket));

            Result next = atTerminal(project, env, "test", "-n", "2");
            assertThat(next.exit()).as(next.all()).isZero();
            assertThat(next.out()).contains("local mode on 2 instance(s), kept warm (pid ").contains("2 tests, 2 assertions, 0 failures");
        } finally {
            requestWith("local", project, env, "stop", "--all");
        }

        Path inCi = minitest("ci");
        Map<String, String> ciEnv = new java.util.HashMap<>(home("home-d"));
        ciEnv.put("CI", "true");
        Result ci = atTerminal(inCi, ciEnv, "test", "-n", "2");
        assertThat(ci.exit()).as(ci.all()).isZero();
        assertThat(ci.out()).contains("2 tests, 2 assertions, 0 failures").doesNotContain("keeping local mode warm");
        assertThat(keptWarmDir(ciEnv, inCi).resolve("run.sock")).doesNotExist();
    }

    /** testbot's JVM with these arguments on a terminal of its own (script(1)'s pty), without CI unless env sets it; its output is the terminal's. */
    private Result atTerminal(Path project, Map<String, String> env, String... args) throws Exception {
        StringBuilder line = new StringBuilder("'" + javaBinary() + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar '" + JAR + "'");
        for (String arg : args) line.append(" '").append(arg).append("'");
        ProcessBuilder builder = new ProcessBuilder("script", "-qec", line.toString(), "/dev/null").directory(project.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().keySet().removeIf(k -> k.startsWith("TESTBOT_") || k.equals("CI"));
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(BUILD.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out, "");
    }

    /** Two minitest files whose tests read lib/calc.rb. */
    private Path minitest(String name) throws Exception {
        Path project = Files.createDirectories(dir.resolve(name));
        SampleProjects.write(project, "lib/calc.rb", "module Calc; def self.answer; 42; end; end\n");
        for (int i = 1; i <= 2; i++) {
            SampleProjects.write(project, "test/t" + i + "_test.rb", """
                    require "minitest/autorun"
                    require_relative "../lib/calc"
                    class T%dTest < Minitest::Test
                      def test_answer; assert_equal 42, Calc.answer; end
                    end
                    """.formatted(i));
        }
        return project;
    }

    private Map<String, String> home(String name) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        return Map.of("HOME", home.toString(), "XDG_CACHE_HOME", home.resolve(".cache").toString());
    }

    private static Path keptWarmDir(Map<String, String> env, Path project) {
        return io.testbot.requester.KeptWarm.dir(Path.of(env.get("XDG_CACHE_HOME"), "testbot"), project.toAbsolutePath().normalize());
    }

    /** A run through testbot's JVM, which leaves the project's local mode kept warm; returns once it serves runs. */
    private void startKeptWarm(Path project, Map<String, String> env) throws Exception {
        Result first = requestWith("test", project, env, "--keep-warm", "-n", "2", "test/t1_test.rb");
        assertThat(first.exit()).as(first.all()).isZero();
        Path socket = keptWarmDir(env, project).resolve("run.sock");
        Awaitility.await("the kept-warm process listens on " + socket).atMost(START).until(() -> Files.exists(socket));
    }

    /** bin/testbot with these arguments, in the project, with the environment the requesters of this test have. */
    private Process start(Path project, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().keySet().removeIf(k -> k.startsWith("TESTBOT_"));
        builder.environment().putAll(env);
        Path logs = Files.createDirectories(dir.resolve("logs"));
        String name = "launcher-" + procs.size();
        builder.redirectOutput(logs.resolve(name + ".out").toFile());
        Process process = builder.start();
        procs.add(new Proc(name, process, logs.resolve(name + ".out"), logs.resolve(name + ".err")));
        return process;
    }

    private Result launch(Path project, Map<String, String> env, String... args) throws Exception {
        Process process = start(project, env, args);
        String err = new String(process.getErrorStream().readAllBytes());
        assertThat(process.waitFor(BUILD.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Proc proc = procs.get(procs.size() - 1);
        return new Result(process.exitValue(), proc.out(), err);
    }
}
