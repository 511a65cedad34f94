package io.runnel.common.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.ConfigResource;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.DescribeConfigsResponse;
import io.runnel.proto.DescribeConfigsResult;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ResourceType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real gRPC server on loopback whose service is guarded, called with good, malformed and odd requests. */
class RequestGuardTest {

    /** Echoes each resource's type number back; counts the requests it was handed. */
    static final class EchoAdmin extends AdminServiceGrpc.AdminServiceImplBase {
        final AtomicInteger served = new AtomicInteger();

        @Override
        public void describeConfigs(DescribeConfigsRequest request, StreamObserver<DescribeConfigsResponse> observer) {
            served.incrementAndGet();
            DescribeConfigsResponse.Builder response = DescribeConfigsResponse.newBuilder();
            request.getResourcesList().forEach(r -> response.addResults(DescribeConfigsResult.newBuilder()
                    .setType(r.getType()).setName(r.getName())));
            observer.onNext(response.build());
            observer.onCompleted();
        }
    }

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    final EchoAdmin service = new EchoAdmin();
    Server server;
    ManagedChannel channel;
    AdminServiceGrpc.AdminServiceBlockingStub stub;

    @BeforeEach
    void start() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(RequestGuard.guard(service.bindService())).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        stub = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void wellFormedRequestsReachTheService() {
        DescribeConfigsResponse response = stub.describeConfigs(DescribeConfigsRequest.newBuilder()
                .addResources(ConfigResource.newBuilder().setType(ResourceType.TOPIC).setName("t")).build());
        assertThat(response.getResults(0).getType()).isEqualTo(ResourceType.TOPIC);
        assertThat(service.served).hasValue(1);
    }

    @Test
    void anUnknownEnumValueIsInvalidRequestNamingTheFieldAndValue() {
        DescribeConfigsRequest request = DescribeConfigsRequest.newBuilder()
                .addResources(ConfigResource.newBuilder().setType(ResourceType.TOPIC).setName("ok"))
                .addResources(ConfigResource.newBuilder().setTypeValue(99).setName("odd")).build();
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> stub.describeConfigs(request));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.errorCode(e)).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(e.getStatus().getDescription()).contains("resources[1].type has value 99")
                .contains("TOPIC=2").contains("BROKER=4");
        assertThat(service.served).hasValue(0);

        StatusRuntimeException negative = catchThrowableOfType(StatusRuntimeException.class, () -> stub.describeConfigs(
                DescribeConfigsRequest.newBuilder().addResources(ConfigResource.newBuilder().setTypeValue(-1)).build()));
        assertThat(negative.getStatus().getDescription()).contains("resources[0].type has value -1");
    }

    @Test
    void bytesThatAreNotTheRequestTypeAreInvalidRequestNotUnknown() {
        MethodDescriptor<byte[], byte[]> raw = AdminServiceGrpc.getDescribeConfigsMethod().toBuilder(BYTES, BYTES).build();
        byte[][] malformed = {
                {0x0a, 0x04, 0x12, 0x02, (byte) 0xc3, 0x28},   // resources[0].name holds invalid UTF-8
                {(byte) 0xff, (byte) 0xff},                       // not a field tag
                {0x0a, 0x7f, 0x01},                               // a length running past the end
        };
        for (byte[] bytes : malformed) {
            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                    channel, raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), bytes));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(GrpcErrors.errorCode(e)).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(e.getStatus().getDescription()).startsWith("the request is not a well-formed runnel.v1.DescribeConfigsRequest");
        }
        assertThat(service.served).hasValue(0);
        // The connection is still good for the next call.
        wellFormedRequestsReachTheService();
    }

    @Test
    void theGuardedServiceKeepsItsSchemaForReflection() {
        var original = service.bindService();
        var guarded = RequestGuard.guard(original);
        assertThat(guarded.getServiceDescriptor().getSchemaDescriptor()).isSameAs(original.getServiceDescriptor().getSchemaDescriptor());
        assertThat(guarded.getMethods()).hasSameSizeAs(original.getMethods());
    }
}
