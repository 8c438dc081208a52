package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class CoreSlotsTest {
    private final Adapter junit = Adapters.get("junit");
    private final Adapter rspec = Adapters.get("rspec");
    private static final java.util.function.BooleanSupplier NEVER = () -> false;

    @Test
    void aFrameworkWhoseProcessesAreNotBoundToCoresRunsOnItsOwnInstanceWhateverTheSlots() throws Exception {
        CoreSlots slots = new CoreSlots(1, 4);
        try (CoreSlots.Slot third = slots.take(rspec, 3, NEVER); CoreSlots.Slot fourth = slots.take(rspec, 4, NEVER)) {
            assertThat(third.key()).isEqualTo(3);
            assertThat(third.testEnvNumber()).isEqualTo("3");
            assertThat(fourth.key()).isEqualTo(4);
            assertThat(slots.unused()).isTrue();
        }
    }

    @Test
    void aRunnerWithNoMoreInstancesThanSlotsRunsEveryJobOnItsOwnInstance() throws Exception {
        CoreSlots slots = new CoreSlots(2, 2);
        try (CoreSlots.Slot first = slots.take(junit, 1, NEVER); CoreSlots.Slot second = slots.take(junit, 2, NEVER)) {
            assertThat(first.key()).isEqualTo(1);
            assertThat(first.testEnvNumber()).isEmpty();
            assertThat(second.key()).isEqualTo(2);
            assertThat(second.testEnvNumber()).isEqualTo("2");
        }
    }

    @Test
    void jobsBeyondTheSlotsWaitForOneAndTakeItsWorkerAndNumber() throws Exception {
        CoreSlots slots = new CoreSlots(2, 4);
        CoreSlots.Slot a = slots.take(junit, 3, NEVER);
        CoreSlots.Slot b = slots.take(junit, 4, NEVER);
        assertThat(java.util.List.of(a.key(), b.key())).containsExactly(-1, -2);
        assertThat(java.util.List.of(a.testEnvNumber(), b.testEnvNumber())).containsExactly("", "2");
        assertThat(CoreSlots.isSlot(a.key())).isTrue();
        assertThat(CoreSlots.isSlot(3)).isFalse();

        CompletableFuture<CoreSlots.Slot> third = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                third.complete(slots.take(junit, 1, NEVER));
            } catch (InterruptedException e) {
                third.completeExceptionally(e);
            }
        });
        waiter.start();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> waiter.getState() == Thread.State.TIMED_WAITING || waiter.getState() == Thread.State.WAITING);
        assertThat(third).isNotDone();
        assertThat(slots.unused()).isFalse();

        b.close();
        CoreSlots.Slot c = third.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(c.key()).as("the slot just freed, whose worker is warm").isEqualTo(-2);
        assertThat(c.testEnvNumber()).isEqualTo("2");
        a.close();
        assertThat(slots.unused()).isFalse();
        c.close();
        assertThat(slots.unused()).isTrue();
        try (CoreSlots.Slot again = slots.take(junit, 2, NEVER)) {
            assertThat(again.key()).as("freed last, taken first").isEqualTo(-2);
        }
    }

    @Test
    void aJobCancelledBeforeOrWhileItWaitsGetsNoSlotAndLeavesTheSlotsAsTheyWere() throws Exception {
        CoreSlots slots = new CoreSlots(1, 2);
        assertThat(slots.take(rspec, 1, () -> true)).as("cancelled before it asked").isNull();
        CoreSlots.Slot running = slots.take(junit, 1, NEVER);

        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<CoreSlots.Slot> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return slots.take(junit, 2, cancelled::get);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !slots.unused() && !waiting.isDone());
        cancelled.set(true);
        assertThat(waiting.get(30, java.util.concurrent.TimeUnit.SECONDS)).isNull();

        running.close();
        assertThat(slots.unused()).isTrue();
        try (CoreSlots.Slot next = slots.take(junit, 2, NEVER)) {
            assertThat(next.key()).as("the one slot, free again").isEqualTo(-1);
        }
    }
}
