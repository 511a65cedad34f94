package io.runnel.rpc;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.StreamObserver;
import io.runnel.common.ListOffsetsTimestamps;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.proto.EpochEndOffsetResult;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartition;
import io.runnel.proto.FetchPartitionResponse;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.FetchResponse;
import io.runnel.proto.FetchServiceGrpc;
import io.runnel.proto.FetchTopic;
import io.runnel.proto.FetchTopicResponse;
import io.runnel.proto.ListOffsetsPartition;
import io.runnel.proto.ListOffsetsPartitionResponse;
import io.runnel.proto.ListOffsetsRequest;
import io.runnel.proto.ListOffsetsResponse;
import io.runnel.proto.ListOffsetsTopic;
import io.runnel.proto.ListOffsetsTopicResponse;
import io.runnel.proto.OffsetForLeaderEpochRequest;
import io.runnel.proto.OffsetForLeaderEpochResponse;
import io.runnel.proto.OffsetForLeaderPartition;
import io.runnel.proto.OffsetForLeaderTopic;
import io.runnel.proto.OffsetForLeaderTopicResult;
import io.runnel.replication.FetchInput;
import io.runnel.replication.FetchParams;
import io.runnel.replication.FetchResult;
import io.runnel.replication.NotLeaderException;
import io.runnel.replication.ReplicaManager;
import io.runnel.storage.OffsetAndEpoch;
import io.runnel.storage.TimestampAndOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fetch (long poll), ListOffsets and OffsetForLeaderEpoch for consumers. Record bytes go into the
 * response without a copy ({@link UnsafeByteOperations}). Unset fields take the defaults fetch.proto states. Stateless and thread-safe; one instance
 * per listener.
 */
public final class FetchServiceImpl extends FetchServiceGrpc.FetchServiceImplBase {

    /** An unset max_bytes: Kafka's consumer fetch.max.bytes default. */
    static final int MAX_BYTES_DEFAULT = 52_428_800;
    /** An unset partition_max_bytes: Kafka's consumer max.partition.fetch.bytes default. */
    static final int PARTITION_MAX_BYTES_DEFAULT = 1_048_576;
    /** An unset ListOffsets timestamp: earliest, so that a client that forgets it misses no record. */
    static final long LIST_OFFSETS_TIMESTAMP_DEFAULT = ListOffsetsTimestamps.EARLIEST_TIMESTAMP;

    private final ReplicaManager replicaManager;
    private final BrokerMetadata metadata;
    private final String listenerName;

    public FetchServiceImpl(ReplicaManager replicaManager, BrokerMetadata metadata, String listenerName) {
        this.replicaManager = replicaManager;
        this.metadata = metadata;
        this.listenerName = listenerName;
    }

