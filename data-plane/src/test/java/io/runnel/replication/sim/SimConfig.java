package io.runnel.replication.sim;

import java.util.Random;

/**
 * The shape and timing of one simulation run, drawn from its seed: cluster size (3-5 brokers, all of them
 * replicas of every partition), partitions, durability mode, and the protocol's durations scaled down
 * (a 900 ms session instead of 9 s) so that many failovers fit in a short run.
 *
 * @param flushEveryAppend durable mode: every append is flushed, so a power loss loses nothing acknowledged
 *                         and may hit any RF-1 brokers at once; otherwise (Kafka's default) a power loss
 *                         never hits the last live member of an ISR
 */
record SimConfig(int brokers, int partitions, int minInsyncReplicas, boolean flushEveryAppend,
                 long sessionTimeoutMs, long heartbeatIntervalMs, long leaseMs, long replicaLagTimeMaxMs,
                 long fetchWaitMaxMs, long fetchBackoffMs, long requestTimeoutMs, long tickIntervalMs,
                 long metadataPullIntervalMs, long flushIntervalMs, int fetchBatchesMax, double clockDriftMax,
                 long faultPhaseMs, long quiescePhaseMs) {

    static final String TOPIC = "sim";

    static SimConfig from(Random random) {
        int brokers = 3 + random.nextInt(3);
        long session = 900;
        return new SimConfig(brokers, 1 + random.nextInt(2), 2, random.nextInt(4) == 0,
                session, 100, session / 2, 1000,
                100, 50, 1500, 50,
                50, 100 + random.nextInt(900), 3, 0.02,
                12_000, 8_000);
    }

    int replicationFactor() {
        return brokers;
    }
}
