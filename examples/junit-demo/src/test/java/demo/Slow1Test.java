package demo;

import org.junit.jupiter.api.Test;

class Slow1Test {
    @Test
    void takesAWhile() throws InterruptedException {
        Thread.sleep(500);
    }
}
