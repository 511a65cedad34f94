package io.runnel.replication.sim;

import io.runnel.replication.core.PartitionState;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The properties a run must keep, checked as it goes (the first broken one is recorded with the time):
 *
 * <ul>
 *   <li><b>NoAckedRecordLost</b>: a record acknowledged with acks=all at leader epoch e is at its offset in
 *       the log of every leader of epoch e or later, when it becomes leader and when the record is acked.
 *   <li><b>OneAckPerOffset</b>: no two acknowledgements name the same offset with different records.
 *   <li><b>MonotonicHighWatermark</b>: the high watermark clients observe (from any leader) never goes back.
 *   <li><b>CommittedPrefixesAgree</b>: once a leader's high watermark passed an offset, every leader and
 *       follower that holds that offset holds the same record there.
 *   <li><b>LeaseBeforeSuccessor</b>: while a leader of an older epoch is still alive and believes it leads,
 *       its lease ends before a leader of a newer epoch may start serving (so at most one serves).
 * </ul>
 *
 * Not thread-safe.
 */
final class Invariants {

    record Acked(String payload, int epoch) {
    }

    private final SimWorld world;
    private final Map<Integer, TreeMap<Long, Acked>> acked = new TreeMap<>();
    private final Map<Integer, TreeMap<Long, String>> committed = new TreeMap<>();
    private final Map<Integer, Long> observedHighWatermark = new TreeMap<>();
    private final Map<Integer, String> lastReadSource = new TreeMap<>();
    private Supplier<Collection<SimBroker>> brokers = List::of;
    private String violation;
    private long ackedCount;

    Invariants(SimWorld world) {
        this.world = world;
    }

    void connect(Supplier<Collection<SimBroker>> allBrokers) {
        this.brokers = allBrokers;
    }

    String violation() {
        return violation;
    }

    long ackedCount() {
        return ackedCount;
    }

    TreeMap<Long, Acked> acked(int partition) {
        return acked.getOrDefault(partition, new TreeMap<>());
    }

    void fail(String what) {
        if (violation == null) {
            violation = "at " + world.now() + " ms: " + what;
        }
    }

    // ---- NoAckedRecordLost, OneAckPerOffset

    void onAcked(int partition, long baseOffset, List<String> payloads, int epoch) {
        TreeMap<Long, Acked> records = acked.computeIfAbsent(partition, p -> new TreeMap<>());
        for (int i = 0; i < payloads.size(); i++) {
            long offset = baseOffset + i;
            Acked previous = records.put(offset, new Acked(payloads.get(i), epoch));
            if (previous != null && !previous.payload().equals(payloads.get(i))) {
                fail("OneAckPerOffset: partition " + partition + " offset " + offset + " acknowledged as " + previous
                        + " and as " + payloads.get(i) + " at epoch " + epoch);
            }
            ackedCount++;
        }
        for (SimBroker broker : brokers.get()) {
            SimBroker.Replica replica = broker.replicas().get(partition);
            if (broker.alive() && replica != null && replica.state.isLeader() && replica.state.leaderEpoch() >= epoch) {
                checkHolds(broker, replica, baseOffset, baseOffset + payloads.size());
            }
        }
    }

    void onBecameLeader(SimBroker broker, SimBroker.Replica replica) {
        checkHolds(broker, replica, 0, Long.MAX_VALUE);
        replica.verifiedUpTo = 0; // the new leader's committed prefix is compared once in full
    }

    private void checkHolds(SimBroker broker, SimBroker.Replica replica, long fromOffset, long toOffset) {
        int epoch = replica.state.leaderEpoch();
        for (Map.Entry<Long, Acked> entry : acked(replica.partition).subMap(fromOffset, toOffset).entrySet()) {
            if (entry.getValue().epoch() <= epoch && !entry.getValue().payload().equals(replica.log.payloadAt(entry.getKey()))) {
                fail("NoAckedRecordLost: " + broker + " leads partition " + replica.partition + " at epoch " + epoch
                        + " without acknowledged record " + entry.getValue() + " at offset " + entry.getKey() + " (it has "
                        + replica.log.payloadAt(entry.getKey()) + "; " + replica.log + ")");
                return;
            }
        }
    }

    // ---- CommittedPrefixesAgree

    void onHighWatermark(SimBroker broker, SimBroker.Replica replica) {
        if (!replica.state.isLeader()) {
            return;
        }
        TreeMap<Long, String> known = committed.computeIfAbsent(replica.partition, p -> new TreeMap<>());
        long hw = replica.state.highWatermark();
        for (long offset = Math.max(replica.verifiedUpTo, replica.log.logStartOffset()); offset < hw; offset++) {
            String mine = replica.log.payloadAt(offset);
            if (mine == null) {
                continue;
            }
            String previous = known.putIfAbsent(offset, mine);
            if (previous != null && !previous.equals(mine)) {
                fail("CommittedPrefixesAgree: leader " + broker + " of partition " + replica.partition + " has " + mine
                        + " at committed offset " + offset + " where " + previous + " was committed");
                return;
            }
        }
        replica.verifiedUpTo = Math.max(replica.verifiedUpTo, hw);
    }

