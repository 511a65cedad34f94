package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.BrokerHeartbeatRequest;
import io.runnel.proto.BrokerHeartbeatResponse;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.CreateTopicsResponse;
import io.runnel.proto.Endpoint;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.RegisterBrokerRequest;
import io.runnel.proto.RegisterBrokerResponse;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import io.runnel.common.config.ServerConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * A controller in a test: the image, applied by replaying each decision's records at the next offset,
 * a heartbeat tracker, a manual clock and a seeded random generator. Not thread-safe.
 */
final class ControllerFixture {

    static final String CLUSTER_ID = "test-cluster";
    static final long SESSION_TIMEOUT_MS = 9_000;

    final QuorumControllerLogic logic = new QuorumControllerLogic();
    final BrokerHeartbeatTracker tracker = new BrokerHeartbeatTracker(SESSION_TIMEOUT_MS);
    final Random random;
    final Map<String, String> clusterDefaults = new HashMap<>();
    final Map<Integer, Long> brokerEpochs = new HashMap<>();
    /** Every record applied, in order: the metadata log of this controller. */
    final List<MetadataRecord> log = new ArrayList<>();
    MetadataImage image = MetadataImage.EMPTY;
    long nowMs = 1_000_000;

    ControllerFixture(long seed) {
        this.random = new Random(seed);
    }

    ControllerFixture() {
        this(42);
    }

    /** A context with the settings of {@link #clusterDefaults} (server keys, as in a node's file), parsed and checked. */
    ControllerContext ctx() {
        return new ControllerContext(nowMs, random, ServerConfig.parse(clusterDefaults));
    }

    long nextOffset() {
        return image.offset() + 1;
    }

    /** Commits the decision's records (if any) at the next offset and returns its response. */
    <T> T apply(ControllerResult<T> result) {
        if (!result.records().isEmpty()) {
            MetadataDelta delta = new MetadataDelta(image);
            delta.replayAll(result.records());
            image = delta.apply(nextOffset());
            log.addAll(result.records());
        }
        return result.response();
    }

    static UUID incarnation(int brokerId) {
        return new UUID(0xB0, brokerId);
    }

    RegisterBrokerRequest registration(int id, String rack) {
        return RegisterBrokerRequest.newBuilder().setBrokerId(id).setClusterId(CLUSTER_ID)
                .setIncarnationId(incarnation(id).toString()).setRack(rack == null ? "" : rack)
                .addListeners(Endpoint.newBuilder().setListener("PLAINTEXT").setHost("localhost").setPort(9000 + id))
                .build();
    }

    /** Registers the broker and heartbeats it until it is unfenced. */
    void addBroker(int id, String rack) {
        RegisterBrokerResponse registered = apply(logic.registerBroker(image, registration(id, rack), CLUSTER_ID,
                nextOffset(), tracker, ctx()));
        assertThat(registered.getError()).isEqualTo(ErrorCode.NONE);
        brokerEpochs.put(id, registered.getBrokerEpoch());
        BrokerHeartbeatResponse heartbeat = heartbeat(id, image.offset(), false);
        assertThat(heartbeat.getIsFenced()).isFalse();
    }

    void addBrokers(int... ids) {
        for (int id : ids) {
            addBroker(id, null);
        }
    }

    BrokerHeartbeatResponse heartbeat(int id, long appliedOffset, boolean wantShutDown) {
        return apply(logic.brokerHeartbeat(image, BrokerHeartbeatRequest.newBuilder().setBrokerId(id)
                .setBrokerEpoch(brokerEpochs.get(id)).setCurrentMetadataOffset(appliedOffset)
                .setWantShutDown(wantShutDown).build(), tracker, ctx()));
    }

    CreateTopicsResponse createTopics(CreatableTopic... topics) {
        CreateTopicsRequest.Builder request = CreateTopicsRequest.newBuilder();
        for (CreatableTopic topic : topics) {
            request.addTopics(topic);
        }
        return apply(logic.createTopics(image, request.build(), ctx()));
    }

    static CreatableTopic topic(String name, int partitions, int replicationFactor) {
        return CreatableTopic.newBuilder().setName(name).setNumPartitions(partitions)
                .setReplicationFactor(replicationFactor).build();
    }

    TopicImage createTopic(String name, int partitions, int replicationFactor) {
        CreateTopicsResponse response = createTopics(topic(name, partitions, replicationFactor));
        assertThat(response.getTopics(0).getError()).as(response.getTopics(0).getErrorMessage()).isEqualTo(ErrorCode.NONE);
        return image.topics().getTopic(name);
    }

    PartitionRegistration partition(String topic, int partition) {
        return image.topics().getTopic(topic).partition(partition);
    }
}
