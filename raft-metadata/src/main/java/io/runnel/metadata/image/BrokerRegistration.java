package io.runnel.metadata.image;

import io.runnel.proto.metadata.RegisterBrokerRecord;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A broker as the metadata log knows it: the registration with the highest epoch, plus its fencing and
 * controlled-shutdown state. {@code epoch} is the metadata offset of the RegisterBroker record, so a
 * re-registration (a restarted broker, a new incarnation) always has a larger epoch. Immutable.
 */
public record BrokerRegistration(int id, long epoch, UUID incarnationId, Map<String, Endpoint> endpoints,
                                 Optional<String> rack, boolean fenced, boolean inControlledShutdown) {

    public BrokerRegistration {
        Objects.requireNonNull(incarnationId, "incarnationId");
        Objects.requireNonNull(rack, "rack");
        // Sorted by listener name so that toRecord() and equality do not depend on insertion order.
        endpoints = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(endpoints, "endpoints")));
    }

    public Optional<Endpoint> endpoint(String listener) {
        return Optional.ofNullable(endpoints.get(listener));
    }

    public BrokerRegistration withFencing(boolean newFenced, boolean newInControlledShutdown) {
        return new BrokerRegistration(id, epoch, incarnationId, endpoints, rack, newFenced, newInControlledShutdown);
    }

    /** The registration a RegisterBroker record describes; throws IllegalStateException for a malformed record. */
    public static BrokerRegistration fromRecord(RegisterBrokerRecord record) {
        UUID incarnation;
        try {
            incarnation = UUID.fromString(record.getIncarnationId());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("RegisterBroker of broker " + record.getBrokerId()
                    + " carries a malformed incarnation id '" + record.getIncarnationId() + "'", e);
        }
        Map<String, Endpoint> endpoints = new TreeMap<>();
        for (io.runnel.proto.Endpoint endpoint : record.getEndpointsList()) {
            if (endpoints.put(endpoint.getListener(), Endpoint.fromProto(endpoint)) != null) {
                throw new IllegalStateException("RegisterBroker of broker " + record.getBrokerId()
                        + " names listener '" + endpoint.getListener() + "' twice");
            }
        }
        Optional<String> rack = record.getRack().isEmpty() ? Optional.empty() : Optional.of(record.getRack());
        return new BrokerRegistration(record.getBrokerId(), record.getBrokerEpoch(), incarnation, endpoints, rack,
                record.getFenced(), record.getInControlledShutdown());
    }

    /** The record that recreates this registration, fencing state included (used by snapshots). */
    public RegisterBrokerRecord toRecord() {
        RegisterBrokerRecord.Builder builder = RegisterBrokerRecord.newBuilder()
                .setBrokerId(id)
                .setIncarnationId(incarnationId.toString())
                .setBrokerEpoch(epoch)
                .setRack(rack.orElse(""))
                .setFenced(fenced)
                .setInControlledShutdown(inControlledShutdown);
        endpoints.values().forEach(e -> builder.addEndpoints(e.toProto()));
        return builder.build();
    }
}
