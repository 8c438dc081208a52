package io.testbot.server;

import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.EventsReply;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The events of builds as requesters (and the status page) follow them: a request for a build's events after a
 * number is answered at once when there are some, or parked without a thread ({@link BuildFollowers}) until the
 * build has more, ends, or the wait runs out. The events themselves are read from the store, off the lock.
 */
final class BuildFeed {
    private final SchedulerContext context;
    private final Active active;
    private final RunnerRegistry runners;
    private final BuildFollowers followers;

    BuildFeed(SchedulerContext context, Active active, RunnerRegistry runners) {
        this.context = context;
        this.active = active;
        this.runners = runners;
        this.followers = new BuildFollowers(context.threads);
    }

    CompletableFuture<EventsReply> eventsAsync(long buildId, long after, long waitMillis) {
        context.lock.lock();
        try {
            Active.Build build = active.builds.get(buildId);
            if (build == null || build.lastSeq > after || waitMillis <= 0 || context.closing) {
                return context.threads.supply(() -> read(buildId, after));
            }
            return context.threads.after(followers.follow(buildId, after, waitMillis), () -> read(buildId, after));
        } finally {
            context.lock.unlock();
        }
    }

    private EventsReply read(long buildId, long after) {
        // The build first: once it reads finished, the events read after it hold its build_finished.
        String status = context.store.buildStatus(buildId);
        List<BuildEvent> events = context.store.events(buildId, after);
        int live = context.locked(runners::liveRunners);
        return new EventsReply(events, live, status);
    }

    /** The build has events up to seq now: its followers waiting for fewer are due. Under the lock. */
    void advance(Active.Build build, long seq) {
        build.lastSeq = seq;
        followers.advance(build.id, seq);
    }

    /** Lets every follower go (the server is stopping). Under the lock. */
    void releaseAll() {
        followers.releaseAll();
    }
}
