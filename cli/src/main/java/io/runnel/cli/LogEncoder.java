package io.runnel.cli;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.util.Locale;

/**
 * The encoder of Runnel's log lines, in the format {@code RUNNEL_LOG_FORMAT} asks for: {@code text} (the
 * default: logback.xml's pattern, one line per event for people) or {@code json} (one JSON object per
 * line for log pipelines: timestamp, level, threadName, loggerName, formattedMessage, the key-value pairs
 * of the state-change lines as {@code kvpList}, and any throwable; docs/operations.md). Any other value
 * is reported on standard error and text is used, so a typo never silences the logs.
 *
 * <p>Thread-safety: configured and started once by logback; encoding is as thread-safe as the delegate
 * (logback's own encoders, called under the appender's lock).
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {

    public static final String ENV = "RUNNEL_LOG_FORMAT";

    private String pattern = "%msg%n";
    private String format = System.getenv(ENV);
    private Encoder<ILoggingEvent> delegate;

    /** The text format's pattern (logback's PatternLayout syntax). */
    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    /** The format, instead of the environment's RUNNEL_LOG_FORMAT (for tests). */
    void setFormat(String format) {
        this.format = format;
    }

    /** True when {@code format} (RUNNEL_LOG_FORMAT's value) selects JSON; a value that is neither text nor json is reported. */
    static boolean isJson(String format) {
        if (format == null || format.isBlank()) {
            return false;
        }
        String normalized = format.trim().toLowerCase(Locale.ROOT);
        if (!normalized.equals("text") && !normalized.equals("json")) {
            System.err.println("runnel: " + ENV + "=" + format + " is not a log format (text or json); logging as text");
        }
        return normalized.equals("json");
    }

    @Override
    public void start() {
        if (isJson(format)) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithFormattedMessage(true);
            delegate = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(pattern);
            delegate = text;
        }
        delegate.setContext(getContext());
        delegate.start();
        super.start();
    }

    @Override
    public void stop() {
        if (delegate != null) {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return delegate.encode(event);
    }

    @Override
    public byte[] footerBytes() {
        return delegate.footerBytes();
    }
}
