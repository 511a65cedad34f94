package io.runnel.metadata.image;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Every topic, by name and by id. The two maps always hold the same topics. Building a new TopicsImage
 * copies the two maps of references (O(topics)), but every unchanged {@link TopicImage} is shared with
 * the previous image. Immutable and thread-safe.
 */
public final class TopicsImage {

    public static final TopicsImage EMPTY = new TopicsImage(Map.of());

    private final Map<UUID, TopicImage> topicsById;
    private final Map<String, TopicImage> topicsByName;

    public TopicsImage(Map<UUID, TopicImage> topicsById) {
        Map<String, TopicImage> byName = new HashMap<>();
        for (TopicImage topic : topicsById.values()) {
            if (byName.put(topic.name(), topic) != null) {
                throw new IllegalArgumentException("two topics are named '" + topic.name() + "'");
            }
        }
        this.topicsById = Collections.unmodifiableMap(new HashMap<>(topicsById));
        this.topicsByName = Collections.unmodifiableMap(byName);
    }

    /** The topic with that name, or null. */
    public TopicImage getTopic(String name) {
        return topicsByName.get(name);
    }

    /** The topic with that id, or null. */
    public TopicImage getTopicById(UUID id) {
        return topicsById.get(id);
    }

    public Map<String, TopicImage> topicsByName() {
        return topicsByName;
    }

    public Map<UUID, TopicImage> topicsById() {
        return topicsById;
    }

    public boolean isEmpty() {
        return topicsById.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicsImage other && topicsById.equals(other.topicsById);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topicsById);
    }

    @Override
    public String toString() {
        return "TopicsImage" + topicsByName.keySet();
    }
}
