package io.runnel.metadata.controller;

import io.runnel.common.errors.ApiException;
import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.proto.ErrorCode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Places new partitions' replicas on usable brokers (DESIGN §3), in the manner of Kafka's round robin:
 *
 * <ol>
 *   <li>Brokers are put in a ring. Without racks the ring is the brokers sorted by id. When any broker
 *       has a rack, the ring alternates racks (first broker of each rack, then the second of each, ...)
 *       so that neighbours are in different racks; brokers without a rack form the rack "".
 *   <li>Partition {@code p}'s first replica, its preferred leader, is the broker at
 *       {@code (start + p) mod n}; a random {@code start} spreads leadership across topics.
 *   <li>The other replicas follow at a distance of {@code 1 + (shift + j) mod (n - 1)} from the first;
 *       {@code shift} starts random and grows by one after every n partitions so that followers do not
 *       always pair up the same way.
 *   <li>Rack-aware: a candidate whose rack already holds a replica is skipped until every rack holds
 *       one. A candidate that is already a replica is always skipped, so replicas are distinct.
 * </ol>
 *
 * Public so that tools proposing placements (the CLI's {@code partitions reassign --generate}) place
 * replicas exactly as topic creation does. Stateless; thread-safe.
 */
public final class ReplicaPlacer {

    /** A broker that may receive replicas: its id and rack ("" for none). */
    public record Broker(int id, String rack) {
        public Broker {
            java.util.Objects.requireNonNull(rack, "rack");
        }
    }

    private ReplicaPlacer() {
    }

    /**
     * Replica lists for partitions {@code firstPartition .. firstPartition + count - 1}; throws
     * INVALID_REPLICATION_FACTOR when there are fewer usable brokers than {@code replicationFactor}.
     */
    static List<List<Integer>> place(List<BrokerRegistration> usable, int firstPartition, int count,
                                     int replicationFactor, RandomGenerator random) {
        return placeOn(usable.stream().map(b -> new Broker(b.id(), b.rack().orElse(""))).toList(), firstPartition, count,
                replicationFactor, random);
    }

    /**
     * As for topic creation, on {@code brokers} (ids distinct): replica lists for partitions
     * {@code firstPartition .. firstPartition + count - 1}; throws INVALID_REPLICATION_FACTOR when there
     * are fewer brokers than {@code replicationFactor}.
     */
    public static List<List<Integer>> placeOn(List<Broker> usable, int firstPartition, int count,
                                              int replicationFactor, RandomGenerator random) {
        if (replicationFactor <= 0) {
            throw new ApiException(ErrorCode.INVALID_REPLICATION_FACTOR,
                    "replication factor must be positive, not " + replicationFactor);
        }
        if (replicationFactor > usable.size()) {
            throw new ApiException(ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor " + replicationFactor
                    + " is larger than the " + usable.size() + " available brokers");
        }
        List<Broker> ring = ring(usable);
        boolean rackAware = usable.stream().anyMatch(b -> !b.rack().isEmpty());
        int rackCount = (int) usable.stream().map(ReplicaPlacer::rackOf).distinct().count();
        int n = ring.size();
        int start = random.nextInt(n);
        int shift = random.nextInt(n);
        List<List<Integer>> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int partition = firstPartition + i;
            if (partition > 0 && partition % n == 0) {
                shift++;
            }
            int first = (partition + start) % n;
            result.add(replicasOf(ring, first, shift, replicationFactor, rackAware ? rackCount : 1));
        }
        return result;
    }

    private static List<Integer> replicasOf(List<Broker> ring, int first, int shift,
                                            int replicationFactor, int rackCount) {
        int n = ring.size();
        List<Integer> replicas = new ArrayList<>(replicationFactor);
        Set<String> racksUsed = new HashSet<>();
        replicas.add(ring.get(first).id());
        racksUsed.add(rackOf(ring.get(first)));
        // First pass honours racks, the second only distinctness; each pass visits every other broker once.
        for (int pass = 0; pass < 2 && replicas.size() < replicationFactor; pass++) {
            for (int j = 0; j < n - 1 && replicas.size() < replicationFactor; j++) {
                Broker candidate = ring.get((first + 1 + Math.floorMod(shift + j, n - 1)) % n);
                if (replicas.contains(candidate.id())) {
                    continue;
                }
                boolean rackTaken = racksUsed.contains(rackOf(candidate)) && racksUsed.size() < rackCount;
                if (pass == 0 && rackTaken) {
                    continue;
                }
                replicas.add(candidate.id());
                racksUsed.add(rackOf(candidate));
            }
        }
        return List.copyOf(replicas);
    }

    /** Brokers sorted by id, interleaved by rack when racks are set. */
    private static List<Broker> ring(List<Broker> usable) {
        Map<String, List<Broker>> byRack = new TreeMap<>();
        usable.stream().sorted((a, b) -> Integer.compare(a.id(), b.id()))
                .forEach(b -> byRack.computeIfAbsent(rackOf(b), r -> new ArrayList<>()).add(b));
        List<Broker> ring = new ArrayList<>(usable.size());
        for (int index = 0; ring.size() < usable.size(); index++) {
            for (List<Broker> rack : byRack.values()) {
                if (index < rack.size()) {
                    ring.add(rack.get(index));
                }
            }
        }
        return ring;
    }

    private static String rackOf(Broker broker) {
        return broker.rack();
    }
}
