package io.runnel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.client.admin.AdminConfig;
import io.runnel.client.consumer.ConsumerConfig;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.common.config.ConfigException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ConfigValidationTest {

    private static Map<String, Object> base() {
        Map<String, Object> map = new HashMap<>();
        map.put("bootstrap.servers", "localhost:9092");
        return map;
    }

    @Test
    void producerDefaultsAreKafkas() {
        ProducerConfig config = new ProducerConfig(base());
        assertThat(config.acks()).isEqualTo(-1);
        assertThat(config.getInt("batch.size")).isEqualTo(16384);
        assertThat(config.getLong("linger.ms")).isEqualTo(5L);
        assertThat(config.getLong("buffer.memory")).isEqualTo(33554432L);
        assertThat(config.getLong("max.block.ms")).isEqualTo(60000L);
        assertThat(config.getInt("max.in.flight.requests.per.connection")).isEqualTo(5);
        assertThat(config.getInt("request.timeout.ms")).isEqualTo(30000);
        assertThat(config.getLong("retry.backoff.ms")).isEqualTo(100L);
        assertThat(config.getInt("delivery.timeout.ms")).isEqualTo(120000);
        assertThat(config.getLong("metadata.max.age.ms")).isEqualTo(300000L);
        assertThat(config.getInt("max.request.size")).isEqualTo(1048576);
        assertThat(config.getString("compression.type")).isEqualTo("none");
        assertThat(config.getBoolean("enable.idempotence")).isTrue();
        assertThat(config.idempotenceEnabled()).isTrue();
        assertThat(config.getString("acks")).isEqualTo("all");
        assertThat(config.getInt("max.in.flight.requests.per.connection")).isEqualTo(5);
        assertThat(config.getList("interceptor.classes")).isEmpty();
    }

    @Test
    void consumerDefaultsAreKafkas() {
        ConsumerConfig config = new ConsumerConfig(base());
        assertThat(config.getString("auto.offset.reset")).isEqualTo("latest");
        assertThat(config.getInt("fetch.min.bytes")).isEqualTo(1);
        assertThat(config.getInt("fetch.max.wait.ms")).isEqualTo(500);
        assertThat(config.getInt("fetch.max.bytes")).isEqualTo(52428800);
        assertThat(config.getInt("max.partition.fetch.bytes")).isEqualTo(1048576);
        assertThat(config.getInt("max.poll.records")).isEqualTo(500);
        assertThat(config.getString("isolation.level")).isEqualTo("read_uncommitted");
        assertThat(config.getBoolean("check.crcs")).isTrue();
    }

    @Test
    void unknownKeysAreRejectedByName() {
        Map<String, Object> props = base();
        props.put("lingerr.ms", "5");
        assertThatThrownBy(() -> new ProducerConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("lingerr.ms");
        Map<String, Object> consumer = base();
        consumer.put("group.idd", "g");
        assertThatThrownBy(() -> new ConsumerConfig(consumer)).hasMessageContaining("group.idd");
        Map<String, Object> admin = base();
        admin.put("acks", "1");
        assertThatThrownBy(() -> new AdminConfig(admin)).hasMessageContaining("acks");
    }

    @Test
    void badValuesNameKeyAndValue() {
        Map<String, Object> props = base();
        props.put("acks", "2");
        assertThatThrownBy(() -> new ProducerConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("acks").hasMessageContaining("'2'");
        Map<String, Object> batch = base();
        batch.put("batch.size", "lots");
        assertThatThrownBy(() -> new ProducerConfig(batch)).hasMessageContaining("batch.size")
                .hasMessageContaining("lots");
        Map<String, Object> reset = base();
        reset.put("auto.offset.reset", "smallest");
        assertThatThrownBy(() -> new ConsumerConfig(reset)).hasMessageContaining("auto.offset.reset")
                .hasMessageContaining("smallest");
        Map<String, Object> codec = base();
        codec.put("compression.type", "brotli");
        assertThatThrownBy(() -> new ProducerConfig(codec)).hasMessageContaining("compression.type")
                .hasMessageContaining("brotli");
    }

    @Test
    void bootstrapServersIsRequiredAndChecked() {
        assertThatThrownBy(() -> new ProducerConfig(Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("bootstrap.servers");
        assertThatThrownBy(() -> new ProducerConfig(Map.of("bootstrap.servers", "localhost")))
                .hasMessageContaining("bootstrap.servers").hasMessageContaining("host:port");
        assertThatThrownBy(() -> new AdminConfig(Map.of("bootstrap.servers", "localhost:99999")))
                .hasMessageContaining("bootstrap.servers").hasMessageContaining("99999");
        assertThat(new AdminConfig(Map.of("bootstrap.servers", "a:1, b:2")).getList("bootstrap.servers"))
                .containsExactly("a:1", "b:2");
    }

    @Test
    void idempotenceSetExplicitlyWithConflictingSettingsIsAnErrorNamingBothKeys() {
        for (Object[] conflict : new Object[][] {{"acks", "1", "acks=all"}, {"acks", "0", "acks=all"},
                {"max.in.flight.requests.per.connection", 6, "max.in.flight.requests.per.connection <= 5"},
                {"retries", 0, "retries > 0"}}) {
            Map<String, Object> props = base();
            props.put("enable.idempotence", "true");
            props.put((String) conflict[0], conflict[1]);
            assertThatThrownBy(() -> new ProducerConfig(props)).as("%s", conflict[0]).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("enable.idempotence=true").hasMessageContaining((String) conflict[2])
                    .hasMessageContaining((String) conflict[0]);
        }
    }

    @Test
    void idempotenceLeftAtItsDefaultGivesWayToConflictingSettingsAsInKafka() {
        Map<String, Object> props = base();
        props.put("acks", "1");
        assertThat(new ProducerConfig(props).idempotenceEnabled()).isFalse();
        Map<String, Object> inFlight = base();
        inFlight.put("max.in.flight.requests.per.connection", 10);
        assertThat(new ProducerConfig(inFlight).idempotenceEnabled()).isFalse();
        Map<String, Object> off = base();
        off.put("enable.idempotence", false);
        assertThat(new ProducerConfig(off).idempotenceEnabled()).isFalse();
        Map<String, Object> explicit = base();
        explicit.put("enable.idempotence", "true");
        explicit.put("max.in.flight.requests.per.connection", 5);
        assertThat(new ProducerConfig(explicit).idempotenceEnabled()).isTrue();
    }

    @Test
    void limitsMustBeConsistent() {
        Map<String, Object> props = base();
        props.put("delivery.timeout.ms", 1000);
        props.put("request.timeout.ms", 5000);
        assertThatThrownBy(() -> new ProducerConfig(props)).hasMessageContaining("delivery.timeout.ms")
                .hasMessageContaining("linger.ms + request.timeout.ms");
        Map<String, Object> consumer = base();
        consumer.put("fetch.max.wait.ms", 40000);
        assertThatThrownBy(() -> new ConsumerConfig(consumer)).hasMessageContaining("fetch.max.wait.ms");
    }

    @Test
    void serializersMayBeNamedByClassOrPassedAsInstances() {
        Properties props = new Properties();
        props.put("bootstrap.servers", "127.0.0.1:1");
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class);
        props.put("max.block.ms", "1");
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(props)) {
            assertThat(producer.clientId()).startsWith("producer-");
        }
        Map<String, Object> missing = base();
        assertThatThrownBy(() -> new RunnelProducer<String, String>(missing))
                .isInstanceOf(ConfigException.class).hasMessageContaining("key.serializer");
        Map<String, Object> wrong = base();
        wrong.put("key.serializer", String.class.getName());
        wrong.put("value.serializer", StringSerializer.class.getName());
        assertThatThrownBy(() -> new RunnelProducer<String, String>(wrong))
                .isInstanceOf(ConfigException.class).hasMessageContaining("key.serializer")
                .hasMessageContaining("java.lang.String");
    }
}
