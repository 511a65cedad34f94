package io.runnel.replication.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Runs the replication simulation over many seeds ({@code -Dsim.seeds=N}, 1000 by default; the soak profile
 * runs far more). A failing seed is printed; {@code -Dsim.seed=N} replays exactly that run.
 */
class ReplicationSimulationTest {

    private static final int SEEDS_DEFAULT = 1000;

    @Test
    void everySeedKeepsTheReplicationInvariants() {
        String replay = System.getProperty("sim.seed");
        if (replay != null) {
            ReplicationSimulation.Result result = new ReplicationSimulation(Long.parseLong(replay)).run();
            assertThat(result.violation()).as("seed " + replay + " (" + result.summary() + ")").isNull();
            return;
        }
        int seeds = Integer.getInteger("sim.seeds", SEEDS_DEFAULT);
        long firstSeed = Long.getLong("sim.firstSeed", 1L);
        long acked = 0;
        long events = 0;
        for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
            ReplicationSimulation.Result result = new ReplicationSimulation(seed).run();
            assertThat(result.violation())
                    .as("seed " + seed + " (" + result.summary() + "); replay with -Dsim.seed=" + seed)
                    .isNull();
            acked += result.acked();
            events += result.events();
        }
        // Each run must have done real work, or the invariants held vacuously.
        assertThat(acked).as("records acknowledged with acks=all over all seeds").isGreaterThan(seeds * 100L);
        System.out.printf("replication simulation: %d seeds, %d events, %d records acknowledged with acks=all%n",
                seeds, events, acked);
    }
}
