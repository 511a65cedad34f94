package io.runnel.rpc;

import io.grpc.stub.StreamObserver;
import io.runnel.common.TopicNames;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.rpc.AliasingProtos;
import io.runnel.common.time.Time;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRecordList;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceResponse;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicProduceData;
import io.runnel.proto.TopicProduceResponse;
import io.runnel.replication.ProduceInput;
import io.runnel.replication.ProduceResult;
import io.runnel.replication.ReplicaManager;
import io.runnel.storage.LogConfig;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Produce RPC: hands each partition's batches to the {@link ReplicaManager} and answers with a
 * per-partition result (Kafka-named error, base offset, leader hint). A partition given in the messages
 * form is first built into one batch ({@link RecordListBatcher}), compressed with the topic's
 * compression.type, and then takes the path of a client-built batch. Unset fields take the defaults
 * produce.proto states ({@link #ACKS_DEFAULT}, {@link #TIMEOUT_MS_DEFAULT}). Stateless and thread-safe;
 * one instance per listener so hints carry that listener's addresses.
 */
public final class ProduceServiceImpl extends ProduceServiceGrpc.ProduceServiceImplBase {

    /** Bound on how long acks=all may wait, whatever the client asks. */
    static final int TIMEOUT_MS_MAX = 300_000;
    /** An unset acks: all, as Kafka's producer; an unset acks must never mean fire-and-forget. */
    static final int ACKS_DEFAULT = -1;
    /** An unset timeout_ms: Kafka's request.timeout.ms default. */
    static final int TIMEOUT_MS_DEFAULT = 30_000;

    private final ReplicaManager replicaManager;
    private final BrokerMetadata metadata;
    private final String listenerName;
    private final Time time;

    public ProduceServiceImpl(ReplicaManager replicaManager, BrokerMetadata metadata, String listenerName) {
        this(replicaManager, metadata, listenerName, Time.SYSTEM);
    }

    /** @param time stamps records of the messages form that carry no timestamp */
    public ProduceServiceImpl(ReplicaManager replicaManager, BrokerMetadata metadata, String listenerName, Time time) {
        this.replicaManager = replicaManager;
        this.metadata = metadata;
        this.listenerName = listenerName;
        this.time = time;
    }

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
        try {
            int acks = request.hasAcks() ? request.getAcks() : ACKS_DEFAULT;
            Map<TopicPartition, ProduceResult> early = new LinkedHashMap<>();
            Map<TopicPartition, ProduceInput> inputs = new LinkedHashMap<>();
            java.util.List<TopicProduceResponse> invalid = new java.util.ArrayList<>();
            for (TopicProduceData topic : request.getTopicsList()) {
                for (PartitionProduceData data : topic.getPartitionsList()) {
                    collect(topic.getTopic(), data, acks, early, inputs, invalid);
                }
            }
            if (!request.getTransactionalId().isEmpty()) {
                inputs.keySet().forEach(tp -> early.put(tp, ProduceResult.error(ErrorCode.UNSUPPORTED_VERSION,
                        "transactional produce is not supported by this broker yet", -1, -1)));
                inputs.clear();
            }
            int requestedTimeoutMs = request.hasTimeoutMs() ? request.getTimeoutMs() : TIMEOUT_MS_DEFAULT;
            long timeoutMs = Math.max(0, Math.min(requestedTimeoutMs, TIMEOUT_MS_MAX));
            replicaManager.appendRecords(acks, timeoutMs, inputs, results -> {
                Map<TopicPartition, ProduceResult> all = new LinkedHashMap<>(early);
                all.putAll(results);
                observer.onNext(toResponse(all).toBuilder().addAllTopics(invalid).build());
                observer.onCompleted();
            });
        } catch (RuntimeException e) {
            Requests.fail(observer, e);
        }
    }

    private void collect(String topic, PartitionProduceData data, int acks, Map<TopicPartition, ProduceResult> early,
                         Map<TopicPartition, ProduceInput> inputs, java.util.List<TopicProduceResponse> invalid) {
        if (data.getPartition() < 0) {
            invalid.add(TopicProduceResponse.newBuilder().setTopic(topic).addPartitions(PartitionProduceResponse.newBuilder()
                    .setPartition(data.getPartition()).setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                    .setErrorMessage("partition " + data.getPartition() + " of " + ErrorText.quote(topic)
                            + " does not exist: partitions are numbered from 0")
                    .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1)).build());
            return;
        }
        TopicPartition tp = new TopicPartition(topic, data.getPartition());
        if (acks != -1 && acks != 0 && acks != 1) {
            early.put(tp, ProduceResult.error(ErrorCode.INVALID_REQUIRED_ACKS, "acks must be -1 (all), 0 or 1, not " + acks, -1, -1));
        } else if (TopicNames.isInternal(topic)) {
            // As in Kafka: internal topics hold the coordinators' records, appended by the broker itself.
            early.put(tp, ProduceResult.error(ErrorCode.INVALID_TOPIC_EXCEPTION, "cannot append to internal topic "
                    + ErrorText.quote(topic), -1, -1));
        } else if (inputs.containsKey(tp) || early.containsKey(tp)) {
            inputs.remove(tp);
            early.put(tp, ProduceResult.error(ErrorCode.INVALID_REQUEST, "partition " + tp.partition() + " of "
                    + ErrorText.quote(tp.topic()) + " appears twice in one request", -1, -1));
        } else if (data.hasMessages()) {
            try {
                inputs.put(tp, new ProduceInput(batchOf(tp, data.getMessages()),
                        Requests.epoch(data.hasCurrentLeaderEpoch(), data.getCurrentLeaderEpoch())));
            } catch (ApiException e) {
                early.put(tp, ProduceResult.error(e.code(), "partition " + tp.partition() + " of "
                        + ErrorText.quote(tp.topic()) + ": " + e.getMessage(), -1, -1));
            }
        } else {
            // A view of the request's own bytes (RequestGuard parsed it with AliasingProtos): the log writes
            // offsets into the batch headers in place instead of copying the records first.
            inputs.put(tp, new ProduceInput(AliasingProtos.view(data.getRecords()),
                    Requests.epoch(data.hasCurrentLeaderEpoch(), data.getCurrentLeaderEpoch())));
        }
    }

    /**
     * The messages form as one batch. The codec is the topic's compression.type when it names one ("producer"
     * and "uncompressed" build an uncompressed batch), read from the local replica; on a broker without one
     * the batch is built uncompressed and the append answers NOT_LEADER_OR_FOLLOWER or UNKNOWN_TOPIC_OR_PARTITION.
     */
    private ByteBuffer batchOf(TopicPartition tp, ProduceRecordList messages) {
        Optional<LogConfig> config = replicaManager.partition(tp).map(partition -> partition.log().config());
        CompressionType compression = config.map(c -> c.compressionType().equals("producer") ? CompressionType.NONE
                : CompressionType.forName(c.compressionType())).orElse(CompressionType.NONE);
        int uncompressedBytesMax = compression == CompressionType.NONE
                ? config.map(LogConfig::maxMessageBytes).orElse(RecordBatch.DECOMPRESSED_RECORD_SIZE_BYTES_MAX)
                : RecordBatch.DECOMPRESSED_RECORD_SIZE_BYTES_MAX;
        return RecordListBatcher.build(messages, compression, time.milliseconds(), uncompressedBytesMax);
    }

    private ProduceResponse toResponse(Map<TopicPartition, ProduceResult> results) {
        Map<String, TopicProduceResponse.Builder> topics = new LinkedHashMap<>();
        results.forEach((tp, result) -> {
            PartitionProduceResponse.Builder partition = PartitionProduceResponse.newBuilder()
                    .setPartition(tp.partition())
                    .setError(result.error())
                    .setErrorMessage(ErrorText.printable(result.errorMessage(), ApiException.MESSAGE_CHARS_MAX))
                    .setBaseOffset(result.baseOffset())
                    .setLogAppendTimeMs(result.logAppendTimeMs())
                    .setLogStartOffset(result.logStartOffset());
            if (result.error() == ErrorCode.NOT_LEADER_OR_FOLLOWER || result.error() == ErrorCode.FENCED_LEADER_EPOCH) {
                LeaderHints.hint(metadata.image(), listenerName, result.leaderId(), result.leaderEpoch())
                        .ifPresent(partition::setCurrentLeader);
            }
            topics.computeIfAbsent(tp.topic(), t -> TopicProduceResponse.newBuilder().setTopic(t)).addPartitions(partition);
        });
        ProduceResponse.Builder response = ProduceResponse.newBuilder();
        topics.values().forEach(response::addTopics);
        return response.build();
    }

}
