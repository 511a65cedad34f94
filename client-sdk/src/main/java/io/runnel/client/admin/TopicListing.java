package io.runnel.client.admin;

import java.util.Objects;

/** One topic of a {@link ListTopicsResult}: its name, id (base64, as the metadata gives it) and whether it is internal. Immutable. */
public record TopicListing(String name, String topicId, boolean isInternal) {

    public TopicListing {
        Objects.requireNonNull(name, "name");
    }
}
