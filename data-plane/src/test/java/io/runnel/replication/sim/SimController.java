package io.runnel.replication.sim;

import io.runnel.metadata.controller.BrokerHeartbeatTracker;
import io.runnel.metadata.controller.ControllerContext;
import io.runnel.metadata.controller.ControllerResult;
import io.runnel.metadata.controller.QuorumControllerLogic;
import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * The metadata quorum in the simulation: the real controller decisions ({@link QuorumControllerLogic})
 * over an image, committing each decision's records as one batch of an in-memory log whose offsets are
 * 1, 2, 3... (the Raft log; its replication is not what this simulation studies). A failover makes the
 * quorum unavailable for a while; the new active controller then gives every broker a fresh session, as
 * the real one does, before it fences anyone. Not thread-safe.
 */
final class SimController {

    private final QuorumControllerLogic logic = new QuorumControllerLogic();
    private final List<List<MetadataRecord>> log = new ArrayList<>();
    private final Random random;
    /** The controller's settings, parsed once (server keys, as a node's file gives them). */
    private final io.runnel.common.config.ServerConfig settings;
    private final long sessionTimeoutMs;
    private MetadataImage image = MetadataImage.EMPTY;
    private BrokerHeartbeatTracker tracker;
    private long availableFromMs;
    private boolean needsActivation;

    SimController(Random random, long sessionTimeoutMs, Map<String, String> clusterDefaults) {
        this.random = random;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.settings = io.runnel.common.config.ServerConfig.parse(clusterDefaults);
        this.tracker = new BrokerHeartbeatTracker(sessionTimeoutMs);
    }

    long sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    /** True when the quorum can decide at {@code nowMs}; the first decision of a new term activates it. */
    boolean available(long nowMs) {
        if (nowMs < availableFromMs) {
            return false;
        }
        if (needsActivation) {
            needsActivation = false;
            tracker = new BrokerHeartbeatTracker(sessionTimeoutMs);
            tracker.resetAll(image.cluster().brokers().keySet(), nowMs);
        }
        return true;
    }

    /** The active controller fails; another is active (with fresh broker sessions) from {@code untilMs}. */
    void failover(long untilMs) {
        availableFromMs = Math.max(availableFromMs, untilMs);
        needsActivation = true;
    }

    /** Decides with {@code decision} on the current image and commits its records; returns the answer. */
    <R> Decided<R> decide(Function<MetadataImage, ControllerResult<R>> decision) {
        ControllerResult<R> result = decision.apply(image);
        long offset = commit(result.records());
        return new Decided<>(result.response(), offset);
    }

    record Decided<R>(R response, long offset) {
    }

    private long commit(List<MetadataRecord> records) {
        if (records.isEmpty()) {
            return image.offset();
        }
        long offset = log.size() + 1L;
        if (SimBroker.TRACE) {
            System.out.printf("%7s controller commits %d: %s%n", "", offset,
                    records.stream().map(MetadataDelta::describe).toList());
        }
        MetadataDelta delta = new MetadataDelta(image);
        delta.replayAll(records);
        image = delta.apply(offset);
        log.add(List.copyOf(records));
        return offset;
    }

    /** The offset the next committed batch will have (a registering broker's epoch). */
    long nextOffset() {
        return log.size() + 1L;
    }

    /** Committed batches after {@code fromOffset}, at most {@code max}; element i has offset fromOffset+1+i. */
    List<List<MetadataRecord>> batchesAfter(long fromOffset, int max) {
        int from = (int) Math.max(0, fromOffset);
        int to = Math.min(log.size(), from + max);
        return from >= to ? List.of() : List.copyOf(log.subList(from, to));
    }

    MetadataImage image() {
        return image;
    }

    QuorumControllerLogic logic() {
        return logic;
    }

    BrokerHeartbeatTracker tracker() {
        return tracker;
    }

    ControllerContext context(long nowMs) {
        return new ControllerContext(nowMs, random, settings);
    }
}
