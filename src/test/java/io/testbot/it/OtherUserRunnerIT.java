package io.testbot.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A runner as another computer would see it: another user (nobody) that cannot read the project, with its own
 * work dir, which gets everything it runs through the server.
 */
class OtherUserRunnerIT extends Cluster {
    static final String NOBODY = "65534";
    final List<Path> outside = new ArrayList<>();

    @AfterEach
    void removeOutsideDirs() throws IOException {
        // Runs before Cluster's own teardown: the runner, which writes in its work dir (a spare it starts once its
        // job is done, say), must be gone first, or a file it adds midway leaves a directory that cannot be removed.
        stopEverything();
        for (Path root : outside) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** A directory only nobody can use, outside the test's (root-only) temp dir, holding a copy of the jar. */
    Path nobodysDir(String name) throws Exception {
        Path home = Files.createTempDirectory("testbot-" + name + "-");
        outside.add(home);
        Files.copy(JAR, home.resolve("testbot.jar"), StandardCopyOption.REPLACE_EXISTING);
        Process chown = new ProcessBuilder("chown", "-R", NOBODY + ":" + NOBODY, home.toString()).inheritIO().start();
        assertThat(chown.waitFor()).as("chown (the integration tests run as root, as CI does)").isZero();
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        return home;
    }

    @BeforeEach
    void needsRoot() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        boolean root = new String(id.getInputStream().readAllBytes()).strip().equals("0");
        // CI runs as root and must run this test; a developer's non-root machine cannot switch users.
        if (System.getenv("CI") == null) assumeTrue(root, "switching to another user needs root");
        else assertThat(root).as("CI runs the integration tests as root").isTrue();
    }

    @Test
    void aRunnerThatCannotReadTheProjectRunsItFromItsOwnCopy() throws Exception {
        Path project = SampleProjects.mixed(Files.createDirectories(dir.resolve("app")));
        // Links: one to a directory inside the project reaches the runner as a copy, one out of it does not.
        Files.createDirectories(project.resolve("shared/support"));
        Files.writeString(project.resolve("shared/support/helper.rb"), "HELPER = \"from a linked directory\"\n");
        Files.createSymbolicLink(project.resolve("spec/support"), Path.of("../shared/support"));
        Files.writeString(Files.createDirectories(dir.resolve("private")).resolve("secret.rb"), "SECRET = 1\n");
        Files.createSymbolicLink(project.resolve("spec/secret.rb"), dir.resolve("private/secret.rb"));
        Files.writeString(project.resolve("spec/linked_spec.rb"), """
                require_relative "support/helper"
                RSpec.describe "Links" do
                  it "reads a linked directory and nothing from outside the project" do
                    expect(HELPER).to eq("from a linked directory")
                    expect(File.exist?(File.join(__dir__, "secret.rb"))).to be(false)
                  end
                end
                """);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        startServer();

        Path home = nobodysDir("runner");
        List<String> asNobody = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
        List<String> cat = new ArrayList<>(asNobody);
        cat.addAll(List.of("cat", project.resolve("spec/passing_spec.rb").toString()));
        Process cannotRead = new ProcessBuilder(cat).redirectErrorStream(true).start();
        String denied = new String(cannotRead.getInputStream().readAllBytes());
        assertThat(cannotRead.waitFor()).as("nobody must not read the project: " + denied).isNotZero();

        Proc runner = startAs(asNobody, home.resolve("testbot.jar"), "nobody-runner", home,
                Map.of("TESTBOT_TOKEN", token, "HOME", home.toString(), "XDG_CACHE_HOME", home.resolve("cache").toString()),
                "runner", "--connect", address(), "--instances", "2", "--work-dir", home.resolve("work").toString(), "--hostname", "elsewhere");
        runner.await(Pattern.compile("registered with"), START);

        Result result = requestRemote(project);
        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.out()).contains("7 examples, 1 failure, 1 pending").contains(" · elsewhere #");
        assertThat(result.err()).contains("1 symbolic link(s) not shipped to the runners: spec/secret.rb -> " + dir.resolve("private/secret.rb") + " (outside the project)");
        Matcher where = Pattern.compile("WHERE file=(\\S+)").matcher(result.out());
        assertThat(where.find()).isTrue();
        assertThat(Path.of(where.group(1)).startsWith(home.resolve("work/projects"))).as("ran from " + where.group(1)).isTrue();
    }
}
