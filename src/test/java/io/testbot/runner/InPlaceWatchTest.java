package io.testbot.runner;

import io.testbot.protocol.FileEntry;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** When the kept-warm runner boots its workers ahead again for a project that changed under them, and when not. */
class InPlaceWatchTest {
    /** The workers: booted ahead or not, fitting the project or not; the reboots asked of them. */
    private final class Workers implements InPlaceWatch.Workers {
        boolean bootedAhead = true;
        Map<Integer, String> unfit = Map.of();
        final List<Set<Integer>> reboots = new ArrayList<>();

        @Override
        public boolean bootedAheadInPlace() {
            return bootedAhead;
        }

        @Override
        public Map<Integer, String> unfitInPlace(Map<String, FileEntry> now) {
            return unfit;
        }

        @Override
        public void bootAheadAgain(Set<Integer> instances) {
            reboots.add(instances);
        }
    }

    private final Workers workers = new Workers();
    private Map<String, FileEntry> files = snapshot("1");
    private long nanos;
    private final InPlaceWatch watch = new InPlaceWatch(workers, new InPlaceWatch.Project() {
        @Override
        public Path root() {
            return Path.of("/project");
        }

        @Override
        public Map<String, FileEntry> now() {
            return files;
        }
    }, () -> nanos);

    private static Map<String, FileEntry> snapshot(String content) {
        return Map.of("lib/calc.rb", new FileEntry("lib/calc.rb", "sha-" + content, content.length(), false));
    }

    private void at(long seconds) {
        nanos = TimeUnit.SECONDS.toNanos(seconds);
    }

    @Test
    void aChangeBootsTheUnfitWorkersAgainOnceItHeldStillForOneLook() throws Exception {
        watch.look();
        assertThat(workers.reboots).as("every worker fits").isEmpty();

        workers.unfit = Map.of(1, "lib/calc.rb changed", 2, "lib/calc.rb changed");
        files = snapshot("2");
        watch.look();
        assertThat(workers.reboots).as("seen once: it may still be changing").isEmpty();
        files = snapshot("3");
        watch.look();
        assertThat(workers.reboots).as("changed again since").isEmpty();
        watch.look();
        assertThat(workers.reboots).containsExactly(Set.of(1, 2));
    }

    @Test
    void nothingIsComparedWhileABuildRunsOrNoWorkerIsBootedAhead() throws Exception {
        workers.unfit = Map.of(1, "lib/calc.rb changed");
        workers.bootedAhead = false;
        for (int i = 0; i < 3; i++) assertThat(watch.look()).as("no scan").isZero();
        assertThat(workers.reboots).isEmpty();
    }

    @Test
    void rebootsThatFollowOneAnotherWaitTwiceAsLongEachTimeUntilALookFindsEveryWorkerFit() throws Exception {
        // A boot that itself writes a file of the project: every look after it finds the workers unfit.
        workers.unfit = Map.of(1, "db/test.sqlite3 changed");
        at(0);
        watch.look();
        watch.look();
        assertThat(workers.reboots).hasSize(1);

        at(1);
        watch.look();
        watch.look();
        assertThat(workers.reboots).as("within 2 s of the last").hasSize(1);
        at(2);
        watch.look();
        assertThat(workers.reboots).hasSize(2);
        at(5);
        watch.look();
        watch.look();
        assertThat(workers.reboots).as("within 4 s of the last").hasSize(2);
        at(6);
        watch.look();
        assertThat(workers.reboots).hasSize(3);

        // The workers fit again: the next change boots them as soon as it holds still.
        workers.unfit = Map.of();
        at(7);
        watch.look();
        workers.unfit = Map.of(1, "lib/calc.rb changed");
        files = snapshot("2");
        at(8);
        watch.look();
        watch.look();
        assertThat(workers.reboots).as("no waiting for the back-off of before").hasSize(4);
    }
}
