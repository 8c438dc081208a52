package io.testbot.runner;

import io.testbot.adapters.Adapters;
import io.testbot.protocol.FileEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** When a worker booted ahead of a build may run that build's job, and when it must be booted anew. */
class BootRecipeTest {
    @TempDir
    Path dir;

    private static final List<String> COMMAND = List.of("ruby", "testbot_test_worker.rb");

    private static Map<String, FileEntry> snapshot(String... pathAndContent) {
        Map<String, FileEntry> files = new HashMap<>();
        for (int i = 0; i < pathAndContent.length; i += 2) {
            files.put(pathAndContent[i], new FileEntry(pathAndContent[i], "sha-" + pathAndContent[i + 1], pathAndContent[i + 1].length(), false));
        }
        return files;
    }

    private static final String[] PROJECT = {
            "test/test_helper.rb", "helper", "lib/calc.rb", "calc", "config/app.yml", "yml",
            "test/calc_test.rb", "calc test", "test/models/test_user.rb", "user test"};

    /** The runner's copy at each root (the same object from build to build, until housekeeping deletes it). */
    private final Map<Path, Object> copies = new HashMap<>();

    private BootRecipe recipe(Path root, Map<String, String> variables, Map<String, FileEntry> files) {
        return recipe(root, List.of(), variables, files);
    }

    private BootRecipe recipe(Path root, List<String> options, Map<String, String> variables, Map<String, FileEntry> files) {
        return recipe(root, options, variables, files, List.of());
    }

    private BootRecipe recipe(Path root, List<String> options, Map<String, String> variables, Map<String, FileEntry> files, List<String> patterns) {
        return BootRecipe.of(Adapters.find("test").orElseThrow(), COMMAND, options, root, copies.computeIfAbsent(root, r -> new Object()), variables, files,
                patterns, "{}");
    }

    private BootRecipe booted(Path root) {
        return recipe(root, Map.of("TEST_ENV_NUMBER", "2"), snapshot(PROJECT));
    }

    private BootRecipe wanted(Path root, String... changes) {
        Map<String, FileEntry> files = snapshot(PROJECT);
        for (int i = 0; i < changes.length; i += 2) {
            if (changes[i + 1] == null) files.remove(changes[i]);
            else files.putAll(snapshot(changes[i], changes[i + 1]));
        }
        return recipe(root, Map.of("TEST_ENV_NUMBER", "2"), files);
    }

    @Test
    void aBuildThatChangedOnlyTestFilesItsBootDidNotLoadTakesTheWorker() throws Exception {
        Path root = Files.createDirectories(dir.resolve("copy"));
        Set<Path> loaded = Set.of(root.resolve("test/test_helper.rb"), root.resolve("lib/calc.rb"), Path.of("/usr/lib/ruby/minitest.rb"));

        assertThat(booted(root).misfit(wanted(root), loaded)).isNull();
        assertThat(booted(root).misfit(wanted(root, "test/calc_test.rb", "calc test 2"), loaded)).isNull();
        assertThat(booted(root).misfit(wanted(root, "test/models/test_user.rb", null, "test/new_test.rb", "new"), loaded)).isNull();
    }

    @Test
    void aTestFileFoundOnlyByTheBuildsOwnPatternIsATestFileOfThatBuild() throws Exception {
        Path root = Files.createDirectories(dir.resolve("copy"));
        Set<Path> loaded = Set.of(root.resolve("test/test_helper.rb"), root.resolve("lib/calc.rb"));
        Map<String, FileEntry> changed = snapshot(PROJECT);
        changed.putAll(snapshot("test/spec_calc.rb", "spec 2"));
        List<String> specs = List.of("test/**/spec_*.rb");

        // rack's spec_*.rb, found with --pattern: not a test file by the framework's own patterns.
        assertThat(booted(root).misfit(recipe(root, List.of(), Map.of("TEST_ENV_NUMBER", "2"), changed), loaded)).isEqualTo("test/spec_calc.rb changed");
        assertThat(booted(root).misfit(recipe(root, List.of(), Map.of("TEST_ENV_NUMBER", "2"), changed, specs), loaded)).isNull();
        // Still not when the boot loaded it, nor for what the build's patterns do not find.
        assertThat(booted(root).misfit(recipe(root, List.of(), Map.of("TEST_ENV_NUMBER", "2"), changed, specs), Set.of(root.resolve("test/spec_calc.rb"))))
                .isEqualTo("test/spec_calc.rb changed, which its boot loaded");
        Map<String, FileEntry> library = snapshot(PROJECT);
        library.putAll(snapshot("lib/calc.rb", "calc 2"));
        assertThat(booted(root).misfit(recipe(root, List.of(), Map.of("TEST_ENV_NUMBER", "2"), library, specs), loaded)).isEqualTo("lib/calc.rb changed");
    }

