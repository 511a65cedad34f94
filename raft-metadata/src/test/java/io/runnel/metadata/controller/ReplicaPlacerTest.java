package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.errors.ApiException;
import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.Endpoint;
import io.runnel.proto.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import io.runnel.common.testing.PropertyCheck;
import org.junit.jupiter.api.Test;

class ReplicaPlacerTest {

    private static BrokerRegistration broker(int id, String rack) {
        return new BrokerRegistration(id, id, new UUID(0, id), Map.of("PLAINTEXT", new Endpoint("PLAINTEXT", "h", 1)),
                Optional.ofNullable(rack), false, false);
    }

    private static List<BrokerRegistration> brokers(int count, int racks) {
        List<BrokerRegistration> result = new ArrayList<>();
        for (int id = 1; id <= count; id++) {
            result.add(broker(id, racks == 0 ? null : "rack-" + (id % racks)));
        }
        return result;
    }

    @Test
    void leadershipIsSpreadEvenlyRoundRobin() {
        List<List<Integer>> placement = ReplicaPlacer.place(brokers(4, 0), 0, 12, 3, new Random(7));

        Map<Integer, Integer> leaders = new HashMap<>();
        placement.forEach(replicas -> leaders.merge(replicas.get(0), 1, Integer::sum));
        assertThat(leaders).containsOnlyKeys(1, 2, 3, 4).allSatisfy((broker, count) -> assertThat(count).isEqualTo(3));
        Map<Integer, Integer> replicaCounts = new HashMap<>();
        placement.forEach(replicas -> replicas.forEach(b -> replicaCounts.merge(b, 1, Integer::sum)));
        assertThat(replicaCounts.values()).allSatisfy(count -> assertThat(count).isEqualTo(9));
    }

    @Test
    void sameSeedSamePlacementAndTheStartIsRandom() {
        List<BrokerRegistration> brokers = brokers(5, 0);
        assertThat(ReplicaPlacer.place(brokers, 0, 10, 2, new Random(1)))
                .isEqualTo(ReplicaPlacer.place(brokers, 0, 10, 2, new Random(1)));
        Set<Integer> firstLeaders = new HashSet<>();
        for (int seed = 0; seed < 50; seed++) {
            firstLeaders.add(ReplicaPlacer.place(brokers, 0, 1, 1, new Random(seed)).get(0).get(0));
        }
        assertThat(firstLeaders).hasSizeGreaterThan(1);
    }

    @Test
    void rackAwarePlacementSpreadsEachPartitionOverRacks() {
        List<BrokerRegistration> brokers = brokers(6, 3);
        Map<Integer, String> rackOf = new HashMap<>();
        brokers.forEach(b -> rackOf.put(b.id(), b.rack().orElseThrow()));

        List<List<Integer>> placement = ReplicaPlacer.place(brokers, 0, 30, 3, new Random(3));

        assertThat(placement).allSatisfy(replicas ->
                assertThat(replicas.stream().map(rackOf::get).distinct()).hasSize(3));
    }

    @Test
    void moreReplicasThanRacksStillDistinct() {
        List<BrokerRegistration> brokers = brokers(6, 2);
        Map<Integer, String> rackOf = new HashMap<>();
        brokers.forEach(b -> rackOf.put(b.id(), b.rack().orElseThrow()));

        List<List<Integer>> placement = ReplicaPlacer.place(brokers, 0, 12, 4, new Random(3));

        assertThat(placement).allSatisfy(replicas -> {
            assertThat(replicas).hasSize(4).doesNotHaveDuplicates();
            assertThat(replicas.stream().map(rackOf::get).distinct()).hasSize(2);
        });
    }

    @Test
    void tooFewBrokersIsInvalidReplicationFactor() {
        assertThatThrownBy(() -> ReplicaPlacer.place(brokers(2, 0), 0, 1, 3, new Random(1)))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR))
                .hasMessage("replication factor 3 is larger than the 2 available brokers");
        assertThatThrownBy(() -> ReplicaPlacer.place(List.of(), 0, 1, 1, new Random(1)))
                .hasMessage("replication factor 1 is larger than the 0 available brokers");
    }

    /** Every try is a valid request: the replication factor never exceeds the brokers. */
    @Test
    void replicasAreDistinctBrokersOfTheRequestedCount() {
        PropertyCheck.forAll(300, gen -> {
            int brokerCount = gen.intBetween(1, 9);
            int racks = gen.intBetween(0, 4);
            int replicationFactor = gen.intBetween(1, brokerCount);
            int firstPartition = gen.intBetween(0, 20);
            List<BrokerRegistration> brokers = brokers(brokerCount, racks);
            List<List<Integer>> placement = ReplicaPlacer.place(brokers, firstPartition, 25, replicationFactor, gen.random());

            assertThat(placement).hasSize(25).allSatisfy(replicas -> {
                assertThat(replicas).hasSize(replicationFactor).doesNotHaveDuplicates();
                assertThat(replicas).allSatisfy(id -> assertThat(id).isBetween(1, brokerCount));
            });
            if (racks > 0 && replicationFactor <= Math.min(racks, brokerCount)) {
                // As many racks as replicas: no two replicas of a partition share a rack.
                assertThat(placement).allSatisfy(replicas -> assertThat(replicas.stream()
                        .map(id -> "rack-" + (id % racks)).distinct()).hasSize(replicationFactor));
            }
        });
    }
}
