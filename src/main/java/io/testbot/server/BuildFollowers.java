package io.testbot.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * The requesters (and status pages) following builds: each waits, parked, for events of its build after the
 * last one it has, and is let go when the build has more or its wait runs out. Used under the scheduler's lock.
 */
final class BuildFollowers {
    /** A wait for events of a build after a sequence number. */
    private static final class Follower {
        final long after;
        final CompletableFuture<Void> due = new CompletableFuture<>();
        ScheduledFuture<?> timeout;

        Follower(long after) {
            this.after = after;
        }
    }

    private final SchedulerThreads threads;
    private final Map<Long, List<Follower>> byBuild = new HashMap<>();

    BuildFollowers(SchedulerThreads threads) {
        this.threads = threads;
    }

    /** Completes when the build has events after this number, or after waitMillis. */
    CompletableFuture<Void> follow(long buildId, long after, long waitMillis) {
        Follower follower = new Follower(after);
        List<Follower> followers = byBuild.computeIfAbsent(buildId, id -> new ArrayList<>());
        followers.add(follower);
        follower.timeout = threads.expireAfter(waitMillis, () -> {
            List<Follower> still = byBuild.get(buildId);
            if (still != null && still.remove(follower)) {
                if (still.isEmpty()) byBuild.remove(buildId);
                threads.settle(follower.due, null);
            }
        });
        return follower.due;
    }

    /** The build has events up to seq: those following it for fewer are due. */
    void advance(long buildId, long seq) {
        List<Follower> followers = byBuild.get(buildId);
        if (followers == null) return;
        for (Iterator<Follower> it = followers.iterator(); it.hasNext(); ) {
            Follower follower = it.next();
            if (follower.after >= seq) continue;
            it.remove();
            follower.timeout.cancel(false);
            threads.settle(follower.due, null);
        }
        if (followers.isEmpty()) byBuild.remove(buildId);
    }

    /** Lets every follower go (the server is stopping). */
    void releaseAll() {
        for (List<Follower> followers : byBuild.values()) {
            for (Follower follower : followers) {
                follower.timeout.cancel(false);
                threads.settle(follower.due, null);
            }
        }
        byBuild.clear();
    }
}