    @Test
    void anyOtherChangeMeansBootingAnew() throws Exception {
        Path root = Files.createDirectories(dir.resolve("copy"));
        Set<Path> loaded = Set.of(root.resolve("test/test_helper.rb"), root.resolve("lib/calc.rb"));

        assertThat(booted(root).misfit(wanted(root, "lib/calc.rb", "calc 2"), loaded)).isEqualTo("lib/calc.rb changed");
        // Not loaded as Ruby, but its boot may have read it.
        assertThat(booted(root).misfit(wanted(root, "config/app.yml", "yml 2"), loaded)).isEqualTo("config/app.yml changed");
        assertThat(booted(root).misfit(wanted(root, "lib/extra.rb", "new"), loaded)).isEqualTo("lib/extra.rb changed");
        assertThat(booted(root).misfit(wanted(root, "lib/calc.rb", null), loaded)).isEqualTo("lib/calc.rb removed");
        // test_*.rb, but the helper: not a test file.
        assertThat(booted(root).misfit(wanted(root, "test/test_helper.rb", "helper 2"), loaded)).isEqualTo("test/test_helper.rb changed");
    }

    @Test
    void aTestFileTheBootLoadedMeansBootingAnewOnceWhatItLoadedIsKnown() throws Exception {
        Path root = Files.createDirectories(dir.resolve("copy"));
        BootRecipe change = wanted(root, "test/calc_test.rb", "calc test 2");

        assertThat(booted(root).misfit(change, null)).as("still booting: not known yet").isNull();
        assertThat(booted(root).misfit(change, Set.of(root.resolve("test/calc_test.rb"))))
                .isEqualTo("test/calc_test.rb changed, which its boot loaded");
        // Ruby may list what it loaded by real path.
        Path link = Files.createSymbolicLink(dir.resolve("link"), root);
        BootRecipe viaLink = recipe(link, Map.of("TEST_ENV_NUMBER", "2"), snapshot(PROJECT));
        BootRecipe changeViaLink = recipe(link, Map.of("TEST_ENV_NUMBER", "2"), change.files());
        assertThat(viaLink.misfit(changeViaLink, Set.of(root.toRealPath().resolve("test/calc_test.rb"))))
                .isEqualTo("test/calc_test.rb changed, which its boot loaded");
    }

    @Test
    void anotherInstanceCommandOptionsDirectoryOrACopyMadeAgainMeansBootingAnew() throws Exception {
        Path root = Files.createDirectories(dir.resolve("copy"));
        BootRecipe booted = booted(root);

        assertThat(booted.misfit(recipe(root, Map.of("TEST_ENV_NUMBER", "3"), snapshot(PROJECT)), Set.of())).isEqualTo("other variables");
        Map<String, String> unset = new HashMap<>(Map.of("TEST_ENV_NUMBER", "2"));
        unset.put("SPEC_OPTS", null);
        assertThat(booted.misfit(recipe(root, unset, snapshot(PROJECT)), Set.of())).isEqualTo("other variables");
        assertThat(booted.misfit(recipe(root, List.of("--verbose"), Map.of("TEST_ENV_NUMBER", "2"), snapshot(PROJECT)), Set.of())).isEqualTo("other options");
        assertThat(booted.misfit(BootRecipe.of(Adapters.find("test").orElseThrow(), List.of("bundle", "exec", "ruby", "testbot_test_worker.rb"), List.of(), root,
                copies.get(root), Map.of("TEST_ENV_NUMBER", "2"), snapshot(PROJECT), List.of(), "{}"), Set.of())).isEqualTo("another command");
        Path other = Files.createDirectories(dir.resolve("copy~2"));
        assertThat(booted.misfit(booted(other), Set.of())).isEqualTo("another directory");

        // The copy deleted (housekeeping) and synced again: the worker booted ahead is in a directory that is gone.
        copies.put(root, new Object());
        assertThat(booted.misfit(booted(root), Set.of())).isEqualTo("another directory");
    }
}
