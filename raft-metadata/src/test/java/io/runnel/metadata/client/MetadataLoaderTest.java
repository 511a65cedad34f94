package io.runnel.metadata.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.common.time.Time;
import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.server.QuorumVoters;
import io.runnel.proto.ControllerServiceGrpc;
import io.runnel.proto.FetchMetadataRequest;
import io.runnel.proto.MetadataDelivery;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.TopicRecord;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** MetadataLoader against scripted FetchMetadata streams: snapshots, batches, resumption, skipped batches. */
class MetadataLoaderTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<Server> servers = new ArrayList<>();
    private ControllerChannel channel;
    private MetadataLoader loader;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (loader != null) {
            loader.close();
        }
        if (channel != null) {
            channel.close();
        }
        for (Server server : servers) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A controller whose FetchMetadata calls are handed to the test. */
    private static final class Scripted extends ControllerServiceGrpc.ControllerServiceImplBase {
        final BlockingQueue<FetchMetadataRequest> requests = new LinkedBlockingQueue<>();
        final BlockingQueue<StreamObserver<MetadataDelivery>> streams = new LinkedBlockingQueue<>();

        @Override
        public void fetchMetadata(FetchMetadataRequest request, StreamObserver<MetadataDelivery> observer) {
            requests.add(request);
            streams.add(observer);
        }
    }

    private QuorumVoters.Voter serve(int nodeId, Scripted service) throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
                .build().start();
        servers.add(server);
        return new QuorumVoters.Voter(nodeId, "127.0.0.1", server.getPort());
    }

    private static MetadataRecord topic(String name) {
        return MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name)
                .setTopicId(UUID.nameUUIDFromBytes(name.getBytes()).toString())).build();
    }

    private static MetadataDelivery snapshot(long offset, String... topics) {
        MetadataDelivery.Builder delivery = MetadataDelivery.newBuilder().setIsSnapshot(true).setLastOffset(offset)
                .setCommittedOffset(offset);
        for (String name : topics) {
            delivery.addRecords(topic(name));
        }
        return delivery.build();
    }

    private static MetadataDelivery batch(long offset, MetadataRecord... records) {
        return MetadataDelivery.newBuilder().setLastOffset(offset).setCommittedOffset(offset)
                .addAllRecords(List.of(records)).build();
    }

    @Test
    void appliesSnapshotsAndBatchesAndResumesOnAnotherVoter() throws Exception {
        Scripted first = new Scripted();
        Scripted second = new Scripted();
        channel = new ControllerChannel(QuorumVoters.of(List.of(serve(1, first), serve(2, second))));
        loader = new MetadataLoader(channel, -1, Time.SYSTEM);
        List<MetadataImage> published = new CopyOnWriteArrayList<>();
        List<MetadataImage> bases = new CopyOnWriteArrayList<>();
        BiConsumer<MetadataDelta, MetadataImage> recorder = (delta, image) -> {
            bases.add(delta.base());
            published.add(image);
        };
        loader.register(recorder::accept);
        var waiting = loader.awaitOffset(7);
        loader.start();

        assertThat(first.requests.poll(10, TimeUnit.SECONDS).getFromOffset()).isEqualTo(-1);
        StreamObserver<MetadataDelivery> stream = first.streams.take();
        stream.onNext(snapshot(5, "a"));
        stream.onNext(batch(7, topic("b")));
        assertThat(waiting.get(10, TimeUnit.SECONDS).topics().topicsByName()).containsOnlyKeys("a", "b");
        stream.onNext(batch(7, topic("duplicate")));
        // A batch the controllers rejected when they applied it (the topic exists) is skipped whole.
        stream.onNext(batch(8, topic("c"), topic("a")));
        stream.onError(Status.UNAVAILABLE.withDescription("controller stopped").asRuntimeException());

        FetchMetadataRequest resumed = second.requests.poll(10, TimeUnit.SECONDS);
        assertThat(resumed.getFromOffset()).isEqualTo(8);
        StreamObserver<MetadataDelivery> next = second.streams.take();
        next.onNext(snapshot(20, "z"));
        MetadataImage image = loader.awaitOffset(20).get(10, TimeUnit.SECONDS);
        assertThat(image.topics().topicsByName()).containsOnlyKeys("z");
        assertThat(image.offset()).isEqualTo(20);

        await().atMost(TIMEOUT).until(() -> published.size() == 3);
        assertThat(published).extracting(MetadataImage::offset).containsExactly(5L, 7L, 20L);
        assertThat(bases.get(0)).isSameAs(MetadataImage.EMPTY);
        assertThat(bases.get(1)).isSameAs(published.get(0));
        assertThat(bases.get(2)).isSameAs(MetadataImage.EMPTY);
        assertThat(loader.currentImage()).isSameAs(image);
    }
}
