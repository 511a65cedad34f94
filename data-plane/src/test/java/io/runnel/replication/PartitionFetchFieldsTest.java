package io.runnel.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.proto.ReplicaFetchPartition;
import org.junit.jupiter.api.Test;

/**
 * How the leader reads a follower fetch's optional fields. A fetch that leaves established_epoch unset
 * (a client of another language, an older follower) must claim no epoch: read as 0 it would tell a new
 * leader of epoch 1 that its predecessor stepped down, and cut the wait out of the old leader's lease short.
 */
class PartitionFetchFieldsTest {

    @Test
    void anUnsetEstablishedEpochClaimsNoEpochAndASetOneIsTakenAsItIs() {
        ReplicaFetchPartition unset = ReplicaFetchPartition.newBuilder().setPartition(0).setFetchOffset(5).build();
        assertThat(unset.getEstablishedEpoch()).as("the proto default").isZero();
        assertThat(Partition.establishedEpoch(unset)).isEqualTo(-1);

        assertThat(Partition.establishedEpoch(unset.toBuilder().setEstablishedEpoch(0).build())).isZero();
        assertThat(Partition.establishedEpoch(unset.toBuilder().setEstablishedEpoch(7).build())).isEqualTo(7);
        assertThat(Partition.establishedEpoch(unset.toBuilder().setEstablishedEpoch(-1).build())).isEqualTo(-1);
    }
}
