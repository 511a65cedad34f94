package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.proto.ErrorCode;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceResponse;
import io.runnel.proto.ReplicaFetchPartitionResponse;
import io.runnel.proto.ReplicaFetchResponse;
import io.runnel.proto.ReplicaFetchTopicResponse;
import io.runnel.proto.TopicProduceResponse;
import io.runnel.proto.metadata.MetadataBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorCodeCounterTest {

    private final ErrorCodeCounter counter = new ErrorCodeCounter();

    private List<String> codes(com.google.protobuf.Message message) {
        List<String> names = new ArrayList<>();
        counter.forEachErrorCode(message, names::add);
        return names;
    }

    @Test
    void findsTheErrorOfEveryPartitionAtAnyDepth() {
        ProduceResponse response = ProduceResponse.newBuilder()
                .addTopics(TopicProduceResponse.newBuilder().setTopic("a")
                        .addPartitions(PartitionProduceResponse.newBuilder().setPartition(0).setError(ErrorCode.NONE))
                        .addPartitions(PartitionProduceResponse.newBuilder().setPartition(1).setError(ErrorCode.NOT_LEADER_OR_FOLLOWER)))
                .addTopics(TopicProduceResponse.newBuilder().setTopic("b")
                        .addPartitions(PartitionProduceResponse.newBuilder().setPartition(0).setError(ErrorCode.RECORD_TOO_LARGE)))
                .build();
        assertThat(codes(response)).containsExactly("NONE", "NOT_LEADER_OR_FOLLOWER", "RECORD_TOO_LARGE");
    }

    @Test
    void countsATopLevelErrorAndThePartitionsBelowIt() {
        ReplicaFetchResponse response = ReplicaFetchResponse.newBuilder().setError(ErrorCode.NONE)
                .addTopics(ReplicaFetchTopicResponse.newBuilder().setTopic("a")
                        .addPartitions(ReplicaFetchPartitionResponse.newBuilder().setError(ErrorCode.FENCED_LEADER_EPOCH)))
                .build();
        assertThat(codes(response)).containsExactly("NONE", "FENCED_LEADER_EPOCH");
    }

    @Test
    void aMessageWithoutErrorCodesHasNone() {
        assertThat(codes(MetadataBatch.newBuilder().setControllerId(1).build())).isEmpty();
        assertThat(codes(ProduceResponse.getDefaultInstance())).isEmpty();
    }
}
