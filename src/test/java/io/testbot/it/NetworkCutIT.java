package io.testbot.it;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A runner on another host: its own network namespace, joined to this one by a veth pair whose link the test
 * takes down. Its job must run elsewhere and its late result must be refused.
 */
class NetworkCutIT extends Cluster {
    final String suffix = Long.toString(ProcessHandle.current().pid() % 10_000) + Integer.toString((int) (Math.random() * 90) + 10);
    final String namespace = "tb" + suffix;
    final String hostSide = "tbh" + suffix;
    final String islandSide = "tbi" + suffix;
    final int subnet = (int) (ProcessHandle.current().pid() % 250) + 1;
    final String hostAddress = "10.213." + subnet + ".1";
    final String islandAddress = "10.213." + subnet + ".2";
    boolean created;

    static void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    }

    @BeforeEach
    void createTheIsland() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        boolean root = new String(id.getInputStream().readAllBytes()).strip().equals("0");
        // CI runs as root and must run this test; a developer's non-root machine cannot make namespaces.
        if (System.getenv("CI") == null) assumeTrue(root, "network namespaces need root");
        ip("netns", "add", namespace);
        created = true;
        ip("link", "add", hostSide, "type", "veth", "peer", "name", islandSide);
        ip("link", "set", islandSide, "netns", namespace);
        ip("addr", "add", hostAddress + "/30", "dev", hostSide);
        ip("link", "set", hostSide, "up");
        ip("netns", "exec", namespace, "ip", "addr", "add", islandAddress + "/30", "dev", islandSide);
        ip("netns", "exec", namespace, "ip", "link", "set", islandSide, "up");
        ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up");
    }

    @AfterEach
    void removeTheIsland() throws Exception {
        stopEverything();
        if (created) ip("netns", "del", namespace); // takes the veth pair with it
    }

    @Test
    void aRunnerCutOffTheNetworkLosesItsJobAndItsLateResultIsRefused() throws Exception {
        Path pids = Files.createDirectories(dir.resolve("pids"));
        Path release = dir.resolve("release");
        Path project = SampleProjects.blocked(SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 1), pids, release);
        startServerBound(0, hostAddress);

        Proc island = startAs(List.of("ip", "netns", "exec", namespace), JAR, "island", dir, Map.of("TESTBOT_TOKEN", token),
                "runner", "--connect", address(), "--instances", "1", "--work-dir", dir.resolve("island").toString(),
                "--hostname", "island");
        island.await(Pattern.compile("registered with"), START);
        Proc requester = start("requester", project, Map.of("TESTBOT_TOKEN", token), "rspec", "--connect", address(),
                "--files-per-job", "1");
        Awaitility.await("the island runs the blocked spec").atMost(START).until(() -> blockedPids(pids).size() == 1);

        ip("link", "set", hostSide, "down");
        List<String> mainland = new ArrayList<>(List.of("runner", "--connect", address(), "--instances", "1",
                "--work-dir", dir.resolve("mainland").toString(), "--hostname", "mainland"));
        start("mainland", dir, Map.of("TESTBOT_TOKEN", token), mainland.toArray(String[]::new)).await(Pattern.compile("registered with"), START);
        // The island's lease runs out and its job starts again on the mainland; only then may both finish.
        Awaitility.await("the job runs again elsewhere").atMost(BUILD).until(() -> blockedPids(pids).size() == 2);
        Files.writeString(release, "go");

        assertThat(requester.awaitExit(BUILD)).as(requester.describe()).isZero();
        assertThat(count(requester.out(), "── job ")).isEqualTo(2);
        assertThat(requester.out()).contains("2 examples, 0 failures").contains(" · mainland #").doesNotContain(" · island #");

        ip("link", "set", hostSide, "up");
        island.await(Pattern.compile("result not accepted: job \\d+ is not running on runner"), BUILD);
        assertThat(http("GET", "/builds/1", null).body()).contains("\"status\":\"passed\"");
    }
}
