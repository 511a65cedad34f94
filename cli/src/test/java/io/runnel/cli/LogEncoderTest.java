package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The log line formats RUNNEL_LOG_FORMAT selects (docs/operations.md, "Logs"): JSON, one object per line
 * with the state-change lines' key-value pairs as fields a pipeline can read; text by default and for any
 * value that is not a format.
 */
class LogEncoderTest {

    private final LoggerContext context = newContext();
    private final Logger logger = context.getLogger("io.runnel.metadata.server.StateChangeLog");

    private static LoggerContext newContext() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        return context;
    }

    private LoggingEvent brokerFenced() {
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO,
                "broker {} fenced (metadata offset {})\nsecond line", null, new Object[] {7, 42});
        event.addKeyValuePair(new KeyValuePair("event", "broker_fenced"));
        event.addKeyValuePair(new KeyValuePair("broker", 7));
        event.addKeyValuePair(new KeyValuePair("offset", 42L));
        return event;
    }

    private String encode(String format, LoggingEvent event) {
        LogEncoder encoder = new LogEncoder();
        encoder.setContext(context);
        encoder.setPattern("%level %logger{0} - %msg%n");
        encoder.setFormat(format);
        encoder.start();
        try {
            return new String(encoder.encode(event), StandardCharsets.UTF_8);
        } finally {
            encoder.stop();
        }
    }

    @Test
    void jsonWritesOneObjectPerLineWithTheKeyValuePairsAsFields() throws Exception {
        String line = encode("json", brokerFenced());

        assertThat(line).endsWith("\n");
        assertThat(line.strip()).doesNotContain("\n");
        JsonNode json = JsonMapper.builder().build().readTree(line);
        assertThat(json.get("level").asString()).isEqualTo("INFO");
        assertThat(json.get("loggerName").asString()).isEqualTo("io.runnel.metadata.server.StateChangeLog");
        assertThat(json.get("formattedMessage").asString()).isEqualTo("broker 7 fenced (metadata offset 42)\nsecond line");
        assertThat(json.get("timestamp").asLong()).isPositive();
        Map<String, String> fields = new HashMap<>();
        json.get("kvpList").forEach(pair -> pair.properties().forEach(f -> fields.put(f.getKey(), f.getValue().asString())));
        assertThat(fields).containsExactlyInAnyOrderEntriesOf(Map.of("event", "broker_fenced", "broker", "7", "offset", "42"));
    }

    @Test
    void textIsTheDefaultAndUsesThePattern() {
        assertThat(encode(null, brokerFenced())).isEqualTo("INFO StateChangeLog - broker 7 fenced (metadata offset 42)\nsecond line\n");
        assertThat(encode(" Text ", brokerFenced())).startsWith("INFO StateChangeLog - broker 7");
    }

    @Test
    void aValueThatIsNotAFormatLogsText() {
        assertThat(LogEncoder.isJson(" JSON ")).isTrue();
        assertThat(LogEncoder.isJson("jsno")).isFalse();
        assertThat(encode("jsno", brokerFenced())).startsWith("INFO StateChangeLog - broker 7");
    }
}
