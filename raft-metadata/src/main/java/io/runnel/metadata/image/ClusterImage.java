package io.runnel.metadata.image;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** The registered brokers, by id. Immutable and thread-safe. */
public final class ClusterImage {

    public static final ClusterImage EMPTY = new ClusterImage(Map.of());

    private final Map<Integer, BrokerRegistration> brokers;
    private final List<BrokerRegistration> activeBrokers;

    public ClusterImage(Map<Integer, BrokerRegistration> brokers) {
        this.brokers = Collections.unmodifiableMap(new TreeMap<>(brokers));
        this.activeBrokers = this.brokers.values().stream().filter(b -> !b.fenced()).toList();
    }

    /** Every registered broker, fenced or not, sorted by id. */
    public Map<Integer, BrokerRegistration> brokers() {
        return brokers;
    }

    /** The broker's registration, or null if no broker with that id is registered. */
    public BrokerRegistration broker(int id) {
        return brokers.get(id);
    }

    /** Unfenced brokers sorted by id: the ones that may lead partitions and receive new replicas. */
    public List<BrokerRegistration> activeBrokers() {
        return activeBrokers;
    }

    /** True if the broker is registered and not fenced. */
    public boolean isActive(int id) {
        BrokerRegistration broker = brokers.get(id);
        return broker != null && !broker.fenced();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterImage other && brokers.equals(other.brokers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(brokers);
    }

    @Override
    public String toString() {
        return "ClusterImage" + brokers.values();
    }
}
