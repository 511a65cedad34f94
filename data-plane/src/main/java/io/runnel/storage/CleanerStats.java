package io.runnel.storage;

import io.runnel.common.time.Time;

/**
 * What one cleaning of one log did: bytes and records read and written, time spent building the key map
 * and rewriting, the key map's utilization. Filled by the cleaning thread, then published (read-only) for
 * metrics and the cleaning's log line. Not thread-safe while being filled.
 */
public final class CleanerStats {

    private final Time time;
    private final long startNs;
    private long mapDoneNs = -1;
    private long endNs = -1;
    long bytesRead;
    long bytesWritten;
    long mapBytesRead;
    long mapRecordsRead;
    long recordsRead;
    long recordsWritten;
    long invalidRecordsRead;
    long tombstonesRemoved;
    double bufferUtilization;

    CleanerStats(Time time) {
        this.time = time;
        this.startNs = time.nanoseconds();
    }

    /** Stats of no cleaning yet (what the metrics show before the first one). */
    static CleanerStats none() {
        CleanerStats stats = new CleanerStats(Time.SYSTEM);
        stats.mapDoneNs = stats.startNs;
        stats.endNs = stats.startNs;
        return stats;
    }

    void mapDone() {
        mapDoneNs = time.nanoseconds();
    }

    void allDone() {
        endNs = time.nanoseconds();
    }

    public long bytesRead() {
        return bytesRead;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    public long recordsRead() {
        return recordsRead;
    }

    public long recordsWritten() {
        return recordsWritten;
    }

    /** Records without a key found in a compacted log (dropped, as Kafka does). */
    public long invalidRecordsRead() {
        return invalidRecordsRead;
    }

    public long tombstonesRemoved() {
        return tombstonesRemoved;
    }

    public long mapBytesRead() {
        return mapBytesRead;
    }

    public double bufferUtilization() {
        return bufferUtilization;
    }

    public double elapsedSecs() {
        return ((endNs < 0 ? time.nanoseconds() : endNs) - startNs) / 1e9;
    }

    public double elapsedMapSecs() {
        return ((mapDoneNs < 0 ? time.nanoseconds() : mapDoneNs) - startNs) / 1e9;
    }

    @Override
    public String toString() {
        double mb = 1024.0 * 1024.0;
        double secs = Math.max(elapsedSecs(), 1e-9);
        return String.format("%.1f MiB read and %.1f MiB written in %.2f s (%.1f MiB/s; key map %.2f s over %.1f MiB, "
                        + "%.0f%% full); %d of %d records kept, %d tombstones removed, %d records without a key dropped",
                bytesRead / mb, bytesWritten / mb, elapsedSecs(), (bytesRead + bytesWritten) / mb / secs, elapsedMapSecs(),
                mapBytesRead / mb, 100 * bufferUtilization, recordsWritten, recordsRead, tombstonesRemoved, invalidRecordsRead);
    }
}
