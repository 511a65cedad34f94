package io.runnel.replication.sim;

import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

/**
 * The simulation's time and network. Time is true time in milliseconds; events run in time order (ties in
 * the order they were scheduled). Messages between nodes are delayed at random, sometimes dropped or
 * delivered twice (which also reorders them), and never delivered across a cut link or to a stopped
 * node (the receiver checks that). Node 0 is the controller quorum; brokers are 1..N; clients reach
 * brokers over links that are never cut. Everything random comes from one seeded generator. Not
 * thread-safe.
 */
final class SimWorld {

    static final int CONTROLLER = 0;

    private record Event(long timeMs, long sequence, Runnable action) {
    }

    final Random random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.timeMs != b.timeMs
            ? Long.compare(a.timeMs, b.timeMs) : Long.compare(a.sequence, b.sequence));
    private final Set<Long> cutLinks = new HashSet<>();
    private long nowMs;
    private long sequence;
    private long events;
    double dropRate;
    double duplicateRate;
    int delayMsMax;

    SimWorld(long seed) {
        this.random = new Random(seed);
    }

    long now() {
        return nowMs;
    }

    long eventsRun() {
        return events;
    }

    void at(long timeMs, Runnable action) {
        queue.add(new Event(Math.max(timeMs, nowMs), sequence++, action));
    }

    void after(long delayMs, Runnable action) {
        at(nowMs + delayMs, action);
    }

    /** Runs events until {@code untilMs}; {@code afterEach} checks invariants after every event. */
    void runUntil(long untilMs, Runnable afterEach) {
        while (!queue.isEmpty() && queue.peek().timeMs <= untilMs) {
            Event event = queue.poll();
            nowMs = event.timeMs;
            event.action.run();
            events++;
            afterEach.run();
        }
        nowMs = Math.max(nowMs, untilMs);
    }

    // ---- network

    private static long link(int a, int b) {
        return a < b ? ((long) a << 32) | b : ((long) b << 32) | a;
    }

    void cut(int a, int b, boolean cut) {
        if (cut) {
            cutLinks.add(link(a, b));
        } else {
            cutLinks.remove(link(a, b));
        }
    }

    boolean linked(int a, int b) {
        return a == b || a >= ClientIds.FIRST || b >= ClientIds.FIRST || !cutLinks.contains(link(a, b));
    }

    void healAllLinks() {
        cutLinks.clear();
    }

    /** Sends a message: {@code deliver} runs at the receiver after a delay, unless the link is cut or it is lost. */
    void send(int from, int to, Runnable deliver) {
        if (!linked(from, to) || random.nextDouble() < dropRate) {
            return;
        }
        deliverLater(from, to, deliver);
        if (random.nextDouble() < duplicateRate) {
            deliverLater(from, to, deliver);
        }
    }

    private void deliverLater(int from, int to, Runnable deliver) {
        long delay = 1 + (random.nextInt(10) == 0 ? random.nextInt(Math.max(1, delayMsMax)) : random.nextInt(3));
        after(delay, () -> {
            if (linked(from, to)) {
                deliver.run();
            }
        });
    }

    /** Ids of simulated clients (producers, readers): links to them are never cut. */
    static final class ClientIds {
        static final int FIRST = 1000;

        private ClientIds() {
        }
    }
}
