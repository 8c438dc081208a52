package demo;

import org.junit.jupiter.api.Test;

class Slow4Test {
    @Test
    void takesAWhile() throws InterruptedException {
        Thread.sleep(500);
    }
}
