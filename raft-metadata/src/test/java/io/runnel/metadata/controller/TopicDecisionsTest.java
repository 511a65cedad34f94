package io.runnel.metadata.controller;

import static io.runnel.metadata.controller.ControllerFixture.topic;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatableTopicResult;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.CreatePartitionsTopicResult;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DeleteTopicsResponse;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReplicaAssignment;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TopicDecisionsTest {

    private final ControllerFixture fixture = new ControllerFixture();

    private CreatableTopicResult createOne(CreatableTopic topic) {
        return fixture.createTopics(topic).getTopics(0);
    }

    private static ReplicaAssignment assignment(int partition, Integer... brokers) {
        return ReplicaAssignment.newBuilder().setPartition(partition).addAllBrokerIds(List.of(brokers)).build();
    }

    @Test
    void createTopicWritesTopicPartitionsAndConfigs() {
        fixture.addBrokers(1, 2, 3);
        var result = fixture.logic.createTopics(fixture.image, CreateTopicsRequest.newBuilder()
                .addTopics(topic("orders", 3, 2).toBuilder().putConfigs("retention.ms", "1000")).build(), fixture.ctx());

        assertThat(result.records()).extracting(MetadataRecord::getRecordCase).containsExactly(
                MetadataRecord.RecordCase.TOPIC, MetadataRecord.RecordCase.PARTITION, MetadataRecord.RecordCase.PARTITION,
                MetadataRecord.RecordCase.PARTITION, MetadataRecord.RecordCase.CONFIG);
        CreatableTopicResult response = fixture.apply(result).getTopics(0);
        assertThat(response.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(response.getNumPartitions()).isEqualTo(3);
        assertThat(response.getReplicationFactor()).isEqualTo(2);

        TopicImage orders = fixture.image.topics().getTopic("orders");
        assertThat(orders.id()).isEqualTo(UUID.fromString(response.getTopicId()));
        assertThat(orders.id().version()).isEqualTo(4);
        assertThat(fixture.image.configs().topicConfigs("orders")).containsExactly(Map.entry("retention.ms", "1000"));
        for (PartitionRegistration partition : orders.partitions().values()) {
            assertThat(partition.replicas()).hasSize(2).doesNotHaveDuplicates();
            assertThat(partition.isr()).isEqualTo(partition.replicas());
            assertThat(partition.leader()).isEqualTo(partition.replicas().get(0));
            assertThat(partition.leaderEpoch()).isZero();
        }
    }

    @Test
    void defaultsComeFromTheClusterSettings() {
        fixture.addBrokers(1, 2);
        fixture.clusterDefaults.put(io.runnel.common.config.ServerSettings.NUM_PARTITIONS.key(), "4");
        fixture.clusterDefaults.put(io.runnel.common.config.ServerSettings.DEFAULT_REPLICATION_FACTOR.key(), "2");

        CreatableTopicResult result = createOne(topic("orders", -1, -1));

        assertThat(result.getNumPartitions()).isEqualTo(4);
        assertThat(result.getReplicationFactor()).isEqualTo(2);
        assertThat(fixture.image.topics().getTopic("orders").partitions()).hasSize(4);
    }

    @Test
    void topicIdsAreDrawnFromTheContextsRandomGenerator() {
        ControllerFixture other = new ControllerFixture();
        fixture.addBrokers(1);
        other.addBrokers(1);
        assertThat(fixture.createTopic("orders", 1, 1).id()).isEqualTo(other.createTopic("orders", 1, 1).id());
    }

    @Test
    void badTopicsGetPerTopicErrorsNamingTheValue() {
        fixture.addBrokers(1, 2);
        fixture.createTopic("orders", 1, 1);
        MetadataImage before = fixture.image;

        var response = fixture.logic.createTopics(fixture.image, CreateTopicsRequest.newBuilder()
                .addTopics(topic("bad name", 1, 1))
                .addTopics(topic("orders", 1, 1))
                .addTopics(topic("twice", 1, 1)).addTopics(topic("twice", 1, 1))
                .addTopics(topic("zero", 0, 1))
                .addTopics(topic("huge", ControllerLimits.PARTITIONS_PER_TOPIC_MAX + 1, 1))
                .addTopics(topic("wide", 1, 3))
                .addTopics(topic("rf0", 1, 0))
                .addTopics(topic("conf", 1, 1).toBuilder().putConfigs("retention.ms", "soon"))
                .addTopics(topic("unknown-key", 1, 1).toBuilder().putConfigs("retention.mss", "1"))
                .addTopics(topic("ok", 1, 1))
                .build(), fixture.ctx());

        var topics = response.response().getTopicsList();
        assertThat(topics).extracting(CreatableTopicResult::getError).containsExactly(
                ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.INVALID_REQUEST,
                ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_PARTITIONS, ErrorCode.INVALID_PARTITIONS,
                ErrorCode.INVALID_REPLICATION_FACTOR, ErrorCode.INVALID_REPLICATION_FACTOR, ErrorCode.INVALID_CONFIG,
                ErrorCode.INVALID_CONFIG, ErrorCode.NONE);
        assertThat(topics.get(0).getErrorMessage()).contains("bad name");
        assertThat(topics.get(1).getErrorMessage()).isEqualTo("topic 'orders' already exists");
        assertThat(topics.get(4).getErrorMessage()).contains("not 0");
        assertThat(topics.get(5).getErrorMessage()).contains("10001").contains("10000");
        assertThat(topics.get(6).getErrorMessage()).isEqualTo("replication factor 3 is larger than the 2 available brokers");
        assertThat(topics.get(8).getErrorMessage()).contains("retention.ms").contains("soon");
        assertThat(topics.get(9).getErrorMessage()).contains("retention.mss");
        // Only the good topic produced records.
        fixture.apply(response);
        assertThat(fixture.image.topics().topicsByName()).containsOnlyKeys("orders", "ok");
        assertThat(before.topics().topicsByName()).containsOnlyKeys("orders");
    }

    @Test
    void namesThatCollideInMetricsAreRejected() {
        fixture.addBrokers(1);
        fixture.createTopic("a.b", 1, 1);

        CreatableTopicResult result = createOne(topic("a_b", 1, 1));

        assertThat(result.getError()).isEqualTo(ErrorCode.INVALID_TOPIC_EXCEPTION);
        assertThat(result.getErrorMessage()).contains("'a_b' collides with topic 'a.b'");
    }

    @Test
    void partitionsPerRequestAreBounded() {
        fixture.addBrokers(1);
        var response = fixture.logic.createTopics(fixture.image, CreateTopicsRequest.newBuilder()
                .addTopics(topic("first", 6_000, 1)).addTopics(topic("second", 6_000, 1)).build(), fixture.ctx());

        assertThat(response.response().getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(response.response().getTopics(1).getError()).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(response.response().getTopics(1).getErrorMessage()).contains("new partitions per request");
    }

    @Test
    void validateOnlyWritesNothing() {
        fixture.addBrokers(1);
        var result = fixture.logic.createTopics(fixture.image, CreateTopicsRequest.newBuilder()
                .addTopics(topic("orders", 2, 1)).setValidateOnly(true).build(), fixture.ctx());

        assertThat(result.records()).isEmpty();
        assertThat(result.response().getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(result.response().getTopics(0).getNumPartitions()).isEqualTo(2);
    }

    @Test
    void fencedAndShuttingDownBrokersReceiveNoReplicas() {
        fixture.addBrokers(1, 2, 3);
        fixture.nowMs += ControllerFixture.SESSION_TIMEOUT_MS + 1;
        fixture.heartbeat(1, fixture.image.offset(), false);
        fixture.heartbeat(2, fixture.image.offset(), true);
        fixture.apply(fixture.logic.fenceStaleBrokers(fixture.image, fixture.tracker, fixture.ctx()));

        assertThat(createOne(topic("wide", 1, 2)).getErrorMessage())
                .isEqualTo("replication factor 2 is larger than the 1 available brokers");
        TopicImage topic = fixture.createTopic("orders", 5, 1);
        assertThat(topic.partitions().values()).allSatisfy(p -> assertThat(p.replicas()).containsExactly(1));
    }

    @Test
    void explicitAssignmentIsUsedAndValidated() {
        fixture.addBrokers(1, 2, 3);
        CreatableTopic.Builder good = CreatableTopic.newBuilder().setName("orders").setNumPartitions(-1)
                .setReplicationFactor(-1).addAssignments(assignment(1, 3, 1)).addAssignments(assignment(0, 2, 3));
        assertThat(createOne(good.build()).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fixture.partition("orders", 0).replicas()).containsExactly(2, 3);
        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(2);
        assertThat(fixture.partition("orders", 1).replicas()).containsExactly(3, 1);

        Map<CreatableTopic, String> bad = Map.of(
                explicit("gap", assignment(0, 1), assignment(2, 2)), "partition 2 is outside 0..1",
                explicit("twice", assignment(0, 1), assignment(0, 2)), "partition 0 is assigned twice",
                explicit("empty", assignment(0)), "partition 0 has no replicas",
                explicit("dup", assignment(0, 1, 1)), "lists a broker twice in [1, 1]",
                explicit("rf", assignment(0, 1, 2), assignment(1, 3)), "partition 1 has 1 replicas, not 2",
                explicit("ghost", assignment(0, 1, 7)), "names broker 7, which is not registered");
        bad.forEach((topic, message) -> {
            CreatableTopicResult result = createOne(topic);
            assertThat(result.getError()).as(topic.getName()).isEqualTo(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
            assertThat(result.getErrorMessage()).as(topic.getName()).contains(message).contains(topic.getName());
        });
        CreatableTopicResult mixed = createOne(explicit("mixed", assignment(0, 1)).toBuilder().setNumPartitions(1).build());
        assertThat(mixed.getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    private static CreatableTopic explicit(String name, ReplicaAssignment... assignments) {
        return CreatableTopic.newBuilder().setName(name).setNumPartitions(-1).setReplicationFactor(-1)
                .addAllAssignments(List.of(assignments)).build();
    }

    @Test
    void explicitAssignmentOnFencedBrokersLeavesThemOutOfTheIsr() {
        fixture.addBrokers(1, 2);
        fixture.nowMs += ControllerFixture.SESSION_TIMEOUT_MS + 1;
        fixture.heartbeat(1, fixture.image.offset(), false);
        fixture.apply(fixture.logic.fenceStaleBrokers(fixture.image, fixture.tracker, fixture.ctx()));

        assertThat(createOne(explicit("orders", assignment(0, 2, 1))).getError()).isEqualTo(ErrorCode.NONE);
        PartitionRegistration p0 = fixture.partition("orders", 0);
        assertThat(p0.isr()).containsExactly(1);
        assertThat(p0.leader()).isEqualTo(1);

        CreatableTopicResult allFenced = createOne(explicit("dark", assignment(0, 2)));
        assertThat(allFenced.getError()).isEqualTo(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        assertThat(allFenced.getErrorMessage()).contains("fenced or shutting down");
    }

    @Test
    void deleteTopicsRemovesTopicsAndTheirConfigs() {
        fixture.addBrokers(1);
        fixture.createTopics(topic("orders", 2, 1).toBuilder().putConfigs("retention.ms", "5").build());
        UUID id = fixture.image.topics().getTopic("orders").id();

        var result = fixture.logic.deleteTopics(fixture.image, DeleteTopicsRequest.newBuilder()
                .addNames("orders").addNames("ghost").build(), fixture.ctx());

        assertThat(result.records()).extracting(MetadataRecord::getRecordCase)
                .containsExactly(MetadataRecord.RecordCase.CONFIG, MetadataRecord.RecordCase.REMOVE_TOPIC);
        assertThat(result.records().get(0).getConfig().hasValue()).isFalse();
        assertThat(result.records().get(1).getRemoveTopic().getTopicId()).isEqualTo(id.toString());
        DeleteTopicsResponse response = fixture.apply(result);
        assertThat(response.getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(response.getTopics(1).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(response.getTopics(1).getErrorMessage()).isEqualTo("topic 'ghost' does not exist");
        assertThat(fixture.image.topics().getTopic("orders")).isNull();
        assertThat(fixture.image.configs().resources()).isEmpty();

        var twice = fixture.logic.deleteTopics(fixture.image, DeleteTopicsRequest.newBuilder()
                .addNames("x").addNames("x").build(), fixture.ctx());
        assertThat(twice.response().getTopicsList()).allSatisfy(t -> assertThat(t.getError()).isEqualTo(ErrorCode.INVALID_REQUEST));
        assertThat(twice.records()).isEmpty();
    }

    private CreatePartitionsTopicResult createPartitions(CreatePartitionsTopic topic, boolean validateOnly) {
        return fixture.apply(fixture.logic.createPartitions(fixture.image, CreatePartitionsRequest.newBuilder()
                .addTopics(topic).setValidateOnly(validateOnly).build(), fixture.ctx())).getResults(0);
    }

    @Test
    void createPartitionsOnlyIncreases() {
        fixture.addBrokers(1, 2, 3);
        fixture.createTopic("orders", 2, 2);

        CreatePartitionsTopicResult fewer = createPartitions(CreatePartitionsTopic.newBuilder().setName("orders").setCount(1).build(), false);
        assertThat(fewer.getError()).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(fewer.getErrorMessage()).contains("has 2 partitions").contains("requested count 1");
        assertThat(createPartitions(CreatePartitionsTopic.newBuilder().setName("orders").setCount(2).build(), false)
                .getError()).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(createPartitions(CreatePartitionsTopic.newBuilder().setName("ghost").setCount(2).build(), false)
                .getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(createPartitions(CreatePartitionsTopic.newBuilder().setName("orders").setCount(20_000).build(), false)
                .getError()).isEqualTo(ErrorCode.INVALID_PARTITIONS);

        long offset = fixture.image.offset();
        assertThat(createPartitions(CreatePartitionsTopic.newBuilder().setName("orders").setCount(4).build(), true)
                .getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fixture.image.offset()).isEqualTo(offset);

        assertThat(createPartitions(CreatePartitionsTopic.newBuilder().setName("orders").setCount(5).build(), false)
                .getError()).isEqualTo(ErrorCode.NONE);
        TopicImage orders = fixture.image.topics().getTopic("orders");
        assertThat(orders.partitions()).containsOnlyKeys(0, 1, 2, 3, 4);
        assertThat(orders.partitions().values()).allSatisfy(p -> assertThat(p.replicas()).hasSize(2).doesNotHaveDuplicates());
    }

    @Test
    void createPartitionsWithExplicitAssignment() {
        fixture.addBrokers(1, 2, 3);
        fixture.createTopic("orders", 1, 2);

        CreatePartitionsTopicResult ok = createPartitions(CreatePartitionsTopic.newBuilder().setName("orders").setCount(3)
                .addAssignments(assignment(2, 1, 2)).addAssignments(assignment(1, 3, 1)).build(), false);
        assertThat(ok.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fixture.partition("orders", 1).replicas()).containsExactly(3, 1);
        assertThat(fixture.partition("orders", 2).replicas()).containsExactly(1, 2);

        CreatePartitionsTopicResult wrongRf = createPartitions(CreatePartitionsTopic.newBuilder().setName("orders")
                .setCount(4).addAssignments(assignment(3, 1)).build(), false);
        assertThat(wrongRf.getError()).isEqualTo(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        assertThat(wrongRf.getErrorMessage()).contains("has 1 replicas, not 2");
        CreatePartitionsTopicResult tooFew = createPartitions(CreatePartitionsTopic.newBuilder().setName("orders")
                .setCount(5).addAssignments(assignment(3, 1, 2)).build(), false);
        assertThat(tooFew.getError()).isEqualTo(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        assertThat(tooFew.getErrorMessage()).contains("1 assignments for 2 new partitions");
    }

    @Test
    void theLargestTopicFitsInOneDecisionAndOneSnapshot() {
        fixture.addBrokers(1, 2, 3);
        TopicImage topic = fixture.createTopic("big", ControllerLimits.PARTITIONS_PER_TOPIC_MAX, 3);

        assertThat(topic.partitionCount()).isEqualTo(ControllerLimits.PARTITIONS_PER_TOPIC_MAX);
        java.util.Map<Integer, Integer> leaders = new java.util.HashMap<>();
        topic.partitions().values().forEach(p -> leaders.merge(p.leader(), 1, Integer::sum));
        assertThat(leaders.values()).allSatisfy(count -> assertThat(count).isBetween(3_333, 3_334));
        io.runnel.metadata.image.MetadataDelta rebuilt = new io.runnel.metadata.image.MetadataDelta(MetadataImage.EMPTY);
        rebuilt.replayAll(fixture.image.toRecords());
        assertThat(rebuilt.apply(fixture.image.offset())).isEqualTo(fixture.image);
    }

    // ---- internal topics (issue 11, defect 8)

    private io.runnel.proto.CreateTopicsResponse createInternal(int brokerId, long brokerEpoch, CreatableTopic... topics) {
        return fixture.apply(fixture.logic.createInternalTopics(fixture.image, io.runnel.proto.CreateInternalTopicsRequest
                .newBuilder().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch)
                .setRequest(CreateTopicsRequest.newBuilder().addAllTopics(List.of(topics))).build(), fixture.ctx()));
    }

    @Test
    void clientsCannotCreateInternalTopicNames() {
        fixture.addBrokers(1);
        long offset = fixture.image.offset();
        for (String name : List.of("__cluster_metadata", "__consumer_offsets", "__transaction_state", "__anything")) {
            CreatableTopicResult result = createOne(topic(name, 1, 1));
            assertThat(result.getError()).as(name).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(result.getErrorMessage()).contains("reserved for internal topics");
        }
        assertThat(fixture.image.offset()).isEqualTo(offset);
        assertThat(fixture.image.topics().topicsByName()).isEmpty();
    }

    @Test
    void aRegisteredBrokerCreatesInternalTopicsAndNothingElseThatWay() {
        fixture.addBrokers(1);
        long epoch = fixture.brokerEpochs.get(1);
        assertThat(createInternal(1, epoch, topic("__consumer_offsets", 3, 1)).getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fixture.image.topics().getTopic("__consumer_offsets").partitionCount()).isEqualTo(3);

        assertThat(createInternal(1, epoch, topic("orders", 1, 1)).getTopics(0).getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(createInternal(1, epoch - 1, topic("__transaction_state", 1, 1)).getTopics(0).getError())
                .isEqualTo(ErrorCode.STALE_BROKER_EPOCH);
        assertThat(createInternal(7, epoch, topic("__transaction_state", 1, 1)).getTopics(0).getError())
                .isEqualTo(ErrorCode.BROKER_ID_NOT_REGISTERED);
        assertThat(fixture.image.topics().topicsByName().keySet()).containsExactly("__consumer_offsets");
    }

    @Test
    void internalTopicsCannotBeDeletedOrGrown() {
        fixture.addBrokers(1);
        createInternal(1, fixture.brokerEpochs.get(1), topic("__consumer_offsets", 2, 1));
        DeleteTopicsResponse deleted = fixture.apply(fixture.logic.deleteTopics(fixture.image,
                DeleteTopicsRequest.newBuilder().addNames("__consumer_offsets").build(), fixture.ctx()));
        assertThat(deleted.getTopics(0).getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(deleted.getTopics(0).getErrorMessage()).contains("cannot be deleted");
        CreatePartitionsTopicResult grown = fixture.apply(fixture.logic.createPartitions(fixture.image,
                CreatePartitionsRequest.newBuilder().addTopics(CreatePartitionsTopic.newBuilder()
                        .setName("__consumer_offsets").setCount(5)).build(), fixture.ctx())).getResults(0);
        assertThat(grown.getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(fixture.image.topics().getTopic("__consumer_offsets").partitionCount()).isEqualTo(2);
    }
}
