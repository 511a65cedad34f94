package io.runnel.purgatory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.common.time.MockTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DelayedOperationPurgatoryTest {

    private final MockTime time = new MockTime();
    private final DelayedOperationPurgatory<Waiter> purgatory = new DelayedOperationPurgatory<>(
            "test", new SystemTimer(time, new SystemTimerTest.DirectExecutor()), time, 1_000, false);

    @AfterEach
    void close() {
        purgatory.close();
    }

    /** Completes when its flag is set; records how it ended. */
    static final class Waiter extends DelayedOperation {
        final AtomicBoolean ready = new AtomicBoolean();
        final AtomicInteger completions = new AtomicInteger();
        volatile boolean expired;
        /** What {@link #isExpired()} said inside onComplete. */
        volatile Boolean expiredInOnComplete;

        Waiter(long delayMs) {
            super(delayMs);
        }

        @Override
        public boolean tryComplete() {
            return ready.get() && forceComplete();
        }

        @Override
        protected void onComplete() {
            expiredInOnComplete = isExpired();
            completions.incrementAndGet();
        }

        @Override
        protected void onExpiration() {
            expired = true;
        }
    }

    @Test
    void completesAtOnceWhenTheConditionAlreadyHolds() {
        Waiter waiter = new Waiter(1_000);
        waiter.ready.set(true);
        assertThat(purgatory.tryCompleteElseWatch(waiter, List.of("p0"))).isTrue();
        assertThat(purgatory.watched()).isZero();
        assertThat(waiter.completions.get()).isEqualTo(1);
    }

    @Test
    void completesWatchedOperationWhenItsKeyIsChecked() {
        Waiter waiter = new Waiter(1_000);
        assertThat(purgatory.tryCompleteElseWatch(waiter, List.of("p0", "p1"))).isFalse();
        assertThat(purgatory.checkAndComplete("p0")).isZero();

        waiter.ready.set(true);
        assertThat(purgatory.checkAndComplete("p1")).isEqualTo(1);
        assertThat(purgatory.checkAndComplete("p0")).isZero();
        assertThat(waiter.completions.get()).isEqualTo(1);
        assertThat(waiter.expired).isFalse();
        assertThat(purgatory.delayed()).isZero();
    }

    @Test
    void expiresAnOperationWhoseConditionNeverHolds() throws InterruptedException {
        Waiter waiter = new Waiter(500);
        purgatory.tryCompleteElseWatch(waiter, List.of("p0"));
        time.advance(499);
        purgatory.advanceClock(0);
        assertThat(waiter.isCompleted()).isFalse();

        time.advance(1);
        purgatory.advanceClock(0);
        assertThat(waiter.expired).isTrue();
        assertThat(waiter.completions.get()).isEqualTo(1);

        // A later check of its key neither completes it twice nor keeps it watched.
        waiter.ready.set(true);
        assertThat(purgatory.checkAndComplete("p0")).isZero();
        assertThat(purgatory.watched()).isZero();
    }

    @Test
    void completeAllFinishesEveryOperationOfAKey() {
        Waiter first = new Waiter(10_000);
        Waiter second = new Waiter(10_000);
        purgatory.tryCompleteElseWatch(first, List.of("p0"));
        purgatory.tryCompleteElseWatch(second, List.of("p0"));
        purgatory.completeAll("p0");
        assertThat(first.completions.get()).isEqualTo(1);
        assertThat(second.completions.get()).isEqualTo(1);
        assertThat(purgatory.delayed()).isZero();
    }

    @Test
    void realReaperExpiresOperationsOnTheWallClock() {
        try (DelayedOperationPurgatory<Waiter> real = new DelayedOperationPurgatory<>("real", 100)) {
            Waiter waiter = new Waiter(20);
            real.tryCompleteElseWatch(waiter, List.of("p0"));
            await().atMost(Duration.ofSeconds(5)).until(() -> waiter.expired);
            assertThat(waiter.completions.get()).isEqualTo(1);
        }
    }

    @Test
    void onCompleteKnowsWhetherTheDeadlinePassed() throws InterruptedException {
        Waiter completed = new Waiter(500);
        Waiter expired = new Waiter(500);
        purgatory.tryCompleteElseWatch(completed, List.of("p0"));
        purgatory.tryCompleteElseWatch(expired, List.of("p1"));
        completed.ready.set(true);
        purgatory.checkAndComplete("p0");
        assertThat(completed.expiredInOnComplete).isFalse();
        assertThat(completed.isExpired()).isFalse();

        time.advance(500);
        purgatory.advanceClock(0);
        assertThat(expired.expiredInOnComplete).isTrue();
        assertThat(expired.isExpired()).isTrue();
        assertThat(completed.completions.get()).isEqualTo(1);
        assertThat(expired.completions.get()).isEqualTo(1);
    }

    @Test
    void theListenerHearsOfEachWaitingOperationOnceWithItsWaitAndOutcome() throws InterruptedException {
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        purgatory.setListener((waitedNs, expired) -> heard.add(TimeUnit.NANOSECONDS.toMillis(waitedNs) + (expired ? " expired" : " done")));
        Waiter atOnce = new Waiter(1_000);
        atOnce.ready.set(true);
        purgatory.tryCompleteElseWatch(atOnce, List.of("p0"));
        Waiter completed = new Waiter(1_000);
        Waiter expires = new Waiter(300);
        purgatory.tryCompleteElseWatch(completed, List.of("p0"));
        purgatory.tryCompleteElseWatch(expires, List.of("p1"));

        time.advance(120);
        completed.ready.set(true);
        purgatory.checkAndComplete("p0");
        purgatory.checkAndComplete("p0");
        time.advance(180);
        purgatory.advanceClock(0);

        // The one that never waited is not heard of; the others once each, with the purgatory clock's wait.
        assertThat(heard).containsExactly("120 done", "300 expired");
    }
}
