package io.runnel.common.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicProduceData;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Messages parsed with one copy, their bytes fields as views of the message's own array, and malformed input. */
class AliasingProtosTest {

    private static final byte[] RECORDS = "some record batches".repeat(100).getBytes(StandardCharsets.UTF_8);

    private static ProduceRequest request() {
        return ProduceRequest.newBuilder().setAcks(-1).addTopics(TopicProduceData.newBuilder().setTopic("orders")
                .addPartitions(PartitionProduceData.newBuilder().setPartition(3).setRecords(ByteString.copyFrom(RECORDS)))).build();
    }

    private static ByteString records(ProduceRequest request) {
        return request.getTopics(0).getPartitions(0).getRecords();
    }

    @Test
    void aParsedMessageEqualsTheOriginalAndItsBytesFieldIsAWritableViewOfOneArray() {
        MethodDescriptor.PrototypeMarshaller<ProduceRequest> marshaller = AliasingProtos.marshaller(ProduceRequest.getDefaultInstance());
        byte[] wire = request().toByteArray();

        ProduceRequest parsed = marshaller.parse(new ByteArrayInputStream(wire));

        assertThat(parsed).isEqualTo(request());
        ByteBuffer view = AliasingProtos.view(records(parsed));
        assertThat(view.isReadOnly()).isFalse();
        assertThat(view.hasArray()).isTrue();
        assertThat(view.position()).isZero();
        assertThat(view.remaining()).isEqualTo(RECORDS.length);
        byte[] read = new byte[view.remaining()];
        view.duplicate().get(read);
        assertThat(read).isEqualTo(RECORDS);
        // The view is the message's own bytes, not a copy of them (and not the caller's wire array).
        ByteBuffer again = AliasingProtos.view(records(parsed));
        view.put(0, (byte) '#');
        assertThat(again.get(0)).isEqualTo((byte) '#');
        assertThat(records(parsed).byteAt(0)).isEqualTo((byte) '#');
        assertThat(wire).containsSequence(Arrays.copyOf(RECORDS, 8));
    }

    @Test
    void requestsOfAProtobufMethodAreParsedTheSameWay() {
        ProduceRequest parsed = AliasingProtos.parseRequest(ProduceServiceGrpc.getProduceMethod(),
                new ByteArrayInputStream(request().toByteArray()));
        assertThat(parsed).isEqualTo(request());
        assertThat(AliasingProtos.view(records(parsed)).isReadOnly()).isFalse();
    }

    @Test
    void bytesMadeOfSeveralPiecesOrEmptyAreAReadOnlyCopyWithTheSameContent() {
        ByteString rope = ByteString.copyFrom(RECORDS, 0, 1000).concat(ByteString.copyFrom(RECORDS, 1000, RECORDS.length - 1000));
        ByteBuffer view = AliasingProtos.view(rope);
        assertThat(view.isReadOnly()).isTrue();
        byte[] read = new byte[view.remaining()];
        view.get(read);
        assertThat(read).isEqualTo(RECORDS);
        assertThat(AliasingProtos.view(ByteString.EMPTY).remaining()).isZero();
    }

    @Test
    void malformedBytesFailWithTheParsersReasonAsTheCause() {
        byte[] truncated = Arrays.copyOf(request().toByteArray(), 40);
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () ->
                AliasingProtos.marshaller(ProduceRequest.getDefaultInstance()).parse(new ByteArrayInputStream(truncated)));
        assertThat(e.getCause()).isInstanceOf(InvalidProtocolBufferException.class);
        assertThat(e.getCause().getMessage()).isNotBlank();
    }
}
