package io.runnel.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The throttle's token bucket, on a clock the test drives. */
class ReplicationQuotaTest {

    @Test
    void anUnlimitedRateIsNeverExceeded() {
        ReplicationQuota quota = new ReplicationQuota();
        quota.record(1L << 40, Long.MAX_VALUE, 0);
        assertThat(quota.isExceeded(Long.MAX_VALUE, 0)).isFalse();
    }

    @Test
    void aRateAdmitsAtMostOneSecondOfBytesAndRefillsWithTime() {
        ReplicationQuota quota = new ReplicationQuota();
        long rate = 1_000;
        assertThat(quota.isExceeded(rate, 0)).as("starts empty").isTrue();
        assertThat(quota.isExceeded(rate, 500)).as("half a second refills 500 bytes").isFalse();
        quota.record(600, rate, 500);
        assertThat(quota.isExceeded(rate, 500)).isTrue();
        assertThat(quota.isExceeded(rate, 600)).as("-100 + 100").isTrue();
        assertThat(quota.isExceeded(rate, 601)).isFalse();
        assertThat(quota.isExceeded(rate, 60_000)).isFalse();
        quota.record(1_000, rate, 60_000);
        assertThat(quota.isExceeded(rate, 60_000)).as("a long idle time refills one second, not more").isTrue();
    }

    @Test
    void bytesCountedOverTimeStayWithinTheRate() {
        ReplicationQuota quota = new ReplicationQuota();
        long rate = 10_000;
        long sent = 0;
        for (long now = 0; now <= 10_000; now += 7) {
            if (!quota.isExceeded(rate, now)) {
                quota.record(1_500, rate, now);
                sent += 1_500;
            }
        }
        // Ten seconds at 10,000 B/s, plus at most one burst and one record over.
        assertThat(sent).isBetween(90_000L, 100_000L + 10_000 + 1_500);
    }
}
