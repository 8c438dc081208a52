package io.testbot.runner;

import io.testbot.protocol.ServerApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SuiteFilesTest {
    @TempDir
    Path work;

    /** A server that answers only buildFiles: build N's files are "test/N_test.rb" and "test/common_test.rb". */
    private final List<Long> asked = new ArrayList<>();
    private final ServerApi server = (ServerApi) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{ServerApi.class}, (proxy, method, args) -> {
        if (!method.getName().equals("buildFiles")) throw new UnsupportedOperationException(method.getName());
        long build = (Long) args[0];
        asked.add(build);
        return List.of("test/" + build + "_test.rb", "test/common_test.rb");
    });

    @Test
    void aBuildsListIsAskedForOnceAndWrittenALineAFile() throws Exception {
        SuiteFiles suites = new SuiteFiles(server, work);
        Path first = suites.of(1, "runner-a");
        assertThat(suites.of(1, "runner-a")).isEqualTo(first);
        assertThat(Files.readAllLines(first)).containsExactly("test/1_test.rb", "test/common_test.rb");
        assertThat(asked).containsExactly(1L);

        // Registered again (the server forgot the runner: a new store may count from 1 again): asked again.
        Path again = suites.of(1, "runner-b");
        assertThat(asked).containsExactly(1L, 1L);
        assertThat(again).exists();
    }

    @Test
    void onlyTheLastBuildsListsAreKeptAndARestartRemovesWhatWasLeft() throws Exception {
        SuiteFiles suites = new SuiteFiles(server, work);
        Path oldest = suites.of(1, "r");
        for (long build = 2; build <= 9; build++) suites.of(build, "r");
        assertThat(oldest).doesNotExist();
        try (var left = Files.list(work.resolve("suites"))) {
            assertThat(left.count()).isEqualTo(8);
        }

        new SuiteFiles(server, work);
        try (var left = Files.list(work.resolve("suites"))) {
            assertThat(left.count()).isZero();
        }
    }
}
