package io.runnel.client.internal;

import io.grpc.StatusRuntimeException;
import io.runnel.client.Node;
import io.runnel.client.PartitionInfo;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.CurrentLeader;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataResponse;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.PartitionMetadata;
import io.runnel.proto.TopicMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The client's view of the cluster: brokers and the topics it asked about, refreshed with GetMetadata.
 *
 * <p>Readers take the current immutable {@link Snapshot} (a volatile read); {@link #refresh} and
 * {@link #applyLeaderHint} replace it under this object's lock, merging topic entries so a refresh for
 * one topic keeps what is known about the others. A refresh asks each known broker in turn, then the
 * bootstrap addresses, until one answers or the deadline passes. Thread-safe.
 */
public final class ClusterMetadata {

    /** Brokers by id and topics by name, as of one GetMetadata answer (plus leader hints). Immutable. */
    public record Snapshot(String clusterId, int controllerId, Map<Integer, Node> brokers,
                           Map<String, TopicState> topics, long updatedMs) {

        static final Snapshot EMPTY = new Snapshot("", -1, Map.of(), Map.of(), -1);

        public TopicState topic(String name) {
            return topics.get(name);
        }

        /** Partitions of {@code topic} sorted by id, or an empty list when the topic is not known. */
        public List<PartitionInfo> partitions(String topic) {
            TopicState state = topics.get(topic);
            return state == null ? List.of() : state.partitions();
        }

        /** The leader of {@code tp}, or null when unknown. */
        public Node leader(TopicPartition tp) {
            TopicState state = topics.get(tp.topic());
            if (state == null || tp.partition() >= state.partitions().size()) {
                return null;
            }
            return state.partitions().get(tp.partition()).leader();
        }

        public int leaderEpoch(TopicPartition tp) {
            TopicState state = topics.get(tp.topic());
            if (state == null || tp.partition() >= state.partitions().size()) {
                return -1;
            }
            return state.partitions().get(tp.partition()).leaderEpoch();
        }
    }

    /** One topic: an error when the broker could not describe it, else its partitions sorted by id. */
    public record TopicState(String name, ErrorCode error, String errorMessage, String topicId, boolean internal,
                             List<PartitionInfo> partitions) {
        public boolean ok() {
            return error == ErrorCode.NONE;
        }
    }

    private final ChannelPool channels;
    private final List<BrokerAddress> bootstrap;
    private final long retryBackoffMs;
    private final long requestTimeoutMs;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private final java.util.concurrent.atomic.AtomicInteger nextBroker = new java.util.concurrent.atomic.AtomicInteger();

    public ClusterMetadata(ChannelPool channels, List<BrokerAddress> bootstrap, long retryBackoffMs,
                           long requestTimeoutMs) {
        this.channels = channels;
        this.bootstrap = List.copyOf(bootstrap);
        this.retryBackoffMs = retryBackoffMs;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Asks the cluster about {@code topics} (all topics when {@code allTopics}) and merges the answer into
     * the snapshot. Tries brokers in turn, backing off {@code retry.backoff.ms} after a round in which
     * none answered, until {@code deadlineMs} (System.currentTimeMillis based).
     *
     * @throws ApiException REQUEST_TIMED_OUT or the last network error when no broker answered in time
     */
    public Snapshot refresh(Collection<String> topics, boolean allTopics, boolean allowAutoTopicCreation,
                            long deadlineMs) {
        return refresh(topics, allTopics, allowAutoTopicCreation, deadlineMs, Integer.MAX_VALUE);
    }

    /**
     * As {@link #refresh(Collection, boolean, boolean, long)}, giving up after {@code roundsMax} rounds over
     * the brokers: I/O loops pass 1 so a cluster that is down does not hold them for the whole deadline.
     */
    public Snapshot refresh(Collection<String> topics, boolean allTopics, boolean allowAutoTopicCreation,
                            long deadlineMs, int roundsMax) {
        MetadataRequest request = request(topics, allTopics, allowAutoTopicCreation);
        MetadataResponse response = callAny((channel, timeoutMs) -> MetadataServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                .getMetadata(request), deadlineMs, roundsMax);
        return merge(response, allTopics);
    }

    /** The GetMetadata request for {@code topics} (for a caller that sends it itself, asynchronously). */
    public static MetadataRequest request(Collection<String> topics, boolean allTopics, boolean allowAutoTopicCreation) {
        return MetadataRequest.newBuilder()
                .addAllTopics(topics)
                .setAllTopics(allTopics)
                .setAllowAutoTopicCreation(allowAutoTopicCreation)
                .build();
    }

    /** Merges an answer the caller obtained itself into the snapshot (see {@link #refresh}); returns the new snapshot. */
    public Snapshot update(MetadataResponse response, boolean allTopics) {
        return merge(response, allTopics);
    }

    /** A blocking call to one broker's channel, bounded by the given timeout in ms. */
    @FunctionalInterface
    public interface BrokerCall<T> {
        T call(io.grpc.ManagedChannel channel, long timeoutMs);
    }

    /**
     * Makes {@code call} to the known brokers in turn, then the bootstrap addresses, until one answers,
     * backing off {@code retry.backoff.ms} after each round in which none did. A call failing with a
     * non-retriable error (other than network trouble) ends the attempt with that error.
     *
     * @throws ApiException REQUEST_TIMED_OUT wrapping the last failure when no broker answered in time
     */
    public <T> T callAny(BrokerCall<T> call, long deadlineMs) {
        return callAny(call, deadlineMs, Integer.MAX_VALUE);
    }

    /** {@link #callAny(BrokerCall, long)} with at most {@code roundsMax} rounds over the brokers. */
    public <T> T callAny(BrokerCall<T> call, long deadlineMs, int roundsMax) {
        ApiException last = null;
        for (int round = 1; ; round++) {
            if (Thread.currentThread().isInterrupted()) {
                throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "interrupted while calling a broker", last);
            }
            List<BrokerAddress> candidates = candidates();
            for (int i = 0; i < candidates.size(); i++) {
                long remainingMs = deadlineMs - System.currentTimeMillis();
                if (remainingMs <= 0) {
                    throw timeout(last, deadlineMs);
                }
                BrokerAddress address = candidates.get(Math.floorMod(nextBroker.getAndIncrement(), candidates.size()));
                try {
                    return call.call(channels.channel(address), Math.min(remainingMs, requestTimeoutMs));
                } catch (StatusRuntimeException e) {
                    last = GrpcErrors.toApiException(e, "request to broker at " + address.host() + ":" + address.port(),
                            "request.timeout.ms (" + requestTimeoutMs + " ms)");
                    if (!last.isRetriable() && last.code() != ErrorCode.NETWORK_EXCEPTION
                            && last.code() != ErrorCode.BROKER_NOT_AVAILABLE) {
                        throw last;
                    }
                }
            }
            long remainingMs = deadlineMs - System.currentTimeMillis();
            if (remainingMs <= 0 || round >= roundsMax) {
                throw timeout(last, deadlineMs);
            }
            sleepQuietly(Math.min(remainingMs, retryBackoffMs));
        }
    }

    private static ApiException timeout(ApiException last, long deadlineMs) {
        if (last == null) {
            // Nothing failed: the caller's time was used up (by earlier calls) before a broker could be asked.
            return ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "the time allowed ran out before a broker was asked");
        }
        return ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "no broker answered before the deadline; last error: "
                + last, last);
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for metadata");
        }
    }

    /** Known brokers first (they are what the cluster says now), then the bootstrap addresses. */
    public List<BrokerAddress> candidates() {
        List<BrokerAddress> list = new ArrayList<>();
        for (Node node : snapshot.brokers().values()) {
            list.add(new BrokerAddress(node.host(), node.port()));
        }
        for (BrokerAddress address : bootstrap) {
            if (!list.contains(address)) {
                list.add(address);
            }
        }
        return list;
    }

    private synchronized Snapshot merge(MetadataResponse response, boolean allTopics) {
        Map<Integer, Node> brokers = new LinkedHashMap<>();
        for (io.runnel.proto.Node node : response.getBrokersList()) {
            brokers.put(node.getId(), new Node(node.getId(), node.getHost(), node.getPort(), node.getRack()));
        }
        Map<String, TopicState> topics = allTopics ? new HashMap<>() : new HashMap<>(snapshot.topics());
        for (TopicMetadata topic : response.getTopicsList()) {
            topics.put(topic.getName(), toState(topic, brokers));
        }
        Snapshot next = new Snapshot(response.getClusterId(), response.getControllerId(), Map.copyOf(brokers),
                Map.copyOf(topics), System.currentTimeMillis());
        snapshot = next;
        return next;
    }

    private static TopicState toState(TopicMetadata topic, Map<Integer, Node> brokers) {
        List<PartitionInfo> partitions = new ArrayList<>();
        List<PartitionMetadata> sorted = new ArrayList<>(topic.getPartitionsList());
        sorted.sort(Comparator.comparingInt(PartitionMetadata::getPartition));
        for (PartitionMetadata p : sorted) {
            partitions.add(new PartitionInfo(topic.getName(), p.getPartition(), node(brokers, p.getLeaderId()),
                    p.getLeaderEpoch(), nodes(brokers, p.getReplicasList()), nodes(brokers, p.getIsrList()),
                    nodes(brokers, p.getOfflineReplicasList())));
        }
        return new TopicState(topic.getName(), topic.getError(), topic.getErrorMessage(), topic.getTopicId(),
                topic.getIsInternal(), List.copyOf(partitions));
    }

    private static Node node(Map<Integer, Node> brokers, int id) {
        if (id < 0) {
            return null;
        }
        // A broker missing from the list (fenced, or no endpoint on this listener) cannot be reached.
        return brokers.get(id);
    }

    private static List<Node> nodes(Map<Integer, Node> brokers, List<Integer> ids) {
        List<Node> list = new ArrayList<>(ids.size());
        for (int id : ids) {
            Node n = brokers.get(id);
            list.add(n != null ? n : new Node(id, "", -1, ""));
        }
        return list;
    }

    /**
     * Moves {@code tp} to the leader a NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH answer named, when it is
     * newer than what the snapshot holds, so the next request goes there without a metadata round trip.
     */
    public synchronized void applyLeaderHint(TopicPartition tp, CurrentLeader hint) {
        if (hint == null || hint.getLeaderId() < 0) {
            return;
        }
        Snapshot current = snapshot;
        TopicState state = current.topics().get(tp.topic());
        if (state == null || tp.partition() >= state.partitions().size()) {
            return;
        }
        PartitionInfo old = state.partitions().get(tp.partition());
        if (hint.getLeaderEpoch() <= old.leaderEpoch()) {
            return;
        }
        Map<Integer, Node> brokers = new HashMap<>(current.brokers());
        Node leader = brokers.get(hint.getLeaderId());
        if (leader == null) {
            if (hint.getHost().isEmpty() || hint.getPort() <= 0) {
                return;
            }
            leader = new Node(hint.getLeaderId(), hint.getHost(), hint.getPort(), "");
            brokers.put(leader.id(), leader);
        }
        List<PartitionInfo> partitions = new ArrayList<>(state.partitions());
        partitions.set(tp.partition(), new PartitionInfo(old.topic(), old.partition(), leader, hint.getLeaderEpoch(),
                old.replicas(), old.inSyncReplicas(), old.offlineReplicas()));
        Map<String, TopicState> topics = new HashMap<>(current.topics());
        topics.put(tp.topic(), new TopicState(state.name(), state.error(), state.errorMessage(), state.topicId(),
                state.internal(), List.copyOf(partitions)));
        snapshot = new Snapshot(current.clusterId(), current.controllerId(), Map.copyOf(brokers), Map.copyOf(topics),
                current.updatedMs());
    }

    /** Address of a node, for {@link ChannelPool#channel}. */
    public static BrokerAddress address(Node node) {
        return new BrokerAddress(node.host(), node.port());
    }
}
