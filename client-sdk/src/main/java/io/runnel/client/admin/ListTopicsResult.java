package io.runnel.client.admin;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The outcome of {@link Admin#listTopics()}, as Kafka's: the names, the listings, or both by name, each a
 * future that fails with the call's {@link io.runnel.common.errors.ApiException} (e.g. a
 * {@link io.runnel.common.errors.TimeoutException} when no broker answered within the call's bound).
 * Thread-safe.
 */
public final class ListTopicsResult {

    private final CompletableFuture<Map<String, TopicListing>> listings;

    ListTopicsResult(CompletableFuture<Map<String, TopicListing>> listings) {
        this.listings = listings;
    }

    /** Topic name to listing, sorted by name. */
    public CompletableFuture<Map<String, TopicListing>> namesToListings() {
        return listings.thenApply(map -> (Map<String, TopicListing>) new TreeMap<>(map));
    }

    /** The listings, sorted by name. */
    public CompletableFuture<Collection<TopicListing>> listings() {
        return namesToListings().thenApply(Map::values);
    }

    /** The topic names, sorted. */
    public CompletableFuture<Set<String>> names() {
        return listings.thenApply(map -> (Set<String>) new TreeSet<>(map.keySet()));
    }
}
