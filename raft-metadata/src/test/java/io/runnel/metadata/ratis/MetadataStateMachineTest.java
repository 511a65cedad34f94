package io.runnel.metadata.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.metadata.MetadataBatch;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.TopicRecord;
import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageDirectory;
import org.apache.ratis.server.storage.RaftStorageMetadataFile;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state machine driven directly, as Ratis' apply thread would: apply, rejected batches, refusal
 * while paused, skipping already-stored entries after a restart, snapshot and restore.
 */
class MetadataStateMachineTest {

    @TempDir
    Path dir;

    private final List<Throwable> fatal = new CopyOnWriteArrayList<>();
    private MetadataStateMachine machine;

    @AfterEach
    void tearDown() throws Exception {
        if (machine != null) {
            machine.close();
        }
        assertThat(fatal).isEmpty();
    }

    private MetadataStateMachine open() throws Exception {
        MetadataStateMachine opened = new MetadataStateMachine(dir.resolve("image"), 16, fatal::add);
        opened.initialize(fakeServer(), RaftGroupId.randomId(), storage(dir.resolve("ratis").toFile()));
        return opened;
    }

    private static RaftServer fakeServer() {
        RaftPeerId id = RaftPeerId.valueOf("1");
        return (RaftServer) Proxy.newProxyInstance(RaftServer.class.getClassLoader(),
                new Class<?>[] {RaftServer.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getId" -> id;
                    case "toString" -> "fake-server";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static RaftStorage storage(File root) {
        RaftStorageDirectory directory = new RaftStorageDirectory() {
            @Override
            public File getRoot() {
                return root;
            }

            @Override
            public boolean isHealthy() {
                return true;
            }
        };
        return new RaftStorage() {
            @Override
            public void initialize() {
            }

            @Override
            public RaftStorageDirectory getStorageDir() {
                return directory;
            }

            @Override
            public RaftStorageMetadataFile getMetadataFile() {
                throw new UnsupportedOperationException();
            }

            @Override
            public RaftServerConfigKeys.Log.CorruptionPolicy getLogCorruptionPolicy() {
                return RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION;
            }

            @Override
            public void close() {
            }
        };
    }

    private static MetadataRecord topic(String name) {
        return MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name)
                .setTopicId(UUID.nameUUIDFromBytes(name.getBytes()).toString())).build();
    }

    private CompletableFuture<Message> apply(long term, long index, ByteString data) {
        LogEntryProto entry = LogEntryProto.newBuilder().setTerm(term).setIndex(index)
                .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(data)).build();
        return machine.applyTransaction(TransactionContext.newBuilder().setServerRole(RaftPeerRole.FOLLOWER)
                .setStateMachine(machine).setLogEntry(entry).build());
    }

    private CompletableFuture<Message> apply(long term, long index, MetadataRecord... records) {
        MetadataBatch batch = MetadataBatch.newBuilder().addAllRecords(List.of(records)).setControllerId(1).build();
        return apply(term, index, ByteString.copyFrom(batch.toByteArray()));
    }

    @Test
    void appliesRejectsAndRefusesWhilePaused() throws Exception {
        machine = open();
        assertThat(machine.getLifeCycleState()).isEqualTo(LifeCycle.State.RUNNING);
        assertThat(MetadataStateMachine.offsetOf(apply(1, 1, topic("a")).get())).isEqualTo(1);
        assertThat(machine.currentImage().topics().getTopic("a")).isNotNull();

        // Replay fails (the topic exists): the whole batch is rejected, "b" included.
        assertThat(apply(1, 2, topic("b"), topic("a"))).isCompletedExceptionally();
        assertThat(apply(1, 3, ByteString.copyFromUtf8("not a batch"))).isCompletedExceptionally();
        assertThat(machine.currentImage().topics().getTopic("b")).isNull();
        assertThat(machine.getLastAppliedTermIndex().getIndex()).isEqualTo(3);

        machine.pause();
        assertThat(apply(1, 4, topic("c"))).isCompletedExceptionally();
        assertThat(machine.currentImage().topics().getTopic("c")).isNull();
        assertThat(machine.currentImage().offset()).isEqualTo(1);
    }

    @Test
    void restartSkipsStoredEntriesAndSnapshotsRestoreTheStore() throws Exception {
        machine = open();
        apply(1, 1, topic("a")).get();
        apply(1, 2, topic("b")).get();
        machine.close();

        machine = open();
        MetadataImage loaded = machine.currentImage();
        assertThat(loaded.topics().topicsByName()).containsOnlyKeys("a", "b");
        // Ratis replays from its snapshot (none yet): stored entries are skipped, not applied twice.
        assertThat(MetadataStateMachine.offsetOf(apply(1, 1, topic("a")).get())).isEqualTo(1);
        assertThat(MetadataStateMachine.offsetOf(apply(1, 2, topic("b")).get())).isEqualTo(2);
        assertThat(machine.currentImage()).isSameAs(loaded);
        apply(2, 3, topic("c")).get();
        assertThat(machine.takeSnapshot()).isEqualTo(3);
        assertThat(machine.getLatestSnapshot().getTermIndex().getIndex()).isEqualTo(3);
        apply(2, 4, topic("d")).get();
        machine.close();

        // The live store is lost: the snapshot's checkpoint is restored, and the log replays the tail.
        MetadataSnapshotStorage.deleteRecursively(dir.resolve("image"));
        machine = open();
        assertThat(machine.currentImage().topics().topicsByName()).containsOnlyKeys("a", "b", "c");
        assertThat(machine.getLastAppliedTermIndex().getIndex()).isEqualTo(3);
        apply(2, 4, topic("d")).get();
        assertThat(machine.currentImage().topics().topicsByName()).containsOnlyKeys("a", "b", "c", "d");
        assertThat(machine.recent().after(3, 10).orElseThrow()).extracting(CommittedBatch::offset)
                .containsExactly(4L);
    }
}