    void onFollowerAppend(SimBroker broker, SimBroker.Replica replica, SimLog.Batch batch) {
        TreeMap<Long, String> known = committed.get(replica.partition);
        if (known == null) {
            return;
        }
        for (int i = 0; i < batch.payloads().size(); i++) {
            String committedPayload = known.get(batch.baseOffset() + i);
            if (committedPayload != null && !committedPayload.equals(batch.payloads().get(i))) {
                fail("CommittedPrefixesAgree: " + broker + " appended " + batch.payloads().get(i) + " at committed offset "
                        + (batch.baseOffset() + i) + " of partition " + replica.partition + " where " + committedPayload
                        + " was committed");
            }
        }
    }

    // ---- MonotonicHighWatermark (as clients see it)

    void onRead(int partition, long highWatermark, List<SimLog.Batch> batches, String source) {
        long previous = observedHighWatermark.getOrDefault(partition, 0L);
        if (highWatermark < previous) {
            fail("MonotonicHighWatermark: a client read high watermark " + highWatermark + " of partition " + partition
                    + " after it had read " + previous + " (from " + source + "; previously from " + lastReadSource.get(partition) + ")");
        }
        lastReadSource.put(partition, source);
        observedHighWatermark.put(partition, Math.max(previous, highWatermark));
        TreeMap<Long, String> known = committed.computeIfAbsent(partition, p -> new TreeMap<>());
        for (SimLog.Batch batch : batches) {
            for (int i = 0; i < batch.payloads().size(); i++) {
                long offset = batch.baseOffset() + i;
                String previousPayload = known.putIfAbsent(offset, batch.payloads().get(i));
                if (previousPayload != null && !previousPayload.equals(batch.payloads().get(i))) {
                    fail("CommittedPrefixesAgree: a client read " + batch.payloads().get(i) + " at offset " + offset
                            + " of partition " + partition + " where " + previousPayload + " was committed");
                }
            }
        }
    }

    // ---- LeaseBeforeSuccessor

    void onServing(SimBroker broker, SimBroker.Replica replica) {
        checkLeases();
    }

    /** After every event: for each pair of live leaders of one partition, the older's lease ends before the newer may serve. */
    void checkLeases() {
        for (SimBroker older : brokers.get()) {
            if (!older.alive()) {
                continue;
            }
            for (SimBroker.Replica replica : older.replicas().values()) {
                if (!replica.state.isLeader()) {
                    continue;
                }
                for (SimBroker newer : brokers.get()) {
                    SimBroker.Replica other = newer.replicas().get(replica.partition);
                    if (newer != older && newer.alive() && other != null && other.state.isLeader()) {
                        checkPair(replica.partition, older, newer);
                    }
                }
            }
        }
    }

    private void checkPair(int partition, SimBroker older, SimBroker newer) {
        PartitionState a = older.replicas().get(partition).state;
        PartitionState b = newer.replicas().get(partition).state;
        if (a.leaderEpoch() >= b.leaderEpoch()) {
            return;
        }
        long expiryLocal = a.leaseExpiryMs(older.heartbeatLeaseStartMs());
        double olderLeaseEnd = expiryLocal == Long.MAX_VALUE ? Double.MAX_VALUE
                : expiryLocal == Long.MIN_VALUE ? -Double.MAX_VALUE : older.trueTime(expiryLocal);
        double olderServingFrom = older.trueTime(a.servingFromMs());
        double newerServingFrom = b.servingFromMs() == Long.MAX_VALUE ? Double.MAX_VALUE : newer.trueTime(b.servingFromMs());
        if (olderServingFrom < olderLeaseEnd && olderLeaseEnd > newerServingFrom) {
            fail("LeaseBeforeSuccessor: partition " + partition + ": " + older + " (epoch " + a.leaderEpoch() + ", may serve from "
                    + olderServingFrom + ") holds a lease until " + olderLeaseEnd + " but " + newer + " (epoch " + b.leaderEpoch()
                    + ") may serve from " + newerServingFrom + "; older " + a + " maximal ISR " + a.maximalIsr()
                    + " hb lease start " + older.heartbeatLeaseStartMs() + " expiry(local) " + expiryLocal + " followers "
                    + a.followers() + "; newer " + b);
        }
    }
}
