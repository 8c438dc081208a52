package io.testbot.server;

import io.testbot.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The scheduler's own threads, so that no request's thread waits: a timer that ends parked requests whose wait ran
 * out, a small pool that completes replies (and reads what they carry) off the scheduler's lock and off the caller,
 * and one writer of what the store keeps only for a restart and the status page.
 */
final class SchedulerThreads {
    private static final Logger log = LoggerFactory.getLogger(SchedulerThreads.class);

    private final ReentrantLock lock;
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("scheduler-timer"));
    private final ExecutorService replies = Executors.newFixedThreadPool(4, daemon("scheduler-replies"));
    /**
     * Writes a job started or handed back, or when a runner was last seen, in the order they happened, off the
     * lock: a database's round trip (and on PostgreSQL, its commit to disk) does not hold up every runner's request.
     * What queued up while the last went in goes in together, in one transaction. A job's result, which must not be
     * lost, is written before its request is answered.
     */
    private final ExecutorService storeWriter = Executors.newSingleThreadExecutor(daemon("scheduler-store"));
    private final java.util.concurrent.ConcurrentLinkedQueue<Store.Progress> progress = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Store store;

    /**
     * @param lock  the scheduler's, held while a wait that ran out is ended
     * @param store where {@link #later} writes
     */
    SchedulerThreads(ReentrantLock lock, Store store) {
        this.lock = lock;
        this.store = store;
        timer.setRemoveOnCancelPolicy(true);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Completes a parked request on the replies pool: the caller (holding the lock, say) goes on at once. */
    <T> void settle(CompletableFuture<T> reply, T value) {
        try {
            replies.execute(() -> reply.complete(value));
        } catch (RejectedExecutionException closed) {
            reply.complete(value);
        }
    }

    /** A reply computed on the replies pool. */
    <T> CompletableFuture<T> supply(Supplier<T> reply) {
        return CompletableFuture.supplyAsync(reply, replies);
    }

    /** A reply computed on the replies pool once due completes. */
    <T> CompletableFuture<T> after(CompletableFuture<?> due, Supplier<T> reply) {
        return due.thenApplyAsync(ignored -> reply.get(), replies);
    }

    /** Runs expire under the scheduler's lock after waitMillis, unless the returned future is cancelled first. */
    ScheduledFuture<?> expireAfter(long waitMillis, Runnable expire) {
        return timer.schedule(() -> {
            lock.lock();
            try {
                expire.run();
            } finally {
                lock.unlock();
            }
        }, waitMillis, TimeUnit.MILLISECONDS);
    }

    /** Writes to the store later, in order, off the lock; a failure is logged (a restart recovers from what was written). */
    void later(Store.Progress write) {
        progress.add(write);
        try {
            storeWriter.execute(this::writeProgress);
        } catch (RejectedExecutionException closed) {
            // the server is stopping; the restart recovers from what was written
        }
    }

    /** Writes everything queued so far (nothing when an earlier turn took it along), in one transaction if it can. */
    private void writeProgress() {
        List<Store.Progress> writes = new ArrayList<>();
        for (Store.Progress write = progress.poll(); write != null; write = progress.poll()) writes.add(write);
        if (writes.isEmpty()) return;
        try {
            if (writes.size() > 1) {
                store.recordProgress(writes);
                return;
            }
        } catch (RuntimeException e) {
            log.warn("could not store {} jobs' or runners' states at once ({}); storing each alone", writes.size(), e.toString());
        }
        for (Store.Progress write : writes) {
            try {
                store.recordProgress(List.of(write));
            } catch (RuntimeException e) {
                log.warn("could not store a job's or runner's state ({}): {}", write, e.toString());
            }
        }
    }

    /** Stops the timer; replies already settled are completed, and what is left to write is written first. */
    void close() {
        timer.shutdownNow();
        replies.shutdown();
        storeWriter.shutdown();
        try {
            if (!storeWriter.awaitTermination(10, TimeUnit.SECONDS)) log.warn("the store's last writes did not finish in 10 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
