package io.runnel.client.admin;

/** A consumer group as ListGroups names it: its id and state (Empty, Assigning, Reconciling, Stable). Immutable. */
public record ConsumerGroupListing(String groupId, String state) {
}
