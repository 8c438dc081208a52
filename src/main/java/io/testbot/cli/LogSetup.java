package io.testbot.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;

/**
 * Logback's configuration, in code (found by logback through the ServiceLoader): lines such as
 * "12:04:31.145 INFO  [Runner] registered with …" on standard error, INFO and up (or the level in the system
 * property testbot.log.level), the libraries' chatter from WARN. The same as a logback.xml would say, but reading
 * one took 130-160 ms of every start that logs (the XML parser, Joran's model, PatternLayout's converters), on
 * the path of local mode's first spec and of a runner's start. A configuration file given with
 * -Dlogback.configurationFile, or a logback-test.xml on the classpath, is read instead, as logback would.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String LEVEL_PROPERTY = "testbot.log.level";
    private static final List<String> CHATTY = List.of("org.eclipse.jetty", "io.javalin", "org.flywaydb", "com.zaxxer.hikari");

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        Line layout = new Line();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("STDERR");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getProperty(LEVEL_PROPERTY), Level.INFO));
        root.addAppender(appender);
        for (String library : CHATTY) context.getLogger(library).setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** "HH:mm:ss.SSS LEVEL [SimpleLoggerName] message", then the stack trace of a throwable. */
    static final class Line extends LayoutBase<ILoggingEvent> {
        private final ZoneId zone = ZoneId.systemDefault();

        @Override
        public String doLayout(ILoggingEvent event) {
            LocalTime time = LocalTime.ofInstant(Instant.ofEpochMilli(event.getTimeStamp()), zone);
            StringBuilder line = new StringBuilder(128);
            digits(line, time.getHour(), 2).append(':');
            digits(line, time.getMinute(), 2).append(':');
            digits(line, time.getSecond(), 2).append('.');
            digits(line, time.getNano() / 1_000_000, 3).append(' ');
            String level = event.getLevel().toString();
            line.append(level).append(" ".repeat(Math.max(0, 5 - level.length())));
            String logger = event.getLoggerName();
            line.append(" [").append(logger, logger.lastIndexOf('.') + 1, logger.length()).append("] ")
                    .append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) line.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
            return line.toString();
        }

        private static StringBuilder digits(StringBuilder line, int value, int width) {
            String text = Integer.toString(value);
            for (int i = text.length(); i < width; i++) line.append('0');
            return line.append(text);
        }
    }
}
