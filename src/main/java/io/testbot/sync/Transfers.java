package io.testbot.sync;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Blob transfers several at a time: a project is mostly small files, each one HTTP round trip, so a new project's
 * first upload or download is bound by latency, not bandwidth.
 */
public final class Transfers {
    private Transfers() {}

    /** How many transfers run at once. */
    public static final int PARALLEL = 8;

    /** One transfer. */
    public interface Transfer<T> {
        void run(T item) throws IOException, InterruptedException;
    }

    /**
     * Runs the transfer for every item, up to {@link #PARALLEL} at once. Once all have ended, throws the first
     * failure in the items' order (so what is reported does not depend on timing).
     */
    public static <T> void each(Collection<T> items, Transfer<T> transfer) throws IOException, InterruptedException {
        if (items.size() <= 1) {
            for (T item : items) transfer.run(item);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL, items.size()), r -> {
            Thread t = new Thread(r, "transfer");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Void>> running = new ArrayList<>();
            for (T item : items) running.add(pool.submit(() -> {
                transfer.run(item);
                return null;
            }));
            Exception first = null;
            for (Future<Void> each : running) {
                try {
                    each.get();
                } catch (ExecutionException e) {
                    if (first == null) first = e.getCause() instanceof Exception cause ? cause : new IOException(e.getCause());
                }
            }
            if (first instanceof IOException io) throw io;
            if (first instanceof InterruptedException interrupted) throw interrupted;
            if (first instanceof RuntimeException runtime) throw runtime;
        } finally {
            pool.shutdownNow();
        }
    }
}
