package io.runnel.metadata.image;

import io.runnel.common.TopicNames;
import io.runnel.proto.metadata.PartitionChangeRecord;
import io.runnel.proto.metadata.PartitionRecord;
import io.runnel.proto.metadata.RemoveTopicRecord;
import io.runnel.proto.metadata.TopicRecord;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Topic creations, deletions and partition changes replayed on top of a {@link TopicsImage}. A topic
 * created and deleted within the same delta leaves no trace; {@link #deletedTopicIds()} lists only
 * topics of the base image. Not thread-safe.
 */
public final class TopicsDelta {

    private final TopicsImage base;
    /** Topics created or changed by this delta, in replay order. */
    private final Map<UUID, TopicDelta> changedTopics = new LinkedHashMap<>();
    /** Names of topics created by this delta (and not deleted again). */
    private final Map<String, UUID> createdTopicIds = new HashMap<>();
    /** Topics of the base image deleted by this delta: id -> name. */
    private final Map<UUID, String> deletedTopicNames = new LinkedHashMap<>();

    public TopicsDelta(TopicsImage base) {
        this.base = base;
    }

    public TopicsImage base() {
        return base;
    }

    /** Topics created or changed by this delta, by id, in replay order. */
    public Map<UUID, TopicDelta> changedTopics() {
        return Collections.unmodifiableMap(changedTopics);
    }

    /** Ids of base-image topics that this delta deleted. */
    public Set<UUID> deletedTopicIds() {
        return Collections.unmodifiableSet(deletedTopicNames.keySet());
    }

    /** Names of base-image topics that this delta deleted, by id. */
    public Map<UUID, String> deletedTopicNames() {
        return Collections.unmodifiableMap(deletedTopicNames);
    }

    /** Ids of topics created by this delta. */
    public Set<UUID> createdTopicIds() {
        return Set.copyOf(createdTopicIds.values());
    }

    /** The topic's id as of this delta, or null if no topic has that name. */
    public UUID topicId(String name) {
        UUID created = createdTopicIds.get(name);
        if (created != null) {
            return created;
        }
        TopicImage topic = base.getTopic(name);
        return topic != null && !deletedTopicNames.containsKey(topic.id()) ? topic.id() : null;
    }

    /** The topic's name as of this delta, or null if no topic has that id. */
    public String topicName(UUID id) {
        TopicDelta changed = changedTopics.get(id);
        if (changed != null) {
            return changed.name();
        }
        TopicImage topic = base.getTopicById(id);
        return topic != null && !deletedTopicNames.containsKey(id) ? topic.name() : null;
    }

    void replay(TopicRecord record) {
        UUID id = parseId(record.getTopicId());
        if (!TopicNames.isValid(record.getName())) {
            throw new IllegalStateException("'" + record.getName() + "' is not a legal topic name");
        }
        if (topicName(id) != null || deletedTopicNames.containsKey(id)) {
            throw new IllegalStateException("topic id " + id + " is already in use");
        }
        if (topicId(record.getName()) != null) {
            throw new IllegalStateException("topic '" + record.getName() + "' already exists");
        }
        createdTopicIds.put(record.getName(), id);
        changedTopics.put(id, new TopicDelta(new TopicImage(record.getName(), id, Map.of()), true));
    }

    void replay(PartitionRecord record) {
        topicDelta(record.getTopicId()).replay(record);
    }

    void replay(PartitionChangeRecord record) {
        topicDelta(record.getTopicId()).replay(record);
    }

    /** Returns the name of the removed topic. */
    String replay(RemoveTopicRecord record) {
        UUID id = parseId(record.getTopicId());
        String name = topicName(id);
        if (name == null) {
            throw new IllegalStateException("no topic has id " + id);
        }
        TopicDelta changed = changedTopics.remove(id);
        if (changed != null && changed.isCreated()) {
            createdTopicIds.remove(name);
        } else {
            deletedTopicNames.put(id, name);
        }
        return name;
    }

    private TopicDelta topicDelta(String topicId) {
        UUID id = parseId(topicId);
        TopicDelta delta = changedTopics.get(id);
        if (delta != null) {
            return delta;
        }
        TopicImage topic = base.getTopicById(id);
        if (topic == null || deletedTopicNames.containsKey(id)) {
            throw new IllegalStateException("no topic has id " + id);
        }
        delta = new TopicDelta(topic, false);
        changedTopics.put(id, delta);
        return delta;
    }

    private static UUID parseId(String topicId) {
        try {
            return UUID.fromString(topicId);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("malformed topic id '" + topicId + "'", e);
        }
    }

    /**
     * What broker {@code brokerId} must do: lead or follow every partition whose registration this
     * delta created or changed and that lists it as a replica, and delete its replicas of deleted
     * topics and of partitions whose replica set no longer includes it.
     */
    public LocalReplicaChanges localChanges(int brokerId) {
        Map<TopicIdPartition, PartitionRegistration> leaders = new HashMap<>();
        Map<TopicIdPartition, PartitionRegistration> followers = new HashMap<>();
        Set<TopicIdPartition> deletes = new HashSet<>();
        for (TopicDelta topic : changedTopics.values()) {
            topic.partitionChanges().forEach((partition, registration) -> {
                TopicIdPartition tip = new TopicIdPartition(topic.id(), topic.name(), partition);
                if (registration.leader() == brokerId) {
                    leaders.put(tip, registration);
                } else if (registration.hasReplica(brokerId)) {
                    followers.put(tip, registration);
                } else {
                    PartitionRegistration previous = topic.image().partition(partition);
                    if (previous != null && previous.hasReplica(brokerId)) {
                        deletes.add(tip);
                    }
                }
            });
        }
        deletedTopicNames.forEach((id, name) -> base.getTopicById(id).partitions().forEach((partition, registration) -> {
            if (registration.hasReplica(brokerId)) {
                deletes.add(new TopicIdPartition(id, name, partition));
            }
        }));
        return new LocalReplicaChanges(leaders, followers, deletes);
    }

    public TopicsImage apply() {
        if (changedTopics.isEmpty() && deletedTopicNames.isEmpty()) {
            return base;
        }
        Map<UUID, TopicImage> topics = new HashMap<>(base.topicsById());
        deletedTopicNames.keySet().forEach(topics::remove);
        for (TopicDelta delta : changedTopics.values()) {
            topics.put(delta.id(), delta.apply());
        }
        return new TopicsImage(topics);
    }
}
