package io.runnel.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** DescribeQuorum's reading of Ratis's peer contacts, which at start-up may name no peer yet. */
class QuorumContactTest {

    private static ServerRpcProto peer(String id, long elapsedMs) {
        return ServerRpcProto.newBuilder()
                .setId(RaftPeerProto.newBuilder().setId(ByteString.copyFromUtf8(id)))
                .setLastRpcElapsedTimeMs(elapsedMs)
                .build();
    }

    @Test
    void aPeerNamedByItsNodeIdIsRecorded() {
        Map<Integer, Long> contacts = new HashMap<>();
        ControllerServiceImpl.putContact(contacts, peer("2", 40));
        assertThat(contacts).containsExactly(Map.entry(2, 40L));
    }

    @Test
    void aLeaderNotKnownYetOrANameThatIsNoNodeIdIsLeftOutInsteadOfFailingTheCall() {
        Map<Integer, Long> contacts = new HashMap<>();
        ControllerServiceImpl.putContact(contacts, peer("", 0));
        ControllerServiceImpl.putContact(contacts, peer("n1", 5));
        ControllerServiceImpl.putContact(contacts, peer("99999999999", 5));
        assertThat(contacts).isEmpty();
    }
}
