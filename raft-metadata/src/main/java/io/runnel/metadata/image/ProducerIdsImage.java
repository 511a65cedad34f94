package io.runnel.metadata.image;

/** The first producer id not yet handed out in a block. Immutable and thread-safe. */
public final class ProducerIdsImage {

    public static final ProducerIdsImage EMPTY = new ProducerIdsImage(0L);

    private final long nextProducerId;

    public ProducerIdsImage(long nextProducerId) {
        this.nextProducerId = nextProducerId;
    }

    public long nextProducerId() {
        return nextProducerId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProducerIdsImage other && nextProducerId == other.nextProducerId;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(nextProducerId);
    }

    @Override
    public String toString() {
        return "ProducerIdsImage(nextProducerId=" + nextProducerId + ")";
    }
}
