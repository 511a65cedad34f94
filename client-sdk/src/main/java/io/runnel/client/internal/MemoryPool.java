package io.runnel.client.internal;

import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The producer's {@code buffer.memory}: a byte budget that batches reserve when they are opened and give
 * back when they complete. A reservation that does not fit waits, first come first served, up to
 * {@code max.block.ms}; that wait is the producer's back-pressure. Only bytes are counted (batches keep
 * their own buffers), so the bound is on what the accumulator holds, not on the JVM heap exactly.
 * Thread-safe.
 */
public final class MemoryPool {

    private final long totalBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<Condition> waiters = new ArrayDeque<>();
    private long availableBytes;
    private boolean closed;

    public MemoryPool(long totalBytes) {
        this.totalBytes = totalBytes;
        this.availableBytes = totalBytes;
    }

    /**
     * Reserves {@code bytes}, waiting up to {@code maxWaitMs} for earlier reservations to be released.
     *
     * @throws ApiException REQUEST_TIMED_OUT when the bytes were not free in time, or when the pool closed
     */
    public void allocate(long bytes, long maxWaitMs) throws InterruptedException {
        if (bytes > totalBytes) {
            throw ApiException.of(ErrorCode.RECORD_TOO_LARGE, "a batch of " + bytes
                    + " bytes is larger than buffer.memory (" + totalBytes + ")");
        }
        lock.lock();
        try {
            if (closed) {
                throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "the producer is closing");
            }
            if (waiters.isEmpty() && availableBytes >= bytes) {
                availableBytes -= bytes;
                return;
            }
            Condition turn = lock.newCondition();
            waiters.addLast(turn);
            long remainingNs = TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
            try {
                while (!closed && (waiters.peekFirst() != turn || availableBytes < bytes)) {
                    if (remainingNs <= 0) {
                        throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "failed to allocate " + bytes
                                + " bytes of buffer.memory within max.block.ms (" + maxWaitMs + " ms); "
                                + availableBytes + " of " + totalBytes + " bytes free");
                    }
                    remainingNs = turn.awaitNanos(remainingNs);
                }
                if (closed) {
                    throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "the producer is closing");
                }
                availableBytes -= bytes;
            } finally {
                waiters.remove(turn);
                Condition next = waiters.peekFirst();
                if (next != null) {
                    next.signal();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    public void release(long bytes) {
        lock.lock();
        try {
            availableBytes = Math.min(totalBytes, availableBytes + bytes);
            Condition next = waiters.peekFirst();
            if (next != null) {
                next.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** True while some thread waits for memory: the accumulator then sends batches without lingering. */
    public boolean hasWaiters() {
        lock.lock();
        try {
            return !waiters.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    public long availableBytes() {
        lock.lock();
        try {
            return availableBytes;
        } finally {
            lock.unlock();
        }
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** Wakes and fails every waiter; later allocations fail at once. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            waiters.forEach(Condition::signal);
        } finally {
            lock.unlock();
        }
    }
}
