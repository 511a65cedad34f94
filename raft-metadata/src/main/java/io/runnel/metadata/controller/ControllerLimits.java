package io.runnel.metadata.controller;

/**
 * The bounds of controller requests (DESIGN §10), in one place. Each keeps one decision, and the batch
 * of records it produces, to a size that the metadata log and every subscriber apply quickly.
 */
public final class ControllerLimits {

    /** Most partitions one topic may have: Kafka recommends well under this per broker anyway. */
    public static final int PARTITIONS_PER_TOPIC_MAX = 10_000;

    /** Most partitions one CreateTopics or CreatePartitions request may create, across its topics. */
    public static final int NEW_PARTITIONS_PER_REQUEST_MAX = 10_000;

    /** Most partitions one AlterPartitionReassignments request may name: one PartitionChange each at most. */
    public static final int REASSIGNMENTS_PER_REQUEST_MAX = 10_000;

    /** Size of a producer-id block handed to a broker by AllocateProducerIds. */
    public static final int PRODUCER_ID_BLOCK_SIZE = 1_000;

    private ControllerLimits() {
    }
}
