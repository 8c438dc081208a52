package io.testbot.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's own case: a Rails app (examples/rails-demo/generate.sh: Rails 6.1, rspec-rails, SQLite, Bundler), a
 * database per instance, in local mode and on a runner, with the counts of `bundle exec rspec` alone.
 */
class RailsIT extends Cluster {
    static final Path GENERATOR = Path.of("examples/rails-demo/generate.sh").toAbsolutePath();

    @BeforeAll
    static void railsIsInstalled() throws Exception {
        Process rails = new ProcessBuilder("rails", "--version").redirectErrorStream(true).start();
        String version = new String(rails.getInputStream().readAllBytes());
        assertThat(rails.waitFor()).as("rails is not installed: apt-get install -y --no-install-recommends ruby-rails ruby-rspec-rails ruby-sqlite3 bundler; "
                + version).isZero();
    }

    Path generate() throws Exception {
        Path app = dir.resolve("blog");
        Process generator = new ProcessBuilder(GENERATOR.toString(), app.toString()).redirectErrorStream(true).start();
        String output = new String(generator.getInputStream().readAllBytes());
        assertThat(generator.waitFor()).as(output).isZero();
        return app;
    }

    @Test
    void aRailsAppRunsWithADatabasePerInstanceInLocalModeAndOnARunner() throws Exception {
        Path app = generate();
        Result alone = FidelityIT.alone(app, Map.of("BUNDLE_SILENCE_ROOT_WARNING", "1"), "bundle", "exec", "rspec");
        assertThat(alone.exit()).as(alone.out()).isZero();
        assertThat(FidelityIT.totals(alone.out())).isEqualTo("35 examples, 0 failures");

        Result local = request(app, Map.of("BUNDLE_SILENCE_ROOT_WARNING", "1"), "--instances", "2");
        assertThat(local.exit()).as(local.all()).isZero();
        assertThat(FidelityIT.totals(local.out())).isEqualTo("35 examples, 0 failures");
        // Each instance made its own database on its first job (rails_helper's maintain_test_schema!).
        assertThat(app.resolve("db/test2.sqlite3")).exists();

        startServer();
        startRunnerWith(Map.of("BUNDLE_SILENCE_ROOT_WARNING", "1"), "r1", 2, "--pass-env", "BUNDLE_SILENCE_ROOT_WARNING");
        Result remote = requestRemote(app);
        assertThat(remote.exit()).as(remote.all()).isZero();
        assertThat(FidelityIT.totals(remote.out())).isEqualTo("35 examples, 0 failures");
        try (var copies = Files.walk(dir.resolve("r1"))) {
            assertThat(copies.filter(p -> p.getFileName().toString().equals("test2.sqlite3")).count())
                    .as("the runner's copy has a database per instance of its own").isEqualTo(1);
        }
    }
}
