package io.runnel.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.client.admin.AdminConfig;
import io.runnel.client.consumer.ConsumerConfig;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.common.config.ConfigException;
import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Unknown client settings are refused all at once, each with a hint. */
class UnknownSettingsTest {

    private static Map<String, Object> producerBase() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", "localhost:9092");
        props.put("key.serializer", "io.runnel.client.serialization.StringSerializer");
        props.put("value.serializer", "io.runnel.client.serialization.StringSerializer");
        return props;
    }

    @Test
    void everyUnknownProducerKeyIsNamedInOneError() {
        Map<String, Object> props = producerBase();
        props.put("lingerr.ms", "5");
        props.put("transactional.id", "tx-1");
        props.put("security.protocol", "SASL_SSL");
        props.put("sasl.mechanism", "PLAIN");
        props.put("ssl.truststore.location", "/tmp/x.jks");
        props.put("frobnicate", "yes");
        ConfigException error = (ConfigException) catchConfig(() -> new ProducerConfig(props));
        assertThat(error.code()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(error.getMessage()).isEqualTo("unknown configurations 'frobnicate', 'lingerr.ms' (did you mean"
                + " 'linger.ms'?), 'sasl.mechanism' (SASL authentication is not built yet: clients speak plaintext"
                + " gRPC), 'security.protocol' (TLS and authentication are not built yet: clients speak plaintext"
                + " gRPC), 'ssl.truststore.location' (TLS is not built yet: clients speak plaintext gRPC),"
                + " 'transactional.id' (transactions are not built yet; the idempotent producer is)");
    }

    @Test
    void oneUnknownKeyKeepsTheSingularWording() {
        Map<String, Object> consumer = new HashMap<>(Map.of("bootstrap.servers", "localhost:9092",
                "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer", "group.idd", "g"));
        assertThat(catchConfig(() -> new ConsumerConfig(consumer)).getMessage())
                .isEqualTo("unknown configuration 'group.idd' (did you mean 'group.id'?)");
        Map<String, Object> admin = Map.of("bootstrap.servers", "localhost:9092", "acks", "all");
        assertThat(catchConfig(() -> new AdminConfig(admin)).getMessage()).isEqualTo("unknown configuration 'acks'");
    }

    @Test
    void unknownKeysAreReportedBeforeMissingRequiredOnes() {
        // A program ported from Kafka learns every key to change in one run, even with required keys absent.
        Map<String, Object> props = Map.of("transactional.id", "tx", "client.dns.lookup", "use_all_dns_ips");
        assertThat(catchConfig(() -> new ProducerConfig(props)).getMessage())
                .startsWith("unknown configurations 'client.dns.lookup' (gRPC resolves names")
                .contains("'transactional.id' (transactions are not built yet");
    }

    @Test
    void editDistanceIsBounded() {
        assertThat(UnknownSettings.distance("linger.ms", "linger.ms", 2)).isZero();
        assertThat(UnknownSettings.distance("lingerr.ms", "linger.ms", 2)).isEqualTo(1);
        assertThat(UnknownSettings.distance("acks", "batch.size", 2)).isEqualTo(3);
        assertThat(UnknownSettings.distance("retires", "retries", 2)).isEqualTo(2);
    }

    private static ApiException catchConfig(Runnable construct) {
        try {
            construct.run();
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("no ConfigException");
    }

    @Test
    void aConfigExceptionIsAnApiException() {
        assertThatThrownBy(() -> new ProducerConfig(Map.of("bootstrap.servers", "x:1", "nope", 1)))
                .isInstanceOf(ApiException.class);
    }
}
