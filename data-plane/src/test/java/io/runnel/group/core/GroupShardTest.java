package io.runnel.group.core;

import static io.runnel.group.core.ShardDriver.heartbeat;
import static io.runnel.group.core.ShardDriver.partitions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.OffsetCommitRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The coordinator's decisions, one behaviour per test, on a shard driven with a manual clock. */
class GroupShardTest {

    private ShardDriver driver;

    @BeforeEach
    void setUp() {
        driver = new ShardDriver();
        driver.partitionCounts.put("t", 4);
    }

    private static ApiException apiError(Runnable call) {
        try {
            call.run();
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("expected an ApiException");
    }

    @Test
    void aLoneMemberGetsEveryPartitionAtTheFirstEpoch() {
        HeartbeatResult result = driver.join("g", "a", "t").response();

        assertThat(result.memberEpoch()).isEqualTo(1);
        assertThat(result.assigned()).isEqualTo(partitions("t", 0, 1, 2, 3));
        assertThat(driver.shard.group("g").state()).isEqualTo(ConsumerGroup.State.STABLE);
    }

    @Test
    void aJoiningMemberGetsPartitionsOnlyAfterTheOwnerRevokedThem() {
        HeartbeatResult a = driver.join("g", "a", "t").response();
        driver.beat(heartbeat("g", "a", a.memberEpoch(), List.of("t")), a.assigned());

        ShardResult<HeartbeatResult> bJoin = driver.join("g", "b", "t");
        assertThat(bJoin.response().assigned()).as("b waits: a still owns its partitions").isEmpty();
        MemberUpdate toA = bJoin.updates().stream().filter(u -> u.memberId().equals("a")).findFirst().orElseThrow();
        assertThat(toA.assigned()).as("a keeps two and must give up two").hasSize(2);
        assertThat(toA.memberEpoch()).as("a keeps its epoch until it revoked").isEqualTo(1);
        assertThat(driver.shard.group("g").member("a").state()).isEqualTo(MemberState.UNREVOKED_PARTITIONS);
        assertThat(driver.shard.group("g").member("b").state()).isEqualTo(MemberState.UNRELEASED_PARTITIONS);

        // a heartbeats still owning everything: nothing moves.
        driver.beat(heartbeat("g", "a", 1, List.of("t")), a.assigned());
        assertThat(driver.shard.group("g").member("b").assigned()).isEmpty();

        // a revoked: its heartbeat lists only what it keeps; b receives the rest in the same step (a push).
        ShardResult<HeartbeatResult> revoked = driver.beat(heartbeat("g", "a", 1, List.of("t")), toA.assigned());
        assertThat(revoked.response().memberEpoch()).isEqualTo(2);
        MemberUpdate toB = revoked.updates().stream().filter(u -> u.memberId().equals("b")).findFirst().orElseThrow();
        assertThat(toB.assigned()).hasSize(2).doesNotContainAnyElementsOf(toA.assigned());
        assertThat(driver.shard.group("g").state()).isEqualTo(ConsumerGroup.State.STABLE);
    }

    @Test
    void aLeavingMembersPartitionsGoToTheOthersAtOnce() {
        HeartbeatResult a = driver.join("g", "a", "t").response();
        driver.beat(heartbeat("g", "a", a.memberEpoch(), List.of("t")), a.assigned());
        driver.join("g", "b", "t");
        Set<TopicPartition> keptByA = driver.shard.group("g").member("a").assigned();
        driver.beat(heartbeat("g", "a", 1, List.of("t")), keptByA);
        GroupMember b = driver.shard.group("g").member("b");

        ShardResult<HeartbeatResult> leave = driver.beat(heartbeat("g", "b", -1, List.of("t")), b.assigned());

        assertThat(leave.response().memberEpoch()).isEqualTo(-1);
        assertThat(driver.shard.group("g").member("b")).isNull();
        MemberUpdate toA = leave.updates().stream().filter(u -> u.memberId().equals("a")).findFirst().orElseThrow();
        assertThat(toA.assigned()).isEqualTo(partitions("t", 0, 1, 2, 3));
    }

    @Test
    void aSilentMemberLeavesWhenItsSessionExpires() {
        driver.join("g", "a", "t");
        driver.advance(9_999);
        assertThat(driver.shard.group("g").member("a")).isNotNull();

        ShardResult<Void> expiry = driver.advance(1);

        assertThat(driver.shard.group("g").member("a")).isNull();
        assertThat(expiry.updates()).singleElement().satisfies(u -> assertThat(u.error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID));
        assertThat(driver.shard.group("g").state()).isEqualTo(ConsumerGroup.State.EMPTY);
    }

    @Test
    void aMemberThatDoesNotRevokeWithinItsRebalanceTimeoutIsFenced() {
        HeartbeatResult a = driver.join("g", "a", "t").response();
        driver.beat(heartbeat("g", "a", 1, List.of("t")), a.assigned());
        driver.join("g", "b", "t");
        driver.advance(4_000);
        driver.beat(heartbeat("g", "b", driver.shard.group("g").member("b").memberEpoch(), List.of("t")), Set.of());
        driver.beat(heartbeat("g", "a", 1, List.of("t")), a.assigned()); // still owns everything

        ShardResult<Void> timeout = driver.advance(1_000);

        assertThat(driver.shard.group("g").member("a")).isNull();
        assertThat(timeout.updates()).anySatisfy(u -> {
            assertThat(u.memberId()).isEqualTo("a");
            assertThat(u.error()).isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        });
        assertThat(driver.shard.group("g").member("b").assigned()).isEqualTo(partitions("t", 0, 1, 2, 3));
    }

    @Test
    void aHeartbeatWithAnOldEpochIsFenced() {
        HeartbeatResult a = driver.join("g", "a", "t").response();

        ApiException newer = apiError(() -> driver.beat(heartbeat("g", "a", a.memberEpoch() + 1, List.of("t")), Set.of()));
        ApiException unknown = apiError(() -> driver.beat(heartbeat("g", "x", 3, List.of("t")), Set.of()));

        assertThat(newer.code()).isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        assertThat(unknown.code()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    @Test
    void commitsAreFencedByTheMemberEpoch() {
        HeartbeatResult a = driver.join("g", "a", "t").response();
        TopicPartition tp = new TopicPartition("t", 0);

        assertThat(driver.commit("g", "a", a.memberEpoch(), tp, 10).response()).singleElement()
                .satisfies(o -> assertThat(o.error()).isEqualTo(ErrorCode.NONE));
        ApiException stale = apiError(() -> driver.commit("g", "a", a.memberEpoch() - 1, tp, 20));
        ApiException stranger = apiError(() -> driver.commit("g", "zombie", 1, tp, 20));
        ApiException outsider = apiError(() -> driver.commit("g", "", -1, tp, 20));

        assertThat(stale.code()).isEqualTo(ErrorCode.STALE_MEMBER_EPOCH);
        assertThat(stranger.code()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(outsider.code()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(driver.shard.fetchOffsets("g", List.of(tp)).get(tp).offset()).as("nothing changed").isEqualTo(10);
    }

    @Test
    void anEmptyGroupAcceptsCommitsFromOutside() {
        TopicPartition tp = new TopicPartition("t", 1);

        driver.commit("simple", "", -1, tp, 42);

        assertThat(driver.shard.fetchOffsets("simple", List.of(tp)).get(tp).offset()).isEqualTo(42);
        assertThat(driver.shard.group("simple").state()).isEqualTo(ConsumerGroup.State.EMPTY);
    }

    @Test
    void commitsNameTheirBadPartitions() {
        driver.partitionCounts.put("t", 2);
        OffsetCommitRequest request = OffsetCommitRequest.newBuilder().setGroupId("g").setMemberEpoch(-1)
                .addTopics(io.runnel.proto.OffsetCommitTopic.newBuilder().setName("t")
                        .addPartitions(io.runnel.proto.OffsetCommitPartition.newBuilder().setPartition(5).setCommittedOffset(1))
                        .addPartitions(io.runnel.proto.OffsetCommitPartition.newBuilder().setPartition(0).setCommittedOffset(-3))
                        .addPartitions(io.runnel.proto.OffsetCommitPartition.newBuilder().setPartition(1).setCommittedOffset(1)
                                .setCommittedMetadata("x".repeat(65))))
                .addTopics(io.runnel.proto.OffsetCommitTopic.newBuilder().setName("nope")
                        .addPartitions(io.runnel.proto.OffsetCommitPartition.newBuilder().setPartition(0).setCommittedOffset(1)))
                .build();

        ShardResult<List<GroupShard.PartitionOutcome>> result = driver.keep(driver.shard.commitOffsets(request, driver.nowMs));

        assertThat(result.response()).extracting(GroupShard.PartitionOutcome::error).containsExactly(
                ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, ErrorCode.OFFSET_METADATA_TOO_LARGE,
                ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(result.records()).isEmpty();
    }

    @Test
    void aStaticMemberThatLeftForNowIsReplacedByItsRestartedInstanceWithoutARebalance() {
        HeartbeatResult a = driver.beat(heartbeat("g", "a1", 0, List.of("t")).setInstanceId("host-a"), Set.of()).response();
        driver.beat(heartbeat("g", "a1", a.memberEpoch(), List.of("t")).setInstanceId("host-a"), a.assigned());
        int groupEpoch = driver.shard.group("g").groupEpoch();

        assertThat(driver.beat(heartbeat("g", "a1", -2, List.of("t")).setInstanceId("host-a"), a.assigned())
                .response().memberEpoch()).isEqualTo(-2);
        HeartbeatResult restarted = driver.beat(heartbeat("g", "a2", 0, List.of("t")).setInstanceId("host-a"), Set.of()).response();

        assertThat(restarted.assigned()).isEqualTo(a.assigned());
        assertThat(restarted.memberEpoch()).isEqualTo(a.memberEpoch());
        assertThat(driver.shard.group("g").groupEpoch()).isEqualTo(groupEpoch);
        assertThat(driver.shard.group("g").member("a1")).isNull();
    }

    @Test
    void aStaticInstanceIdInUseByAConnectedMemberIsRefused() {
        driver.beat(heartbeat("g", "a1", 0, List.of("t")).setInstanceId("host-a"), Set.of());

        ApiException refused = apiError(() -> driver.beat(heartbeat("g", "a2", 0, List.of("t")).setInstanceId("host-a"), Set.of()));

        assertThat(refused.code()).isEqualTo(ErrorCode.UNRELEASED_INSTANCE_ID);
        driver.shard.memberDisconnected("g", "a1");
        assertThat(driver.beat(heartbeat("g", "a2", 0, List.of("t")).setInstanceId("host-a"), Set.of()).response().assigned())
                .as("after a1's stream broke, its restarted instance takes its partitions").hasSize(4);
    }

    @Test
    void aReloadedShardHasTheSameGroupsAsTheOneThatWroteTheRecords() {
        HeartbeatResult a = driver.join("g", "a", "t").response();
        driver.beat(heartbeat("g", "a", a.memberEpoch(), List.of("t")), a.assigned());
        driver.join("g", "b", "t");
        driver.commit("g", "a", 1, new TopicPartition("t", 0), 7);
        driver.commit("other", "", -1, new TopicPartition("t", 3), 9);

        GroupShard reloaded = driver.reloaded();

        for (String groupId : List.of("g", "other")) {
            ConsumerGroup original = driver.shard.group(groupId);
            ConsumerGroup copy = reloaded.group(groupId);
            assertThat(copy.members()).isEqualTo(original.members());
            assertThat(copy.offsets()).isEqualTo(original.offsets());
            assertThat(copy.groupEpoch()).isEqualTo(original.groupEpoch());
            assertThat(copy.targetEpoch()).isEqualTo(original.targetEpoch());
            assertThat(copy.state()).isEqualTo(original.state());
        }
    }

    @Test
    void aPartitionCountIncreaseIsAssigned() {
        HeartbeatResult a = driver.join("g", "a", "t").response();
        driver.beat(heartbeat("g", "a", a.memberEpoch(), List.of("t")), a.assigned());
        driver.partitionCounts.put("t", 6);

        ShardResult<Void> changed = driver.keep(driver.shard.onTopicsChanged(driver::count, driver.nowMs));

        assertThat(changed.updates()).singleElement().satisfies(u -> assertThat(u.assigned()).hasSize(6));
    }

    @Test
    void offsetsOfADeletedTopicAreDeleted() {
        driver.commit("g", "", -1, new TopicPartition("t", 0), 5);
        driver.partitionCounts.remove("t");

        driver.keep(driver.shard.onTopicsChanged(driver::count, driver.nowMs));

        assertThat(driver.shard.group("g")).as("the group had nothing else").isNull();
    }

    @Test
    void onlyAnEmptyGroupIsDeletedAndUnknownGroupsAreNamed() {
        driver.join("g", "a", "t");

        assertThat(apiError(() -> driver.shard.deleteGroup("g")).code()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        assertThat(apiError(() -> driver.shard.deleteGroup("nope")).code()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(apiError(() -> driver.shard.describe("nope")).code()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);

        driver.beat(heartbeat("g", "a", -1, List.of("t")), Set.of());
        driver.commit("g", "", -1, new TopicPartition("t", 0), 5);
        driver.keep(driver.shard.deleteGroup("g"));
        assertThat(driver.shard.group("g")).isNull();
        assertThat(driver.reloaded().group("g")).as("deleted in the log too").isNull();
    }

    @Test
    void offsetsOfASubscribedTopicCannotBeDeleted() {
        driver.partitionCounts.put("u", 1);
        HeartbeatResult a = driver.join("g", "a", "t").response();
        driver.commit("g", "a", a.memberEpoch(), new TopicPartition("t", 0), 5);
        driver.commit("g", "a", a.memberEpoch(), new TopicPartition("u", 0), 5);

        List<GroupShard.PartitionOutcome> outcomes = driver.keep(driver.shard.deleteOffsets("g",
                List.of(new TopicPartition("t", 0), new TopicPartition("u", 0)))).response();

        assertThat(outcomes).extracting(GroupShard.PartitionOutcome::error)
                .containsExactly(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE);
        assertThat(driver.shard.group("g").offsets()).containsOnlyKeys(new TopicPartition("t", 0));
    }

    @Test
    void offsetsNoMemberSubscribesToExpireAfterTheRetention() {
        driver.commit("g", "", -1, new TopicPartition("t", 0), 5);
        driver.shard.onLoaded(driver.nowMs);

        driver.advance(50_000);
        assertThat(driver.shard.group("g")).isNotNull();
        driver.advance(10_000);

        assertThat(driver.shard.group("g")).isNull();
    }

    @Test
    void badInputIsRefusedWithANamedErrorAndNothingWritten() {
        Map<ErrorCode, Runnable> cases = Map.of(
                ErrorCode.INVALID_GROUP_ID, () -> driver.join("", "a", "t"),
                ErrorCode.INVALID_REQUEST, () -> driver.join("g", "", "t"),
                ErrorCode.INVALID_SESSION_TIMEOUT, () -> driver.beat(heartbeat("g", "a", 0, List.of("t")).setSessionTimeoutMs(5), Set.of()),
                ErrorCode.UNSUPPORTED_ASSIGNOR, () -> driver.beat(heartbeat("g", "a", 0, List.of("t")).setServerAssignor("magic"), Set.of()));
        cases.forEach((code, call) -> assertThat(apiError(call).code()).isEqualTo(code));
        assertThatThrownBy(() -> driver.beat(heartbeat("g", "a", -7, List.of("t")), Set.of()))
                .isInstanceOf(ApiException.class).hasMessageContaining("member_epoch -7");
        assertThat(driver.log).isEmpty();
        assertThat(driver.shard.groups()).isEmpty();
    }

    @Test
    void theAssignorMostMembersAskForIsUsed() {
        driver.beat(heartbeat("g", "a", 0, List.of("t")).setServerAssignor("range"), Set.of());
        driver.beat(heartbeat("g", "b", 0, List.of("t")).setServerAssignor("org.apache.kafka.clients.consumer.RangeAssignor"), Set.of());
        driver.beat(heartbeat("g", "c", 0, List.of("t")).setServerAssignor("roundrobin"), Set.of());

        assertThat(driver.shard.describe("g").getAssignorName()).isEqualTo("range");
    }
}
