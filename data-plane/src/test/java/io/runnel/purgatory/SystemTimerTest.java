package io.runnel.purgatory;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.time.MockTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SystemTimerTest {

    private final MockTime time = new MockTime();
    private final List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
    private final SystemTimer timer = new SystemTimer(time, new DirectExecutor());

    private TimerTask task(int id, long delayMs) {
        return new TimerTask(delayMs) {
            @Override
            public void run() {
                ran.add(id);
            }
        };
    }

    private void advanceTo(long deltaMs) throws InterruptedException {
        time.advance(deltaMs);
        while (timer.advanceClock(0)) {
            // drain every bucket that is due at the new time
        }
    }

    @Test
    void runsTasksOnlyOnceTheirDelayHasPassed() throws InterruptedException {
        timer.add(task(1, 5));
        timer.add(task(2, 50));
        timer.add(task(3, 5_000));
        assertThat(timer.size()).isEqualTo(3);

        advanceTo(4);
        assertThat(ran).isEmpty();
        advanceTo(2);
        assertThat(ran).containsExactly(1);
        advanceTo(100);
        assertThat(ran).containsExactly(1, 2);
        advanceTo(5_000);
        assertThat(ran).containsExactly(1, 2, 3);
        assertThat(timer.size()).isZero();
    }

    @Test
    void runsAZeroDelayTaskAtOnce() {
        timer.add(task(7, 0));
        assertThat(ran).containsExactly(7);
    }

    @Test
    void cancelledTaskNeverRuns() throws InterruptedException {
        TimerTask cancelled = task(1, 30);
        timer.add(cancelled);
        timer.add(task(2, 30));
        cancelled.cancel();
        assertThat(timer.size()).isEqualTo(1);
        advanceTo(1_000);
        assertThat(ran).containsExactly(2);
    }

    @Test
    void tasksInOverflowWheelsRunInDelayOrder() throws InterruptedException {
        // 20 buckets of 1 ms per level: these delays land on the first, second and third levels.
        long[] delays = {399, 7, 8_001, 21, 400, 25_000};
        for (int i = 0; i < delays.length; i++) {
            timer.add(task(i, delays[i]));
        }
        for (int step = 0; step < 30_000; step += 1) {
            advanceTo(1);
        }
        assertThat(ran).containsExactly(1, 3, 0, 4, 2, 5);
    }

    /** Runs submitted tasks on the calling thread, so a test sees their effect deterministically. */
    static final class DirectExecutor extends AbstractExecutorService {
        private volatile boolean shutdown;

        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }
}
