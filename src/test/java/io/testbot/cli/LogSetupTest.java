package io.testbot.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogSetupTest {
    final LoggerContext context = new LoggerContext();

    String line(Level level, String message, Throwable thrown, Object... args) {
        LogSetup.Line layout = new LogSetup.Line();
        layout.setContext(context);
        layout.start();
        LoggingEvent event = new LoggingEvent("fqcn", context.getLogger("io.testbot.runner.Runner"), level, message, thrown, args);
        return layout.doLayout(event);
    }

    @Test
    void writesTimeLevelSimpleLoggerNameAndMessageAsTheLogsAlwaysHad() {
        assertThat(line(Level.INFO, "job {} on instance {}", null, 7, 2))
                .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[Runner\\] job 7 on instance 2" + System.lineSeparator());
        assertThat(line(Level.WARN, "slow", null)).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  \\[Runner\\] slow\\R");
        assertThat(line(Level.ERROR, "broke", null)).contains(" ERROR [Runner] broke");
    }

    @Test
    void followsTheLineWithTheStackTraceOfWhatWasThrown() {
        String text = line(Level.ERROR, "could not", new IllegalStateException("the cause"));
        assertThat(text.lines().toList()).hasSizeGreaterThan(2);
        assertThat(text.lines().skip(1).findFirst().orElseThrow()).isEqualTo("java.lang.IllegalStateException: the cause");
        assertThat(text).contains("at io.testbot.cli.LogSetupTest");
    }
}
