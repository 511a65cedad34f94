package io.runnel.common.time;

import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to; sleep advances it. Thread-safe. Shared through the test-jar. */
public final class MockTime implements Time {

    private final AtomicLong nanos;
    private final long wallClockOffsetMs;

    public MockTime() {
        this(1_700_000_000_000L);
    }

    public MockTime(long startWallClockMs) {
        this.nanos = new AtomicLong(0);
        this.wallClockOffsetMs = startWallClockMs;
    }

    @Override
    public long milliseconds() {
        return wallClockOffsetMs + nanos.get() / 1_000_000L;
    }

    @Override
    public long nanoseconds() {
        return nanos.get();
    }

    @Override
    public void sleep(long ms) {
        advance(ms);
    }

    public void advance(long ms) {
        nanos.addAndGet(ms * 1_000_000L);
    }
}
