package io.runnel.storage;

/**
 * Where an offset lives: the offset itself, the base offset of the segment holding it and the byte
 * position of its batch within that segment's {@code .log} file. {@link #UNKNOWN_POSITION} when only the
 * offset is known (for example an offset past the end of the log). Immutable value.
 */
public record LogOffsetMetadata(long messageOffset, long segmentBaseOffset, int relativePositionInSegment) {

    public static final long UNKNOWN_SEGMENT_BASE_OFFSET = -1L;
    public static final int UNKNOWN_POSITION = -1;

    /** Metadata for an offset whose segment and position are not known. */
    public static LogOffsetMetadata offsetOnly(long offset) {
        return new LogOffsetMetadata(offset, UNKNOWN_SEGMENT_BASE_OFFSET, UNKNOWN_POSITION);
    }

    public boolean positionKnown() {
        return segmentBaseOffset != UNKNOWN_SEGMENT_BASE_OFFSET && relativePositionInSegment != UNKNOWN_POSITION;
    }
}
