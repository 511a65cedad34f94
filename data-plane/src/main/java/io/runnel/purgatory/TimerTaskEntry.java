package io.runnel.purgatory;

/** A node of a {@link TimerTaskList}: one task and the absolute time it expires at. Guarded by its list's lock. */
final class TimerTaskEntry {

    final TimerTask task;
    final long expirationMs;
    volatile TimerTaskList list;
    TimerTaskEntry next;
    TimerTaskEntry prev;

    TimerTaskEntry(TimerTask task, long expirationMs) {
        this.task = task;
        this.expirationMs = expirationMs;
        if (task != null) {
            task.setEntry(this);
        }
    }

    boolean cancelled() {
        return task.entry() != this;
    }

    void remove() {
        // The entry may be moved to another list concurrently; retry until it is in none.
        TimerTaskList current = list;
        while (current != null) {
            current.remove(this);
            current = list;
        }
    }
}
