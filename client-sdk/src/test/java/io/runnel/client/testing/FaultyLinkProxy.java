package io.runnel.client.testing;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.InitProducerIdRequest;
import io.runnel.proto.InitProducerIdResponse;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataResponse;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.Node;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceResponse;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicProduceData;
import io.runnel.proto.TopicProduceResponse;
import io.runnel.proto.TransactionServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A gRPC relay between a producer and one real broker, for fault injection on the producer's link: it
 * forwards Metadata (pointing every broker at itself, so the producer's requests all come through it),
 * InitProducerId and Produce. For the n-th produce request (from 1) the {@link Fault} the schedule gives is
 * applied: the answer dropped after the broker appended (the producer sees the call fail and cannot know
 * the records were written), the request failed before it reaches the broker, or answered with a
 * retriable error without reaching the broker. Thread-safe; calls are forwarded on gRPC's executor.
 */
public final class FaultyLinkProxy implements AutoCloseable {

    /** What happens to one produce request. */
    public enum Fault {
        NONE,
        /** Forwarded and appended; the producer gets UNAVAILABLE instead of the answer. */
        DROP_ANSWER_AFTER_APPEND,
        /** The producer gets UNAVAILABLE; the broker never sees the request. */
        FAIL_BEFORE_BROKER,
        /** The producer gets NOT_ENOUGH_REPLICAS for every partition; the broker never sees the request. */
        RETRIABLE_ERROR
    }

    private final ManagedChannel broker;
    private final Server server;
    private final IntFunction<Fault> schedule;
    private final AtomicInteger produceRequests = new AtomicInteger();
    private final AtomicInteger faultsApplied = new AtomicInteger();

    public FaultyLinkProxy(String brokerBootstrap, IntFunction<Fault> schedule) throws IOException {
        this.schedule = schedule;
        this.broker = NettyChannelBuilder.forTarget(brokerBootstrap).usePlaintext().maxInboundMessageSize(64 << 20).build();
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .maxInboundMessageSize(64 << 20)
                .addService(new Metadata())
                .addService(new Produce())
                .addService(new Transactions())
                .build()
                .start();
    }

    /** bootstrap.servers for a producer whose link this proxy is. */
    public String bootstrap() {
        return "127.0.0.1:" + server.getPort();
    }

    public int produceRequests() {
        return produceRequests.get();
    }

    /** Produce requests a fault other than NONE was applied to. */
    public int faultsApplied() {
        return faultsApplied.get();
    }

    private final class Metadata extends MetadataServiceGrpc.MetadataServiceImplBase {
        @Override
        public void getMetadata(MetadataRequest request, StreamObserver<MetadataResponse> observer) {
            try {
                MetadataResponse answer = MetadataServiceGrpc.newBlockingStub(broker).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .getMetadata(request);
                MetadataResponse.Builder rewritten = answer.toBuilder().clearBrokers();
                for (Node node : answer.getBrokersList()) {
                    rewritten.addBrokers(node.toBuilder().setHost("127.0.0.1").setPort(server.getPort()));
                }
                observer.onNext(rewritten.build());
                observer.onCompleted();
            } catch (StatusRuntimeException e) {
                observer.onError(e);
            }
        }
    }

    private final class Transactions extends TransactionServiceGrpc.TransactionServiceImplBase {
        @Override
        public void initProducerId(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> observer) {
            try {
                observer.onNext(TransactionServiceGrpc.newBlockingStub(broker).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .initProducerId(request));
                observer.onCompleted();
            } catch (StatusRuntimeException e) {
                observer.onError(e);
            }
        }
    }

    private final class Produce extends ProduceServiceGrpc.ProduceServiceImplBase {
        @Override
        public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
            Fault fault = schedule.apply(produceRequests.incrementAndGet());
            if (fault != Fault.NONE) {
                faultsApplied.incrementAndGet();
            }
            switch (fault) {
                case FAIL_BEFORE_BROKER -> {
                    observer.onError(Status.UNAVAILABLE.withDescription("injected: link down before the broker").asRuntimeException());
                    return;
                }
                case RETRIABLE_ERROR -> {
                    observer.onNext(retriableError(request));
                    observer.onCompleted();
                    return;
                }
                default -> {
                }
            }
            try {
                ProduceResponse answer = ProduceServiceGrpc.newBlockingStub(broker).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .produce(request);
                if (fault == Fault.DROP_ANSWER_AFTER_APPEND) {
                    observer.onError(Status.UNAVAILABLE.withDescription("injected: answer lost after the broker appended")
                            .asRuntimeException());
                    return;
                }
                observer.onNext(answer);
                observer.onCompleted();
            } catch (StatusRuntimeException e) {
                observer.onError(e);
            }
        }

        private ProduceResponse retriableError(ProduceRequest request) {
            ProduceResponse.Builder response = ProduceResponse.newBuilder();
            for (TopicProduceData topic : request.getTopicsList()) {
                TopicProduceResponse.Builder t = TopicProduceResponse.newBuilder().setTopic(topic.getTopic());
                for (PartitionProduceData partition : topic.getPartitionsList()) {
                    t.addPartitions(PartitionProduceResponse.newBuilder().setPartition(partition.getPartition())
                            .setError(ErrorCode.NOT_ENOUGH_REPLICAS).setErrorMessage("injected: retriable")
                            .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1));
                }
                response.addTopics(t);
            }
            return response.build();
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        broker.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
