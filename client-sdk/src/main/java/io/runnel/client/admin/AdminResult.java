package io.runnel.client.admin;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The outcome of an admin call over several items (topics, partitions, resources): one future per item,
 * failing with an {@link io.runnel.common.errors.ApiException} carrying that item's error code and the
 * server's message, and {@link #all()}, which fails with the first item's failure. Use
 * {@code all().get()} (or {@code join()}) to block. Kafka's {@code CreateTopicsResult}, {@code DeleteTopicsResult}
 * and the like are this type ({@code values()}, {@code all()}); {@link DescribeTopicsResult} adds Kafka's
 * topic-name methods. Thread-safe. Subclassed only in this package.
 */
public class AdminResult<K, V> {

    private final Map<K, CompletableFuture<V>> values;

    AdminResult(Map<K, CompletableFuture<V>> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public Map<K, CompletableFuture<V>> values() {
        return values;
    }

    /** The future of one item; null when the item was not part of the call. */
    public CompletableFuture<V> value(K key) {
        return values.get(key);
    }

    /** Completes with every item's value once all succeeded, or fails with the first failure. */
    public CompletableFuture<Map<K, V>> all() {
        return CompletableFuture.allOf(values.values().toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
            Map<K, V> map = new LinkedHashMap<>();
            values.forEach((k, f) -> map.put(k, f.join()));
            return map;
        });
    }
}
