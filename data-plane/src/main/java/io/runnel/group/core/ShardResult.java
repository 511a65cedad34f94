package io.runnel.group.core;

import java.util.List;

/**
 * What an operation on a {@link GroupShard} decided: the records to append (already replayed into the shard),
 * the answer to the caller, and the changes to push to other members' streams. The shell sends the answer and
 * the pushes only once the records are replicated. Immutable.
 */
public record ShardResult<T>(List<CoordinatorRecord> records, T response, List<MemberUpdate> updates) {

    public ShardResult {
        records = List.copyOf(records);
        updates = List.copyOf(updates);
    }

    public static <T> ShardResult<T> of(T response) {
        return new ShardResult<>(List.of(), response, List.of());
    }
}
