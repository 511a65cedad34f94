package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.time.MockTime;
import org.junit.jupiter.api.Test;

class ThrottlerTest {

    @Test
    void holdsTheReportedBytesToTheRate() {
        MockTime time = new MockTime();
        Throttler throttler = new Throttler(1_000_000, time);
        long startNs = time.nanoseconds();
        // 10 MB reported in 10 KB steps, each taking 1 ms of "work" (10 MB/s unthrottled). At 1 MB/s the
        // three closed 300 ms windows (9 MB) take 9 s; the last, open window's 1 MB is not held back yet.
        for (int i = 0; i < 1000; i++) {
            time.advance(1);
            throttler.maybeThrottle(10_000, () -> { });
        }
        double elapsedSecs = (time.nanoseconds() - startNs) / 1e9;
        assertThat(elapsedSecs).isBetween(9.0, 9.2);
    }

    @Test
    void anUnlimitedThrottlerNeverSleepsAndAnAbortStopsASleep() {
        MockTime time = new MockTime();
        new Throttler(Double.MAX_VALUE, time).maybeThrottle(Long.MAX_VALUE / 2, () -> { });
        assertThat(time.nanoseconds()).isZero();

        Throttler slow = new Throttler(1_000, time);
        time.advance(Throttler.WINDOW_MS);
        assertThatThrownBy(() -> slow.maybeThrottle(1_000_000, () -> {
            if (time.nanoseconds() > 5_000_000_000L) {
                throw new Cleaner.CleaningAbortedException("aborted");
            }
        })).isInstanceOf(Cleaner.CleaningAbortedException.class);
        assertThat(time.nanoseconds()).isLessThan(6_000_000_000L);
    }
}
