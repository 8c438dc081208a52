package io.testbot.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
     * Writes a job started or handed back, or when a runner was last seen, one after another in the order they
     * happened: a database's round trip (and on PostgreSQL, its commit to disk) does not hold up every runner's
     * request. A job's result, which must not be lost, is written before its request is answered.
     */
    private final ExecutorService storeWriter = Executors.newSingleThreadExecutor(daemon("scheduler-store"));

    /** @param lock the scheduler's, held while a wait that ran out is ended */
    SchedulerThreads(ReentrantLock lock) {
        this.lock = lock;
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
    void later(Runnable write) {
        try {
            storeWriter.execute(() -> {
                try {
                    write.run();
                } catch (RuntimeException e) {
                    log.warn("could not store a job's or runner's state: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException closed) {
            // the server is stopping; the restart recovers from what was written
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
