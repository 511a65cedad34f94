package io.runnel.client.internal;

import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ConfigException;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Refuses client settings a definition does not know, all at once, each with a hint: Kafka settings of
 * features Runnel has not built yet say so (so a program ported from Kafka learns what is missing, not
 * just that a key is wrong), and near-misses get "did you mean". Pure and stateless; thread-safe.
 */
public final class UnknownSettings {

    /** Kafka client settings by prefix or exact name, with what Runnel lacks; checked in order. */
    private static final List<Map.Entry<String, String>> NOT_BUILT = List.of(
            Map.entry("transactional.id", "(transactions are not built yet; the idempotent producer is)"),
            Map.entry("transaction.timeout.ms", "(transactions are not built yet)"),
            Map.entry("security.protocol", "(TLS and authentication are not built yet: clients speak plaintext gRPC)"),
            Map.entry("sasl.", "(SASL authentication is not built yet: clients speak plaintext gRPC)"),
            Map.entry("ssl.", "(TLS is not built yet: clients speak plaintext gRPC)"),
            Map.entry("group.instance.id", "(static group membership is not built yet)"),
            Map.entry("client.rack", "(rack-aware fetching from followers is not built yet)"),
            Map.entry("send.buffer.bytes", "(gRPC manages sockets: Runnel has no socket buffer settings)"),
            Map.entry("receive.buffer.bytes", "(gRPC manages sockets: Runnel has no socket buffer settings)"),
            Map.entry("connections.max.idle.ms", "(gRPC manages connections: no idle-connection setting)"),
            Map.entry("reconnect.backoff.", "(gRPC manages reconnection: no reconnect.backoff settings)"),
            Map.entry("socket.connection.setup.timeout.", "(gRPC manages connections: no connection setup settings)"),
            Map.entry("client.dns.lookup", "(gRPC resolves names: no DNS lookup setting)"),
            Map.entry("metric.reporters", "(metrics are read from the client, not reported by plugins)"));

    /** Edits at most this many apart count as a near-miss. */
    private static final int SUGGESTION_DISTANCE_MAX = 2;

    private UnknownSettings() {
    }

    /**
     * @throws ConfigException (INVALID_CONFIG) naming every key of {@code given} that {@code definition}
     *         does not define, with hints
     */
    public static void reject(ConfigDef definition, Collection<String> given) {
        List<String> unknown = definition.unknownKeys(given);
        if (!unknown.isEmpty()) {
            throw new ConfigException(ConfigDef.unknownKeysMessage(unknown, name -> hint(definition, name)));
        }
    }

    /** The hint for one unknown key: a feature not built yet, a near-miss, or nothing. */
    static String hint(ConfigDef definition, String name) {
        for (Map.Entry<String, String> entry : NOT_BUILT) {
            String key = entry.getKey();
            if (key.endsWith(".") ? name.startsWith(key) : name.equals(key)) {
                return entry.getValue();
            }
        }
        String best = null;
        int bestDistance = SUGGESTION_DISTANCE_MAX + 1;
        for (String known : definition.names()) {
            int distance = distance(name, known, bestDistance);
            if (distance < bestDistance || (distance == bestDistance && best != null && known.compareTo(best) < 0)) {
                best = known;
                bestDistance = distance;
            }
        }
        return best == null ? "" : "(did you mean '" + best + "'?)";
    }

    /** Levenshtein distance, or a value above {@code bound} as soon as it must exceed it. */
    static int distance(String a, String b, int bound) {
        if (Math.abs(a.length() - b.length()) > bound) {
            return bound + 1;
        }
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            int rowMin = current[0];
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
                rowMin = Math.min(rowMin, current[j]);
            }
            if (rowMin > bound) {
                return bound + 1;
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
