package io.runnel.cli.client;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * A fixed-rate end-to-end run, independent of the client library: the caller's thread sends record
 * {@code i} at its intended time from the {@link FixedRateSchedule} (at once when it is already late),
 * while a receiving thread polls and records, for each record read back, now minus its intended send
 * time. Used by {@code runnel perf e2e --rate} with the Runnel SDK and by the Kafka side-by-side bench
 * with Kafka's clients, so both are measured the same way.
 *
 * <p>Thread ownership: the {@link Sender} is called only from the caller's thread and its completion
 * callbacks may run on any thread (they touch only atomics); the {@link Poller} is called only from the
 * receiving thread this class starts, which also owns the histogram until it is joined. The poller must
 * be positioned (e.g. at the end of the partition) before {@link #run} is called. Not reusable: one run
 * per instance.
 */
public final class FixedRateEndToEnd {

    /**
     * Sends one value; {@code done} is called once, with null on acknowledgement or with a description of
     * the failure (also when the send call itself fails). The implementation describes its own client's
     * errors, so this class needs no client library.
     */
    @FunctionalInterface
    public interface Sender {
        void send(byte[] value, Consumer<String> done) throws InterruptedException;
    }

    /** Polls up to {@code timeoutMs} and returns the values read, in partition order (possibly none). */
    @FunctionalInterface
    public interface Poller {
        Iterable<byte[]> poll(long timeoutMs);
    }

    private static final long POLL_TIMEOUT_MS = 100;

    private final FixedRateSchedule schedule;
    private final int recordSizeBytes;
    private final long warmupRecords;
    private final long idleTimeoutMs;

    /**
     * @param recordSizeBytes at least {@link FixedRateSchedule#HEADER_BYTES}
     * @param warmupRecords   records at the start that are sent and checked but not measured
     * @param idleTimeoutMs   the receiver gives up when nothing arrived for this long
     */
    public FixedRateEndToEnd(FixedRateSchedule schedule, int recordSizeBytes, long warmupRecords, long idleTimeoutMs) {
        if (recordSizeBytes < FixedRateSchedule.HEADER_BYTES) {
            throw new IllegalArgumentException("--record-size must be at least " + FixedRateSchedule.HEADER_BYTES
                    + " bytes at a fixed rate (each record carries its index and intended send time); got " + recordSizeBytes);
        }
        if (warmupRecords < 0 || warmupRecords >= schedule.records()) {
            throw new IllegalArgumentException("warm-up of " + warmupRecords + " records leaves nothing of "
                    + schedule.records() + " to measure");
        }
        if (idleTimeoutMs < 1) {
            throw new IllegalArgumentException("--timeout-ms must be positive; got " + idleTimeoutMs);
        }
        this.schedule = schedule;
        this.recordSizeBytes = recordSizeBytes;
        this.warmupRecords = warmupRecords;
        this.idleTimeoutMs = idleTimeoutMs;
    }

    /** Random upper-case letters, as Kafka's producer perf test sends when no payload file is given. */
    public static byte[] payload(int sizeBytes, Random random) {
        byte[] payload = new byte[sizeBytes];
        for (int i = 0; i < sizeBytes; i++) {
            payload[i] = (byte) (random.nextInt(26) + 'A');
        }
        return payload;
    }

    /**
     * Sends the schedule and waits for the receiver; returns when every sent record was read back, a wrong
     * record was read, or nothing arrived for the idle timeout. Failures are in the report, not thrown.
     */
    public FixedRateReport run(Sender sender, Poller poller) throws InterruptedException {
        Histogram latencyMicros = new Histogram(3);
        AtomicLong received = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        Receiver receiver = new Receiver(poller, latencyMicros, received, firstError);
        Thread receiverThread = new Thread(receiver, "fixed-rate-receiver");
        receiverThread.setDaemon(true);
        receiverThread.start();

        byte[] template = payload(recordSizeBytes, new Random(0));
        long startNanos = System.nanoTime();
        long sent = 0;
        long lastSendNanos = startNanos;
        try {
            for (long i = 0; i < schedule.records() && firstError.get() == null; i++) {
                long intendedNanos = startNanos + schedule.intendedOffsetNanos(i);
                long waitNanos = intendedNanos - System.nanoTime();
                while (waitNanos > 0) {
                    LockSupport.parkNanos(waitNanos);
                    waitNanos = intendedNanos - System.nanoTime();
                }
                byte[] value = template.clone();
                FixedRateSchedule.writeHeader(value, i, intendedNanos);
                sender.send(value, error -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, "send failed: " + error);
                    }
                });
                sent++;
                lastSendNanos = System.nanoTime();
            }
        } finally {
            receiver.expect(sent);
        }
        receiverThread.join();
        return new FixedRateReport(schedule.ratePerSec(), schedule.records(), sent, failed.get(), firstError.get(),
                received.get(), lastSendNanos - startNanos, latencyMicros);
    }

    /** Polls until every sent record is read, a wrong record is read, or nothing arrives for the idle timeout. */
    private final class Receiver implements Runnable {
        private final Poller poller;
        private final Histogram latencyMicros;
        private final AtomicLong received;
        private final AtomicReference<String> firstError;
        /** Records the sender made; MAX_VALUE while it is still sending. */
        private final AtomicLong expected = new AtomicLong(Long.MAX_VALUE);

        Receiver(Poller poller, Histogram latencyMicros, AtomicLong received, AtomicReference<String> firstError) {
            this.poller = poller;
            this.latencyMicros = latencyMicros;
            this.received = received;
            this.firstError = firstError;
        }

        void expect(long sent) {
            expected.set(sent);
        }

        @Override
        public void run() {
            long next = 0;
            long lastArrivalNanos = System.nanoTime();
            try {
                // A failed send does not stop the receiver: the records sent before it are still read back (the
                // failed one never arrives, so the run ends at the idle timeout). A wrong record read does.
                while (next < expected.get()) {
                    if (System.nanoTime() - lastArrivalNanos >= idleTimeoutMs * 1_000_000) {
                        return;
                    }
                    for (byte[] value : poller.poll(POLL_TIMEOUT_MS)) {
                        long nowNanos = System.nanoTime();
                        lastArrivalNanos = nowNanos;
                        String problem = check(value, next);
                        if (problem != null) {
                            firstError.compareAndSet(null, problem);
                            return;
                        }
                        if (next >= warmupRecords) {
                            latencyMicros.recordValue(Math.max(0, (nowNanos - FixedRateSchedule.intendedNanos(value)) / 1_000));
                        }
                        next++;
                        received.set(next);
                    }
                }
            } catch (RuntimeException e) {
                firstError.compareAndSet(null, "receive failed: " + e);
            }
        }

        private String check(byte[] value, long expectedIndex) {
            if (value == null || value.length != recordSizeBytes) {
                return "record " + expectedIndex + " read back with " + (value == null ? "no value" : value.length + " bytes")
                        + " instead of " + recordSizeBytes + "; is another producer writing to the partition?";
            }
            long index = FixedRateSchedule.index(value);
            if (index != expectedIndex) {
                return "read record " + index + " where record " + expectedIndex
                        + " was expected; is another producer writing to the partition?";
            }
            return null;
        }
    }
}
