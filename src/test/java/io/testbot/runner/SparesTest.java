package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Spare rspec workers: booted one at a time up to one per instance, taken by a build, never more than asked. */
class SparesTest {
    final Adapter rspec = Adapters.get("rspec");

    /** A project whose spec/who_spec.rb prints the pid its worker's process was started or forked by; returns its root. */
    static Path whoProject(Path dir) throws java.io.IOException {
        Path spec = Files.createDirectories(dir.resolve("project/spec"));
        Files.writeString(spec.resolve("who_spec.rb"), "RSpec.describe('W') { it('says') { puts \"parent=#{Process.ppid}\" } }\n");
        return spec.getParent();
    }

    /** Runs the who project's spec on the worker (see {@link #whoProject}); returns the pid it printed. */
    long parentOf(WarmWorker worker, Path resultFile) throws java.io.IOException {
        WarmWorker.Outcome outcome = worker.run(rspec.workerJob(List.of("spec/who_spec.rb"), List.of(), resultFile));
        worker.release();
        assertThat(outcome.status()).as(outcome.output()).isZero();
        java.util.regex.Matcher said = java.util.regex.Pattern.compile("parent=(\\d+)").matcher(outcome.output());
        assertThat(said.find()).as(outcome.output()).isTrue();
        return Long.parseLong(said.group(1));
    }

    @Test
    void bootsAtMostOnePerInstanceAndATakenOneRunsTheBuildsProject(@TempDir Path dir) throws Exception {
        Path project = Files.createDirectories(dir.resolve("project/spec"));
        // As in most projects: a helper found on the load path rspec makes of the project's spec/ directory.
        Files.writeString(project.resolve("a_helper.rb"), "A_HELPER = 'helped'\n");
        // And a project of its own mind: no mock framework, so no rspec-mocks in its examples.
        Files.writeString(project.resolve("a_spec.rb"), "require 'a_helper'\nRSpec.configure { |c| c.mock_with :nothing }\n"
                + "RSpec.describe('A') { it('runs') { expect(A_HELPER).to eq('helped'); puts \"instance=#{ENV['TEST_ENV_NUMBER']} #{A_HELPER} doubles=#{respond_to?(:double)}\" } }\n");
        Spares spares = new Spares(dir.resolve("work"), 2, "rspec", true, PassedVariables.everything()).boot(5);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> spares.started() == 2 && spares.pending() == 0);
            assertThat(spares.wanted()).as("one per instance is enough").isFalse();

