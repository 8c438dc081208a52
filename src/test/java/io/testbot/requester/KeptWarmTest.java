package io.testbot.requester;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KeptWarmTest {

    @Test
    void theEnvironmentItComparesLeavesOutWhatAShellChangesBetweenCommandsAndTestbotsOwnVariables() {
        Map<String, String> variables = KeptWarm.variables(Map.of("PATH", "/usr/bin", "PWD", "/a", "OLDPWD", "/b", "SHLVL", "2", "_", "/usr/bin/testbot",
                "TESTBOT_TOKEN", "secret", "RAILS_ENV", "test"));
        assertThat(variables).containsOnlyKeys("PATH", "RAILS_ENV");
        // Digests, not values: the state file names what differs without holding a secret.
        assertThat(variables.get("RAILS_ENV")).hasSize(64).isNotEqualTo("test");
        assertThat(KeptWarm.variables(Map.of("PATH", "/usr/bin", "PWD", "/elsewhere"))).isEqualTo(KeptWarm.variables(Map.of("PATH", "/usr/bin")));
    }

    @Test
    void anyChangeOfTheEnvironmentTheJarTheIgnoresOrTheInstancesIsAnotherIdentity(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("app"));
        Path jar = Files.writeString(dir.resolve("testbot.jar"), "jar");
        Map<String, String> env = KeptWarm.variables(Map.of("PATH", "/usr/bin", "HOME", "/root"));
        String identity = KeptWarm.identity(root, 2, true, List.of(), env, jar);

        assertThat(KeptWarm.identity(root, 2, true, List.of(), KeptWarm.variables(Map.of("PATH", "/usr/bin", "HOME", "/root", "PWD", "/x")), jar))
                .isEqualTo(identity);
        assertThat(KeptWarm.identity(root, 2, true, List.of(), KeptWarm.variables(Map.of("PATH", "/usr/local/bin", "HOME", "/root")), jar))
                .isNotEqualTo(identity);
        assertThat(KeptWarm.identity(root, 2, true, List.of(), KeptWarm.variables(Map.of("PATH", "/usr/bin", "HOME", "/root", "DEBUG", "1")), jar))
                .isNotEqualTo(identity);
        assertThat(KeptWarm.identity(root, 3, true, List.of(), env, jar)).isNotEqualTo(identity);
        assertThat(KeptWarm.identity(root, 2, false, List.of(), env, jar)).isNotEqualTo(identity);
        assertThat(KeptWarm.identity(root, 2, true, List.of("coverage"), env, jar)).isNotEqualTo(identity);
        assertThat(KeptWarm.identity(dir, 2, true, List.of(), env, jar)).isNotEqualTo(identity);
        Files.writeString(jar, "another build of testbot");
        assertThat(KeptWarm.identity(root, 2, true, List.of(), env, jar)).isNotEqualTo(identity);
    }

    @Test
    void eachProjectHasItsOwnDirectoryInTheCache(@TempDir Path cache) {
        Path a = KeptWarm.dir(cache, Path.of("/work/a"));
        assertThat(a.getParent()).isEqualTo(cache.resolve("local/kept"));
        assertThat(a).isEqualTo(KeptWarm.dir(cache, Path.of("/work/a")));
        assertThat(KeptWarm.dir(cache, Path.of("/work/b"))).isNotEqualTo(a);
    }

    @Test
    void noProcessMeansNothingRunsAndNothingToEnd(@TempDir Path cache) throws Exception {
        Path dir = Files.createDirectories(KeptWarm.dir(cache, Path.of("/work/a")));
        assertThat(KeptWarm.running(dir)).isEmpty();
        assertThat(KeptWarm.end(dir)).isEmpty();
        // A state left by a process that is gone (killed with SIGKILL, say) is not a running one.
        long gone = new ProcessBuilder("true").start().onExit().get().pid();
        KeptWarm.write(dir, new KeptWarm.State(gone, 1234, "t", "id", "v", "/work/a", 2, Map.of(), 0));
        assertThat(KeptWarm.running(dir)).isEmpty();
        assertThat(KeptWarm.all(cache)).containsExactly(dir);
    }

    @Test
    void aPidThatAnotherProcessHasSinceIsNeitherRunningNorEnded(@TempDir Path cache) throws Exception {
        Path dir = Files.createDirectories(KeptWarm.dir(cache, Path.of("/work/a")));
        // This test's own JVM stands for a process that took the pid of one killed with SIGKILL: ending it would end the test.
        KeptWarm.write(dir, new KeptWarm.State(ProcessHandle.current().pid(), 1234, "t", "id", "v", "/work/a", 2, Map.of(), 0));
        assertThat(KeptWarm.running(dir)).isEmpty();
        assertThat(KeptWarm.end(dir)).isEmpty();
        Files.writeString(dir.resolve("starting.pid"), ProcessHandle.current().pid() + " id\n");
        assertThat(KeptWarm.startingPid(dir)).isEmpty();
        assertThat(KeptWarm.end(dir)).isEmpty();
        assertThat(ProcessHandle.current().isAlive()).isTrue();
    }
}
