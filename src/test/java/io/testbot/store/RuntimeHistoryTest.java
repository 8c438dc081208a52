package io.testbot.store;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RuntimeHistoryTest {
    private static RuntimeHistory of(double... builds) {
        RuntimeHistory history = RuntimeHistory.NONE;
        for (double seconds : builds) history = history.with(seconds);
        return history;
    }

    @Test
    void oneBuildIsTakenAsItIs() {
        assertThat(of(4.0).estimate()).isEqualTo(4.0);
    }

    @Test
    void oneSlowBuildMovesThePlanALittleAndALastingChangeWithinAFewBuilds() {
        RuntimeHistory steady = of(1.0, 1.0, 1.0, 1.0, 1.0);
        assertThat(steady.estimate()).isEqualTo(1.0);

        RuntimeHistory spike = steady.with(2.5);
        assertThat(spike.estimate()).as("not the last build's 2.5 s").isBetween(1.4, 2.0);
        assertThat(spike.with(1.0).estimate()).as("back toward 1 s").isLessThan(spike.estimate());
        assertThat(spike.with(1.0).with(1.0).with(1.0).estimate()).isLessThan(spike.with(1.0).estimate()).isLessThan(1.6);

        RuntimeHistory slower = of(1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0);
        assertThat(slower.mean()).isCloseTo(3.0, within(0.4));
    }

    @Test
    void noisyRuntimesArePlannedAboveTheirMean() {
        RuntimeHistory noisy = of(0.6, 1.4, 0.8, 1.2, 0.7, 1.3, 1.0, 0.6, 1.4);
        assertThat(noisy.mean()).isCloseTo(1.0, within(0.25));
        assertThat(noisy.estimate()).isGreaterThan(noisy.mean() + 0.15);
    }
}
