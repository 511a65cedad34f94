package io.runnel.metadata.controller;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Broker sessions as the active controller sees them: the time of each broker's last heartbeat and the
 * metadata offset it reported. Heartbeats are not written to the metadata log (DESIGN §3), so this is
 * the controller's only mutable state outside the image. A controller that becomes active calls
 * {@link #resetAll} so that every broker gets a full session before it can be fenced.
 *
 * <p>Not thread-safe: owned by the controller's single event thread.
 */
public final class BrokerHeartbeatTracker {

    /** {@code observed}: the broker itself heartbeated, rather than being granted a session by {@link #resetAll}. */
    private record Session(long brokerEpoch, long lastHeartbeatMs, long appliedOffset, boolean observed) {
    }

    private final long sessionTimeoutMs;
    private final Map<Integer, Session> sessions = new HashMap<>();

    public BrokerHeartbeatTracker(long sessionTimeoutMs) {
        if (sessionTimeoutMs <= 0) {
            throw new IllegalArgumentException("session timeout must be positive: " + sessionTimeoutMs + " ms");
        }
        this.sessionTimeoutMs = sessionTimeoutMs;
    }

    public long sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    /** Records a heartbeat (or a registration, with appliedOffset -1) of the broker at {@code nowMs}. */
    public void touch(int brokerId, long brokerEpoch, long nowMs, long appliedOffset) {
        sessions.put(brokerId, new Session(brokerEpoch, nowMs, appliedOffset, true));
    }

    /** Starts a fresh session at {@code nowMs} for each broker, keeping what is known of its epoch and offset. */
    public void resetAll(Collection<Integer> brokerIds, long nowMs) {
        Map<Integer, Session> fresh = new HashMap<>();
        for (int id : brokerIds) {
            Session old = sessions.get(id);
            fresh.put(id, new Session(old == null ? -1 : old.brokerEpoch(), nowMs, old == null ? -1 : old.appliedOffset(), false));
        }
        sessions.clear();
        sessions.putAll(fresh);
    }

    /**
     * Ends the broker's session without forgetting it: the process said it is stopping (controlled
     * shutdown completed), so a new incarnation may register at once.
     */
    public void endSession(int brokerId) {
        Session session = sessions.get(brokerId);
        if (session != null) {
            sessions.put(brokerId, new Session(session.brokerEpoch(), session.lastHeartbeatMs(),
                    session.appliedOffset(), false));
        }
    }

    /** Forgets a broker (it was unregistered). */
    public void remove(int brokerId) {
        sessions.remove(brokerId);
    }

    /** Brokers whose last heartbeat is more than the session timeout before {@code nowMs}, sorted by id. */
    public List<Integer> expired(long nowMs) {
        List<Integer> result = new ArrayList<>();
        sessions.forEach((id, session) -> {
            if (nowMs - session.lastHeartbeatMs() > sessionTimeoutMs) {
                result.add(id);
            }
        });
        result.sort(null);
        return result;
    }

    /**
     * True if the broker itself heartbeated (or registered) within the session timeout: evidence that a
     * process holds this broker id. A session granted by {@link #resetAll} protects a broker from being
     * fenced but is no such evidence, so that a broker restarted together with the controllers
     * re-registers at once.
     */
    public boolean hasValidSession(int brokerId, long nowMs) {
        Session session = sessions.get(brokerId);
        return session != null && session.observed() && nowMs - session.lastHeartbeatMs() <= sessionTimeoutMs;
    }

    public OptionalLong lastHeartbeatMs(int brokerId) {
        Session session = sessions.get(brokerId);
        return session == null ? OptionalLong.empty() : OptionalLong.of(session.lastHeartbeatMs());
    }

    /** The metadata offset the broker last reported, or -1 if unknown. */
    public long appliedOffset(int brokerId) {
        Session session = sessions.get(brokerId);
        return session == null ? -1 : session.appliedOffset();
    }

    /** The broker epoch the broker last heartbeated with, or -1 if unknown. */
    public long brokerEpoch(int brokerId) {
        Session session = sessions.get(brokerId);
        return session == null ? -1 : session.brokerEpoch();
    }
}
