package io.runnel.rpc;

import io.grpc.stub.StreamObserver;
import io.runnel.common.TopicNames;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceResponse;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicProduceData;
import io.runnel.proto.TopicProduceResponse;
import io.runnel.replication.ProduceInput;
import io.runnel.replication.ProduceResult;
import io.runnel.replication.ReplicaManager;
import java.util.LinkedHashMap;

import java.util.Map;

/**
 * The Produce RPC: hands each partition's batches to the {@link ReplicaManager} and answers with a
 * per-partition result (Kafka-named error, base offset, leader hint). Stateless and thread-safe;
 * one instance per listener so hints carry that listener's addresses.
 */
public final class ProduceServiceImpl extends ProduceServiceGrpc.ProduceServiceImplBase {

    /** Bound on how long acks=all may wait, whatever the client asks. */
    static final int TIMEOUT_MS_MAX = 300_000;

    private final ReplicaManager replicaManager;
    private final BrokerMetadata metadata;
    private final String listenerName;

    public ProduceServiceImpl(ReplicaManager replicaManager, BrokerMetadata metadata, String listenerName) {
        this.replicaManager = replicaManager;
        this.metadata = metadata;
        this.listenerName = listenerName;
    }

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
        try {
            int acks = request.getAcks();
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
            long timeoutMs = Math.max(0, Math.min(request.getTimeoutMs(), TIMEOUT_MS_MAX));
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
        } else {
            // Read-only: the log copies it once before writing offsets into the batch headers.
            inputs.put(tp, new ProduceInput(data.getRecords().asReadOnlyByteBuffer(),
                    Requests.epoch(data.hasCurrentLeaderEpoch(), data.getCurrentLeaderEpoch())));
        }
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
