package io.runnel.replication;

import io.runnel.common.time.Time;
import java.util.function.LongSupplier;

/**
 * What the replica manager needs from the node to replicate: settings, the clock, the broker's lease,
 * its registration epoch, and the ways to reach leaders and the controller.
 *
 * @param leaders            streams to leader brokers; null: this broker never follows (single-broker tests)
 * @param controller         where ISR proposals go; null: none are sent (single-broker tests)
 * @param brokerEpoch        this incarnation's registration epoch (-1 before it registered)
 * @param gateOnRegistration act on partition roles only once the image holds this incarnation's own
 *                           registration: a restarted broker must not lead on its previous incarnation's
 *                           leaderships, which the controller takes away when the new one registers
 */
public record ReplicationContext(ReplicationConfig config, Time time, BrokerLease lease, LeaderChannels leaders,
                                 ControllerLink controller, LongSupplier brokerEpoch, boolean gateOnRegistration) {

    /** A broker that is alone: no followers to fetch, no controller to ask, no registration to wait for. */
    public static ReplicationContext standalone(Time time) {
        ReplicationConfig config = ReplicationConfig.defaults();
        return new ReplicationContext(config, time, new BrokerLease(config.sessionTimeoutMs()), null, null, () -> -1L, false);
    }
}
