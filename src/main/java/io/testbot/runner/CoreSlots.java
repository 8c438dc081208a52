package io.testbot.runner;

import io.testbot.adapters.Adapter;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many processes of a framework whose processes compile the code they run (JUnit's JVMs) a runner runs at once:
 * one per core by default, as Gradle's max-workers. More JVMs than cores compile the same code again on cores that
 * are already busy (jsoup on two cores: 4 instances took 1.4× as long as 2). A job of such a framework waits for a
 * free slot and runs in the slot's worker, with the slot's TEST_ENV_NUMBER, so that processes running at once still
 * each have their own. Slots are keyed apart from instances (negative keys), so an instance's worker and a slot's
 * never meet.
 */
final class CoreSlots {
    private final int slots;
    private final int instances;
    /** Free slots, the one freed last first: its worker is the warmest. */
    private final LinkedBlockingDeque<Integer> free = new LinkedBlockingDeque<>();
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();
    private final AtomicInteger waiting = new AtomicInteger();

    /** A job's place to run: the key of its worker, and its TEST_ENV_NUMBER; closing it frees a slot taken. */
    record Slot(int key, String testEnvNumber, Runnable release) implements AutoCloseable {
        @Override
        public void close() {
            release.run();
        }
    }

    /**
     * @param slots     at most so many processes at once of such frameworks (at least 1)
     * @param instances the runner's instances: with no more of them than slots, each job runs on its own instance
     */
    CoreSlots(int slots, int instances) {
        this.slots = Math.max(1, slots);
        this.instances = instances;
        for (int slot = 1; slot <= this.slots; slot++) free.addLast(slot);
    }

    /** How often a job waiting for a slot looks whether it was cancelled meanwhile. */
    private static final long CANCEL_LOOK_MILLIS = 100;

    /**
     * Where a job of the adapter on this instance runs: the instance itself (its own worker and number) unless the
     * adapter's processes are bound to cores and the runner has more instances than slots; then a free slot, waited
     * for. Null once the job is cancelled, before or while it waits: it runs nothing.
     */
    Slot take(Adapter adapter, int instance, java.util.function.BooleanSupplier cancelled) throws InterruptedException {
        if (cancelled.getAsBoolean()) return null;
        if (!adapter.processesBoundToCores() || instances <= slots) return new Slot(instance, JobEnvironment.testEnvNumber(instance), () -> {});
        waiting.incrementAndGet();
        Integer slot;
        try {
            do {
                slot = free.pollFirst(CANCEL_LOOK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (slot != null && cancelled.getAsBoolean()) {
                    free.addFirst(slot);
                    return null;
                }
            } while (slot == null && !cancelled.getAsBoolean());
            if (slot == null) return null;
            held.add(slot);
        } finally {
            waiting.decrementAndGet();
        }
        int taken = slot;
        return new Slot(-taken, JobEnvironment.testEnvNumber(taken), () -> {
            held.remove(taken);
            free.addFirst(taken);
        });
    }

    /** Whether the key is a slot's (not an instance's). */
    static boolean isSlot(int key) {
        return key < 0;
    }

    /** Whether no job holds a slot or waits for one: only then may slots' idle workers end before their build is over. */
    boolean unused() {
        return waiting.get() == 0 && held.isEmpty();
    }
}
