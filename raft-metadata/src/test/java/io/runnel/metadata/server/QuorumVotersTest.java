package io.runnel.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuorumVotersTest {

    @Test
    void parsesKafkaSyntax() {
        QuorumVoters voters = QuorumVoters.parse("1@localhost:9093, 2@10.0.0.2:9093,3@[::1]:9095");
        assertThat(voters.size()).isEqualTo(3);
        assertThat(voters.voter(1)).contains(new QuorumVoters.Voter(1, "localhost", 9093));
        assertThat(voters.voter(2).orElseThrow().ratisPort()).isEqualTo(9094);
        assertThat(voters.voter(3).orElseThrow().host()).isEqualTo("::1");
        assertThat(voters.toString()).isEqualTo("1@localhost:9093,2@10.0.0.2:9093,3@::1:9095");
    }

    @Test
    void rejectsMalformedEntriesNamingThem() {
        assertThatThrownBy(() -> QuorumVoters.parse("1@host:9093,2host:9093"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("controller.quorum.voters")
                .hasMessageContaining("'2host:9093'");
        assertThatThrownBy(() -> QuorumVoters.parse("x@host:9093"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("node id 'x'");
        assertThatThrownBy(() -> QuorumVoters.parse("1@host:port"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("port 'port'");
        assertThatThrownBy(() -> QuorumVoters.parse("1@host:65535"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("port + 1");
        assertThatThrownBy(() -> QuorumVoters.parse("1@:9093"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'1@:9093'");
        assertThatThrownBy(() -> QuorumVoters.parse("1@host:9093,"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("entry ''");
        assertThatThrownBy(() -> QuorumVoters.parse(""))
                .isInstanceOf(ConfigException.class).hasMessageContaining("expected a list");
        assertThatThrownBy(() -> QuorumVoters.parse("-1@host:9093"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must be >= 0");
    }

    @Test
    void rejectsDuplicates() {
        assertThatThrownBy(() -> QuorumVoters.parse("1@a:9093,1@b:9093"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("node id 1 appears twice");
        assertThatThrownBy(() -> QuorumVoters.parse("1@a:9093,2@a:9093"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("share the address a:9093");
        assertThatThrownBy(() -> QuorumVoters.of(List.of(new QuorumVoters.Voter(1, "a", 1),
                new QuorumVoters.Voter(1, "b", 2))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("appears twice");
    }

    @Test
    void rejectsTooManyVoters() {
        assertThatThrownBy(() -> QuorumVoters.parse("1@a:1,2@a:3,3@a:5,4@a:7,5@a:9,6@a:11,7@a:13,8@a:15"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at most 7");
    }

    @Test
    void configRejectsNodeOutsideTheVoters() {
        assertThatThrownBy(() -> ControllerConfig.builder(4, "c", QuorumVoters.parse("1@a:9093"),
                java.nio.file.Path.of("/tmp/x")).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("node.id");
        // The relation names the two keys a user sets, with their values.
        assertThatThrownBy(() -> ControllerConfig.builder(1, "c", QuorumVoters.parse("1@a:9093"),
                java.nio.file.Path.of("/tmp/x")).electionTimeoutMs(1000).brokerSessionTimeoutMs(2000)
                .set(io.runnel.common.config.ServerSettings.BROKER_HEARTBEAT_INTERVAL_MS, 500).build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("broker.session.timeout.ms=2000").hasMessageContaining("controller.quorum.election.timeout.ms=1000");
        assertThatThrownBy(() -> ControllerConfig.builder(1, "c", QuorumVoters.parse("1@a:9093"),
                java.nio.file.Path.of("/tmp/x")).electionTimeoutMs(10).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("controller.quorum.election.timeout.ms");
    }
}
