package io.testbot.server;

import io.testbot.store.Store;

import java.time.Clock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * What the scheduler's rooms (dispatch, leases, the build ledger, the build feed) share: the one lock that guards
 * their memory, the threads that answer parked requests and write to the store off it, the store, the clock, the
 * server's version, the metrics' listener, and the count of changes the status page follows.
 */
final class SchedulerContext {
    final ReentrantLock lock = new ReentrantLock();
    final SchedulerThreads threads;
    final Store store;
    final Clock clock;
    final String version;
    final SchedulerEvents events;
    /** The server is stopping: parked requests are answered and no new ones wait. Under the lock. */
    boolean closing;
    /** Counts the changes waiters are woken for: the status page pushes a new view when it moved. */
    private volatile long changes;

    SchedulerContext(Store store, Clock clock, String version, SchedulerEvents events) {
        this.store = store;
        this.threads = new SchedulerThreads(lock, store);
        this.clock = clock;
        this.version = version;
        this.events = events;
    }

    /** Something changed that the status page shows. Under the lock. */
    void changed() {
        changes++;
    }

    long changes() {
        return changes;
    }

    /** A value read under the lock. */
    <T> T locked(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }
}
