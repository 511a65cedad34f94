package io.runnel.metadata.image;

import io.runnel.proto.metadata.BrokerRegistrationChangeRecord;
import io.runnel.proto.metadata.FenceBrokerRecord;
import io.runnel.proto.metadata.RegisterBrokerRecord;
import io.runnel.proto.metadata.UnfenceBrokerRecord;
import io.runnel.proto.metadata.UnregisterBrokerRecord;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Broker changes replayed on top of a {@link ClusterImage}. Every record but RegisterBroker must name
 * the current epoch of a registered broker; a RegisterBroker must carry a larger epoch than the
 * registration it replaces. Not thread-safe.
 */
public final class ClusterDelta {

    private final ClusterImage base;
    /** Broker id -> its new registration, or empty when it was unregistered. */
    private final Map<Integer, Optional<BrokerRegistration>> changes = new TreeMap<>();

    public ClusterDelta(ClusterImage base) {
        this.base = base;
    }

    public ClusterImage base() {
        return base;
    }

    /** Broker id -> its registration after this delta, or empty if it was unregistered. Sorted by id. */
    public Map<Integer, Optional<BrokerRegistration>> changedBrokers() {
        return Collections.unmodifiableMap(changes);
    }

    /** The broker's registration as of this delta, or null if it is not registered. */
    public BrokerRegistration broker(int id) {
        Optional<BrokerRegistration> changed = changes.get(id);
        if (changed != null) {
            return changed.orElse(null);
        }
        return base.broker(id);
    }

    void replay(RegisterBrokerRecord record) {
        BrokerRegistration registration = BrokerRegistration.fromRecord(record);
        BrokerRegistration existing = broker(record.getBrokerId());
        if (existing != null && existing.epoch() >= registration.epoch()) {
            throw new IllegalStateException("broker " + record.getBrokerId() + " is already registered with epoch "
                    + existing.epoch() + ", not older than " + registration.epoch());
        }
        changes.put(record.getBrokerId(), Optional.of(registration));
    }

    void replay(UnregisterBrokerRecord record) {
        current(record.getBrokerId(), record.getBrokerEpoch());
        changes.put(record.getBrokerId(), Optional.empty());
    }

    void replay(FenceBrokerRecord record) {
        BrokerRegistration current = current(record.getBrokerId(), record.getBrokerEpoch());
        changes.put(record.getBrokerId(), Optional.of(current.withFencing(true, current.inControlledShutdown())));
    }

    void replay(UnfenceBrokerRecord record) {
        BrokerRegistration current = current(record.getBrokerId(), record.getBrokerEpoch());
        changes.put(record.getBrokerId(), Optional.of(current.withFencing(false, current.inControlledShutdown())));
    }

    void replay(BrokerRegistrationChangeRecord record) {
        BrokerRegistration current = current(record.getBrokerId(), record.getBrokerEpoch());
        boolean fenced = record.hasFenced() ? record.getFenced() : current.fenced();
        boolean shuttingDown = record.hasInControlledShutdown() ? record.getInControlledShutdown()
                : current.inControlledShutdown();
        changes.put(record.getBrokerId(), Optional.of(current.withFencing(fenced, shuttingDown)));
    }

    private BrokerRegistration current(int brokerId, long brokerEpoch) {
        BrokerRegistration current = broker(brokerId);
        if (current == null) {
            throw new IllegalStateException("broker " + brokerId + " is not registered");
        }
        if (current.epoch() != brokerEpoch) {
            throw new IllegalStateException("broker " + brokerId + " has epoch " + current.epoch()
                    + ", not " + brokerEpoch);
        }
        return current;
    }

    public ClusterImage apply() {
        if (changes.isEmpty()) {
            return base;
        }
        Map<Integer, BrokerRegistration> brokers = new HashMap<>(base.brokers());
        changes.forEach((id, registration) -> {
            if (registration.isPresent()) {
                brokers.put(id, registration.get());
            } else {
                brokers.remove(id);
            }
        });
        return new ClusterImage(brokers);
    }
}