    @Override
    public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
        try {
            LinkedHashMap<TopicPartition, FetchInput> inputs = new LinkedHashMap<>();
            Map<TopicPartition, FetchResult> early = new LinkedHashMap<>();
            for (FetchTopic topic : request.getTopicsList()) {
                for (FetchPartition partition : topic.getPartitionsList()) {
                    if (partition.getPartition() < 0) {
                        throw new ApiException(ErrorCode.INVALID_REQUEST, "partition " + partition.getPartition()
                                + " of '" + topic.getTopic() + "': partitions are numbered from 0");
                    }
                    TopicPartition tp = new TopicPartition(topic.getTopic(), partition.getPartition());
                    int partitionMaxBytes = partition.hasPartitionMaxBytes() ? partition.getPartitionMaxBytes()
                            : PARTITION_MAX_BYTES_DEFAULT;
                    if (partitionMaxBytes < 0) {
                        early.put(tp, FetchResult.error(ErrorCode.INVALID_FETCH_SIZE, "partition_max_bytes must not be negative, not "
                                + partitionMaxBytes, -1, -1));
                        continue;
                    }
                    inputs.put(tp, new FetchInput(partition.getFetchOffset(), partitionMaxBytes,
                            Requests.epoch(partition.hasCurrentLeaderEpoch(), partition.getCurrentLeaderEpoch())));
                }
            }
            FetchParams params = new FetchParams(request.getMaxWaitMs(), request.getMinBytes(), responseMaxBytes(request));
            replicaManager.fetch(params, inputs, results -> {
                try {
                    Map<TopicPartition, FetchResult> all = new LinkedHashMap<>(early);
                    all.putAll(results);
                    observer.onNext(toResponse(all));
                    observer.onCompleted();
                } catch (RuntimeException e) {
                    Requests.fail(observer, e);
                }
            });
        } catch (RuntimeException e) {
            Requests.fail(observer, e);
        }
    }

    /**
     * The request's {@code max_bytes}: absent is {@link #MAX_BYTES_DEFAULT}; negative is INVALID_REQUEST; 0 is
     * 1, i.e. one batch, since the first batch of the first partition with data always comes whole (Kafka's
     * rule, which 0 in partition_max_bytes follows too). Not 0 itself: {@link FetchParams} reads 0 as no bound.
     */
    static int responseMaxBytes(FetchRequest request) {
        int maxBytes = request.hasMaxBytes() ? request.getMaxBytes() : MAX_BYTES_DEFAULT;
        if (maxBytes < 0) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "max_bytes must not be negative, not " + maxBytes);
        }
        return Math.max(1, maxBytes);
    }

    private FetchResponse toResponse(Map<TopicPartition, FetchResult> results) {
        Map<String, FetchTopicResponse.Builder> topics = new LinkedHashMap<>();
        results.forEach((tp, result) -> {
            FetchPartitionResponse.Builder partition = FetchPartitionResponse.newBuilder()
                    .setPartition(tp.partition())
                    .setError(result.error())
                    .setErrorMessage(ErrorText.printable(result.errorMessage(), ApiException.MESSAGE_CHARS_MAX))
                    .setHighWatermark(result.highWatermark())
                    .setLastStableOffset(result.highWatermark())
                    .setLogStartOffset(result.logStartOffset())
                    .setRecords(UnsafeByteOperations.unsafeWrap(result.records()));
            if (result.error() == ErrorCode.NOT_LEADER_OR_FOLLOWER || result.error() == ErrorCode.FENCED_LEADER_EPOCH) {
                LeaderHints.hint(metadata.image(), listenerName, result.leaderId(), result.leaderEpoch())
                        .ifPresent(partition::setCurrentLeader);
            }
            topics.computeIfAbsent(tp.topic(), t -> FetchTopicResponse.newBuilder().setTopic(t)).addPartitions(partition);
        });
        FetchResponse.Builder response = FetchResponse.newBuilder();
        topics.values().forEach(response::addTopics);
        return response.build();
    }

    @Override
    public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> observer) {
        try {
            ListOffsetsResponse.Builder response = ListOffsetsResponse.newBuilder();
            for (ListOffsetsTopic topic : request.getTopicsList()) {
                ListOffsetsTopicResponse.Builder topicResponse = ListOffsetsTopicResponse.newBuilder().setTopic(topic.getTopic());
                for (ListOffsetsPartition partition : topic.getPartitionsList()) {
                    topicResponse.addPartitions(listOffset(topic.getTopic(), partition));
                }
                response.addTopics(topicResponse);
            }
            observer.onNext(response.build());
            observer.onCompleted();
        } catch (RuntimeException e) {
            Requests.fail(observer, e);
        }
    }

    private ListOffsetsPartitionResponse listOffset(String topic, ListOffsetsPartition partition) {
        ListOffsetsPartitionResponse.Builder result = ListOffsetsPartitionResponse.newBuilder().setPartition(partition.getPartition());
        try {
            TopicPartition tp = Requests.topicPartition(topic, partition.getPartition());
            long timestamp = partition.hasTimestamp() ? partition.getTimestamp() : LIST_OFFSETS_TIMESTAMP_DEFAULT;
            TimestampAndOffset found = replicaManager.listOffset(tp, timestamp,
                    Requests.epoch(partition.hasCurrentLeaderEpoch(), partition.getCurrentLeaderEpoch()));
            return result.setError(ErrorCode.NONE).setTimestamp(found.timestamp()).setOffset(found.offset())
                    .setLeaderEpoch(found.leaderEpoch().orElse(-1)).build();
        } catch (NotLeaderException e) {
            result.setError(e.code()).setErrorMessage(e.getMessage()).setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1);
            LeaderHints.hint(metadata.image(), listenerName, e.leaderId(), e.leaderEpoch()).ifPresent(result::setCurrentLeader);
            return result.build();
        } catch (ApiException e) {
            return result.setError(e.code()).setErrorMessage(e.getMessage()).setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1).build();
        }
    }

    @Override
    public void offsetForLeaderEpoch(OffsetForLeaderEpochRequest request, StreamObserver<OffsetForLeaderEpochResponse> observer) {
        try {
            OffsetForLeaderEpochResponse.Builder response = OffsetForLeaderEpochResponse.newBuilder();
            for (OffsetForLeaderTopic topic : request.getTopicsList()) {
                OffsetForLeaderTopicResult.Builder topicResult = OffsetForLeaderTopicResult.newBuilder().setTopic(topic.getTopic());
                for (OffsetForLeaderPartition partition : topic.getPartitionsList()) {
                    EpochEndOffsetResult.Builder result = EpochEndOffsetResult.newBuilder().setPartition(partition.getPartition());
                    try {
                        OffsetAndEpoch end = replicaManager.endOffsetForEpoch(Requests.topicPartition(topic.getTopic(), partition.getPartition()),
                                partition.getLeaderEpoch(), Requests.epoch(partition.hasCurrentLeaderEpoch(), partition.getCurrentLeaderEpoch()));
                        result.setError(ErrorCode.NONE).setLeaderEpoch(end.epoch()).setEndOffset(end.offset());
                    } catch (ApiException e) {
                        result.setError(e.code()).setLeaderEpoch(-1).setEndOffset(-1);
                    }
                    topicResult.addPartitions(result);
                }
                response.addTopics(topicResult);
            }
            observer.onNext(response.build());
            observer.onCompleted();
        } catch (RuntimeException e) {
            Requests.fail(observer, e);
        }
    }
}
