package io.runnel.metadata.server;

import io.runnel.common.config.ConfigException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The voters of the metadata quorum, parsed from Kafka's {@code controller.quorum.voters} syntax
 * {@code "1@host:port,2@host:port"}. The address of a voter is its controller gRPC port (where brokers
 * and admin tools call {@code ControllerService}); its Ratis peer listens on {@code port + 1}, see
 * {@link Voter#ratisPort()}. Immutable and thread-safe.
 */
public final class QuorumVoters {

    public static final String CONFIG_NAME = io.runnel.common.config.ServerSettings.CONTROLLER_QUORUM_VOTERS.key();

    /** At most this many voters: Raft quorums beyond 7 only add latency. */
    public static final int VOTERS_MAX = 7;

    /** One voter: node id, host and controller gRPC port. */
    public record Voter(int nodeId, String host, int port) {
        public Voter {
            if (nodeId < 0) {
                throw new IllegalArgumentException("node id must be >= 0: " + nodeId);
            }
            if (host == null || host.isEmpty()) {
                throw new IllegalArgumentException("host must not be empty");
            }
            if (port < 0 || port > 65534) {
                throw new IllegalArgumentException("port must be in [0, 65534] so that port + 1 is valid: " + port);
            }
        }

        /** The Ratis (Raft) port of this voter: one above its controller gRPC port, 0 when that is ephemeral. */
        public int ratisPort() {
            return port == 0 ? 0 : port + 1;
        }

        public String address() {
            return host + ":" + port;
        }

        @Override
        public String toString() {
            return nodeId + "@" + host + ":" + port;
        }
    }

    private final Map<Integer, Voter> voters;

    private QuorumVoters(Map<Integer, Voter> voters) {
        this.voters = Collections.unmodifiableMap(voters);
    }

    public static QuorumVoters of(List<Voter> list) {
        Map<Integer, Voter> map = new LinkedHashMap<>();
        for (Voter voter : list) {
            if (map.putIfAbsent(voter.nodeId(), voter) != null) {
                throw new ConfigException(CONFIG_NAME, list, "node id " + voter.nodeId() + " appears twice");
            }
        }
        checkAddressesDistinct(list.toString(), map);
        if (map.isEmpty()) {
            throw new ConfigException(CONFIG_NAME, list, "at least one voter is required");
        }
        return new QuorumVoters(map);
    }

    /**
     * Parses {@code "1@host:port,2@host:port"}. A malformed entry is rejected with a
     * {@link ConfigException} naming that entry; duplicate node ids or addresses are rejected too.
     */
    public static QuorumVoters parse(String text) {
        if (text == null || text.isBlank()) {
            throw new ConfigException(CONFIG_NAME, text, "expected a list like 1@host:9093,2@host:9093");
        }
        String[] parts = text.split(",", -1);
        if (parts.length > VOTERS_MAX) {
            throw new ConfigException(CONFIG_NAME, text, "at most " + VOTERS_MAX + " voters, got " + parts.length);
        }
        Map<Integer, Voter> map = new LinkedHashMap<>();
        for (String raw : parts) {
            Voter voter = parseOne(text, raw.trim());
            if (map.putIfAbsent(voter.nodeId(), voter) != null) {
                throw new ConfigException(CONFIG_NAME, text, "node id " + voter.nodeId() + " appears twice");
            }
        }
        checkAddressesDistinct(text, map);
        return new QuorumVoters(map);
    }

    private static void checkAddressesDistinct(String text, Map<Integer, Voter> map) {
        Map<String, Integer> byAddress = new LinkedHashMap<>();
        for (Voter voter : map.values()) {
            if (voter.port() == 0) {
                continue;
            }
            Integer other = byAddress.putIfAbsent(voter.address(), voter.nodeId());
            if (other != null) {
                throw new ConfigException(CONFIG_NAME, text, "voters " + other + " and " + voter.nodeId()
                        + " share the address " + voter.address());
            }
        }
    }

    private static Voter parseOne(String text, String entry) {
        String problem = "entry '" + entry + "' is not of the form id@host:port";
        int at = entry.indexOf('@');
        int colon = entry.lastIndexOf(':');
        if (entry.isEmpty() || at <= 0 || colon <= at + 1 || colon == entry.length() - 1) {
            throw new ConfigException(CONFIG_NAME, text, problem);
        }
        String idText = entry.substring(0, at);
        String host = entry.substring(at + 1, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String portText = entry.substring(colon + 1);
        int nodeId;
        int port;
        try {
            nodeId = Integer.parseInt(idText);
        } catch (NumberFormatException e) {
            throw new ConfigException(CONFIG_NAME, text, "node id '" + idText + "' in entry '" + entry
                    + "' is not an integer");
        }
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new ConfigException(CONFIG_NAME, text, "port '" + portText + "' in entry '" + entry
                    + "' is not an integer");
        }
        if (nodeId < 0) {
            throw new ConfigException(CONFIG_NAME, text, "node id in entry '" + entry + "' must be >= 0");
        }
        if (port < 1 || port > 65534) {
            throw new ConfigException(CONFIG_NAME, text, "port in entry '" + entry
                    + "' must be in [1, 65534] (the Ratis port is port + 1)");
        }
        if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new ConfigException(CONFIG_NAME, text, "host in entry '" + entry + "' is empty or has spaces");
        }
        return new Voter(nodeId, host, port);
    }

    public Map<Integer, Voter> voters() {
        return voters;
    }

    public List<Voter> list() {
        return new ArrayList<>(voters.values());
    }

    public Optional<Voter> voter(int nodeId) {
        return Optional.ofNullable(voters.get(nodeId));
    }

    public int size() {
        return voters.size();
    }

    /** The {@code controller.quorum.voters} text of this set. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Voter voter : voters.values()) {
            if (text.length() > 0) {
                text.append(',');
            }
            text.append(voter);
        }
        return text.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuorumVoters other && voters.equals(other.voters);
    }

    @Override
    public int hashCode() {
        return voters.hashCode();
    }
}
