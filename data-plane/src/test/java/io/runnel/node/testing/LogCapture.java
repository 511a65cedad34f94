package io.runnel.node.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import org.slf4j.LoggerFactory;

/**
 * Collects the log lines a test must never see: ERROR through SLF4J (logback), and SEVERE or
 * protobuf's WARNING through java.util.logging, which gRPC and protobuf use (gRPC logs "Exception while
 * executing runnable" as SEVERE; protobuf warns "Converting ill-formed UTF-16"). Attach before the code
 * under test runs, {@link #close()} after. Keeps at most {@value #KEPT_MAX} lines. Thread-safe.
 */
public final class LogCapture implements AutoCloseable {

    /** Lines kept at most; a flood of errors needs only its first few to be diagnosed. */
    public static final int KEPT_MAX = 100;

    private final List<String> lines = new ArrayList<>();
    private final AppenderBase<ILoggingEvent> appender;
    private final Handler julHandler;
    private final Logger root;
    private int seen;

    private LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
                    String stack = event.getThrowableProxy() == null ? ""
                            : "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
                    keep("ERROR " + event.getLoggerName() + " [" + event.getThreadName() + "]: "
                            + event.getFormattedMessage() + stack);
                }
            }
        };
        appender.setContext(context);
        appender.setName("log-capture");
        appender.start();
        root.addAppender(appender);
        julHandler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                boolean severe = record.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue();
                boolean protobufWarning = record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()
                        && record.getLoggerName() != null && record.getLoggerName().startsWith("com.google.protobuf");
                if (severe || protobufWarning) {
                    keep(record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage()
                            + (record.getThrown() == null ? "" : " " + record.getThrown()));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        LogManager.getLogManager().getLogger("").addHandler(julHandler);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    private synchronized void keep(String line) {
        seen++;
        if (lines.size() < KEPT_MAX) {
            lines.add(line);
        }
    }

    /** The lines captured so far (at most {@value #KEPT_MAX}). */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** How many lines were captured, kept or not. */
    public synchronized int count() {
        return seen;
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
        LogManager.getLogManager().getLogger("").removeHandler(julHandler);
    }
}
