package io.testbot.sync;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransfersTest {
    @Test
    void runsEveryItemAndThrowsTheFirstFailureInTheItemsOrder() {
        List<Integer> items = IntStream.range(0, 40).boxed().toList();
        Set<Integer> ran = ConcurrentHashMap.newKeySet();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        assertThatThrownBy(() -> Transfers.each(items, i -> {
            ran.add(i);
            threads.add(Thread.currentThread().getName());
            if (i == 7 || i == 30) throw new IOException("item " + i + " failed");
        })).isInstanceOf(IOException.class).hasMessage("item 7 failed");
        assertThat(ran).hasSize(40);
        assertThat(threads).allSatisfy(name -> assertThat(name).isEqualTo("transfer"));
    }

    @Test
    void aSingleItemRunsOnTheCallersThread() throws Exception {
        String[] thread = new String[1];
        Transfers.each(List.of("only"), item -> thread[0] = Thread.currentThread().getName());
        assertThat(thread[0]).isEqualTo(Thread.currentThread().getName());
    }
}