            WarmWorker worker = spares.take("rspec", 7, dir.resolve("project"), JobEnvironment.of("2", 2));
            assertThat(worker).isNotNull();
            assertThat(worker.fits(7, dir.resolve("project"))).isTrue();
            WarmWorker.Outcome outcome = worker.run(rspec.workerJob(List.of("spec/a_spec.rb"), List.of(), dir.resolve("a.json")));
            worker.release();
            assertThat(outcome.status()).as(outcome.output()).isZero();
            assertThat(outcome.output()).contains("instance=2 helped").contains("1 example, 0 failures");
            assertThat(outcome.output()).as("no mock framework but the project's").contains("doubles=false");
            // Its results name the file as the job did: rspec in the zygote ran elsewhere before it forked this spare.
            assertThat(rspec.readResults(dir.resolve("a.json"), List.of("spec/a_spec.rb"), 0, List.of()).files())
                    .singleElement().satisfies(file -> {
                        assertThat(file.path()).isEqualTo("spec/a_spec.rb");
                        assertThat(file.examples()).isEqualTo(1);
                    });
            assertThat(spares.wanted()).as("one was taken").isTrue();
            assertThat(spares.take("cucumber", 8, dir.resolve("project"), Map.of())).as("none of another framework").isNull();
            worker.retire().join();
        } finally {
            spares.close().forEach(java.util.concurrent.CompletableFuture::join);
        }
        assertThat(spares.started()).isZero();
    }

    @Test
    void aBuildThatStartsDropsTheBootsNotBegun(@TempDir Path dir) throws Exception {
        Spares spares = new Spares(dir.resolve("work"), 4, "rspec", true, PassedVariables.everything()).boot(4);
        try {
            // One boot at a time: the second waits for the first to be ready, so three are still queued.
            assertThat(spares.pending()).isGreaterThanOrEqualTo(3);
            WarmWorker taken = spares.take("rspec", 1, Files.createDirectories(dir.resolve("project")), Map.of());
            // At most the boot under way is left; the queued ones would take CPU from the build's jobs.
            assertThat(spares.pending()).isLessThanOrEqualTo(1);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> spares.pending() == 0);
            assertThat(spares.started() + (taken == null ? 0 : 1)).isLessThanOrEqualTo(1);
            if (taken != null) taken.close();
        } finally {
            spares.close().forEach(java.util.concurrent.CompletableFuture::join);
        }
    }

    @Test
    void sparesAreForksOfOneBootedRspecInTheGroupOfTheProcessThatStandsForThem(@TempDir Path dir) throws Exception {
        Path project = Files.createDirectories(dir.resolve("project/spec"));
        Files.writeString(project.resolve("who_spec.rb"),
                "RSpec.describe('W') { it('says') { expect(double('d', pid: Process.pid).pid).to eq(Process.pid)\n"
                        + "puts \"pid=#{Process.pid} parent=#{Process.ppid} group=#{Process.getpgid(0)}\" } }\n");
        Spares spares = new Spares(dir.resolve("work"), 3, "rspec", true, PassedVariables.everything()).boot(2);
        List<WarmWorker> taken = new java.util.ArrayList<>();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> spares.started() == 2 && spares.pending() == 0);
            List<Map<String, Long>> seen = new java.util.ArrayList<>();
            // Two from the pool, and a third forked on the spot: the pool is empty by then.
            for (int build = 1; build <= 3; build++) {
                WarmWorker worker = spares.take("rspec", build, dir.resolve("project"), JobEnvironment.of("", 3));
                assertThat(worker).as("spare %d", build).isNotNull();
                taken.add(worker);
                WarmWorker.Outcome outcome = worker.run(rspec.workerJob(List.of("spec/who_spec.rb"), List.of(), dir.resolve(build + ".json")));
                worker.release();
                assertThat(outcome.status()).as(outcome.output()).isZero();
                java.util.regex.Matcher said = java.util.regex.Pattern.compile("pid=(\\d+) parent=(\\d+) group=(\\d+)").matcher(outcome.output());
                assertThat(said.find()).as(outcome.output()).isTrue();
                seen.add(Map.of("pid", Long.parseLong(said.group(1)), "parent", Long.parseLong(said.group(2)),
                        "group", Long.parseLong(said.group(3)), "stub", worker.process().pid()));
            }
            assertThat(seen).extracting(s -> s.get("parent")).as("one zygote").containsOnly(seen.get(0).get("parent"));
            for (Map<String, Long> one : seen) {
                assertThat(one.get("pid")).as("a fork, not the stub").isNotEqualTo(one.get("stub"));
                assertThat(one.get("group")).as("in the stub's group").isEqualTo(one.get("stub"));
            }

            // Stopping a job stops the stub's group: the fork goes with it.
            ProcessGroups.kill(taken.get(0).process());
            long fork = seen.get(0).get("pid");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(fork).map(p -> !p.isAlive()).orElse(true));
            assertThat(ProcessHandle.of(seen.get(1).get("pid")).map(ProcessHandle::isAlive)).as("the others run on").contains(true);
        } finally {
            taken.forEach(worker -> worker.retire().join()); // their stubs too have ended then
            spares.close().forEach(java.util.concurrent.CompletableFuture::join);
        }
        try (var processes = ProcessHandle.current().descendants()) {
            assertThat(processes.filter(p -> p.info().commandLine().orElse("").contains("testbot_rspec_worker")))
                    .as("the zygote ends once its forks have").isEmpty();
        }
    }

    @Test
    void aJobThatComesWhileTheZygoteStillBootsWaitsForItAndGetsAFork(@TempDir Path dir) throws Exception {
        Path project = whoProject(dir);
        Spares spares = new Spares(dir.resolve("work"), 2, "rspec", false, PassedVariables.everything()).boot(1);
        WarmWorker worker = null;
        try {
            // As when local mode's first jobs come before rspec has booted: eight boots of their own on two cores
            // took each instance's first job 0.4-0.9 s longer.
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(spares::zygoteBooting);
            worker = spares.take("rspec", 1, project, JobEnvironment.of("", 2));
            assertThat(worker).isNotNull();
            assertThat(parentOf(worker, dir.resolve("who.json"))).as("forked from the zygote, not booted by the runner")
                    .isNotEqualTo(ProcessHandle.current().pid());
        } finally {
            if (worker != null) worker.retire().join();
            spares.close().forEach(java.util.concurrent.CompletableFuture::join);
        }
    }

    @Test
    void aZygoteThatIsKilledIsReplacedAndOnlyAfterSeveralDoSparesBootOnTheirOwn(@TempDir Path dir) throws Exception {
        Path project = whoProject(dir);
        Spares spares = new Spares(dir.resolve("work"), 2, "rspec", true, PassedVariables.everything());
        long runner = ProcessHandle.current().pid();
        try {
            java.util.Set<Long> zygotes = new java.util.HashSet<>();
            for (int lost = 0; lost <= Spares.MAX_ZYGOTES_LOST; lost++) {
                // What idle instances do: ask for spares until there is one per instance.
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                    spares.bootIfWanted();
                    return spares.started() == 2 && spares.pending() == 0;
                });
                WarmWorker worker = spares.take("rspec", lost + 1, project, JobEnvironment.of("", 2));
                assertThat(worker).as("a spare after %d zygote(s) lost", lost).isNotNull();
                long parent = parentOf(worker, dir.resolve(lost + ".json"));
                worker.retire().join();
                if (lost == Spares.MAX_ZYGOTES_LOST) {
                    assertThat(parent).as("zygotes keep dying: spares boot on their own").isEqualTo(runner);
                    break;
                }
                assertThat(parent).as("forked from a new zygote").isNotEqualTo(runner).isNotIn(zygotes);
                zygotes.add(parent);
                // Killed (the OOM killer, a stray pkill): the pooled spare dies with it.
                ProcessHandle zygote = ProcessHandle.of(parent).orElseThrow();
                // The pooled spare: its stub may still be reaching the zygote (a boot counts as done once its stub runs).
                Awaitility.await("the pooled spare's fork").atMost(Duration.ofSeconds(60)).until(() -> zygote.children().findAny().isPresent());
                List<ProcessHandle> forks = zygote.children().toList();
                zygote.destroyForcibly();
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !zygote.isAlive() && forks.stream().noneMatch(ProcessHandle::isAlive));
            }
        } finally {
            spares.close().forEach(java.util.concurrent.CompletableFuture::join);
        }
    }

    @Test
    void aStubWithNoZygoteToReachBootsASpareItself(@TempDir Path dir) throws Exception {
        Path project = Files.createDirectories(dir.resolve("project/spec"));
        Files.writeString(project.resolve("a_spec.rb"), "RSpec.describe('A') { it('runs') { puts \"in #{Dir.pwd}\" } }\n");
        Path tools = dir.resolve("tools");
        ProcessBuilder builder = new ProcessBuilder(ProcessGroups.dyingWithStarter(rspec.spareStubCommand(tools)))
                .directory(Files.createDirectories(tools).toFile()).redirectErrorStream(true);
        builder.environment().put(Zygote.SOCKET_VARIABLE, dir.resolve("no-such.sock").toString());
        WarmWorker spare = WarmWorker.startSpare(builder, "rspec");
        try {
            assertThat(spare.awaitBooted(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(spare.claim() && spare.bind(1, dir.resolve("project"), Map.of())).isTrue();
            WarmWorker.Outcome outcome = spare.run(rspec.workerJob(List.of("spec/a_spec.rb"), List.of(), dir.resolve("a.json")));
            assertThat(outcome.status()).as(outcome.output()).isZero();
            assertThat(outcome.output()).contains("in " + dir.resolve("project").toRealPath()).contains("1 example, 0 failures");
        } finally {
            spare.retire().join();
        }
    }

    @Test
    void socketDirectoriesLeftByZygotesOfEndedProcessesAreRemovedAndNothingElse(@TempDir Path temp) throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Path left = Files.createDirectories(temp.resolve(Zygote.DIRECTORY_PREFIX + ended.pid() + "-123"));
        socketFile(left.resolve("rspec.sock"));
        Path live = Files.createDirectories(temp.resolve(Zygote.DIRECTORY_PREFIX + ProcessHandle.current().pid() + "-456"));
        Path other = Files.createDirectories(temp.resolve(Zygote.DIRECTORY_PREFIX + "not-a-pid"));
        // Named as a leftover, but a link to someone's files: neither it nor what it points at is touched.
        Path precious = Files.createDirectories(temp.resolve("precious"));
        socketFile(precious.resolve("app.sock"));
        Files.writeString(precious.resolve("data.txt"), "keep");
        Path link = Files.createSymbolicLink(temp.resolve(Zygote.DIRECTORY_PREFIX + ended.pid() + "-789"), precious);
        // A leftover with more than a socket in it keeps what is not a socket.
        Path odd = Files.createDirectories(temp.resolve(Zygote.DIRECTORY_PREFIX + ended.pid() + "-999"));
        Files.writeString(odd.resolve("notes.txt"), "keep");

        Zygote.removeLeftovers(temp, Files.getOwner(temp));

        assertThat(left).doesNotExist();
        assertThat(live).isDirectory();
        assertThat(other).isDirectory();
        assertThat(link).isSymbolicLink();
        assertThat(precious.resolve("app.sock")).exists();
        assertThat(precious.resolve("data.txt")).hasContent("keep");
        assertThat(odd.resolve("notes.txt")).hasContent("keep");
    }

    /** Leaves a Unix socket file at the path, as a zygote does. */
    static void socketFile(Path path) throws Exception {
        try (var channel = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            channel.bind(java.net.UnixDomainSocketAddress.of(path));
        }
    }

    @Test
    void onceItsBuildHasDrainedLocalModesZygoteEndsWithItsLastForkAndARunnersStays(@TempDir Path dir) throws Exception {
        Path project = whoProject(dir);
        for (boolean local : List.of(true, false)) {
            Spares spares = new Spares(dir.resolve(local ? "local" : "runner"), 2, "rspec", !local, PassedVariables.everything()).boot(1);
            WarmWorker worker = null;
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> spares.started() == 1 && spares.pending() == 0);
                worker = spares.take("rspec", 1, project, JobEnvironment.of("", 2));
                assertThat(worker).isNotNull();
                spares.drained();
                // The fork still runs jobs: its zygote waits for it.
                ProcessHandle zygote = ProcessHandle.of(parentOf(worker, dir.resolve(local + ".json"))).orElseThrow();
                assertThat(zygote.isAlive()).isTrue();
                if (local) assertThat(spares.take("rspec", 1, project, Map.of())).as("no more forks").isNull();

                worker.retire().join();
                worker = null;
                if (local) {
                    Awaitility.await("the zygote ends with its last fork").atMost(Duration.ofSeconds(10)).until(() -> !zygote.isAlive());
                } else {
                    assertThat(zygote.isAlive()).as("a runner's zygote serves its next builds").isTrue();
                    assertThat(spares.take("rspec", 2, project, JobEnvironment.of("", 2))).as("forked for the next build")
                            .isNotNull().satisfies(next -> next.retire().join());
                }
            } finally {
                if (worker != null) worker.retire().join();
                spares.close().forEach(java.util.concurrent.CompletableFuture::join);
            }
        }
    }

    @Test
    void aJobStillRunningWhenLocalModesBuildDrainsRunsToItsEnd(@TempDir Path dir) throws Exception {
        Path project = Files.createDirectories(dir.resolve("project/spec")).getParent();
        // Three seconds of work against one second of grace for the zygote once the runner closes: a drained build's
        // last job must outlast any such grace (it ran into local mode's kill after 11 s, with "rspec wrote no JSON").
        Files.writeString(project.resolve("spec/long_spec.rb"), "RSpec.describe('Long') { it('works on') { sleep 3 } }\n");
        Spares spares = new Spares(dir.resolve("local"), 2, "rspec", false, PassedVariables.everything(), Duration.ofSeconds(1)).boot(1);
        WarmWorker worker = null;
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> spares.started() == 1 && spares.pending() == 0);
            worker = spares.take("rspec", 1, project, JobEnvironment.of("", 2));
            assertThat(worker).isNotNull();
            WarmWorker running = worker;
            var outcome = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return running.run(rspec.workerJob(List.of("spec/long_spec.rb"), List.of(), dir.resolve("long.json")));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            spares.drained();
            WarmWorker.Outcome done = outcome.get(60, java.util.concurrent.TimeUnit.SECONDS);
            worker.release();
            assertThat(done.status()).as(done.output()).isZero();
            assertThat(rspec.readResults(dir.resolve("long.json"), List.of("spec/long_spec.rb"), 0, List.of()).files())
                    .singleElement().satisfies(file -> assertThat(file.examples()).isEqualTo(1));
        } finally {
            if (worker != null) worker.retire().join();
            spares.close().forEach(java.util.concurrent.CompletableFuture::join);
        }
    }

    @Test
    void localModeBootsOnlyWhatItWasAskedFor(@TempDir Path dir) {
        Spares spares = new Spares(dir.resolve("work"), 8, "rspec", false, PassedVariables.everything());
        try {
            assertThat(spares.wanted()).as("an idle local instance boots none").isFalse();
            assertThat(new Spares(dir.resolve("work"), 8, null, true, PassedVariables.everything()).wanted()).as("no framework yet").isFalse();
        } finally {
            spares.close();
        }
    }
}
