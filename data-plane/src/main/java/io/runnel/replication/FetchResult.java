package io.runnel.replication;

import io.runnel.proto.ErrorCode;
import java.nio.ByteBuffer;

/** Outcome of one partition of a fetch: whole batches in {@code records} (possibly empty) or an error. */
public record FetchResult(ErrorCode error, String errorMessage, long highWatermark, long logStartOffset,
                          ByteBuffer records, int leaderId, int leaderEpoch) {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    public static FetchResult error(ErrorCode error, String message, int leaderId, int leaderEpoch) {
        return new FetchResult(error, message, -1, -1, EMPTY, leaderId, leaderEpoch);
    }

    public int sizeInBytes() {
        return records.remaining();
    }
}
