package io.runnel.node;

import io.runnel.common.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One entry of Kafka's {@code listeners} setting, {@code NAME://host:port}. A blank host binds every
 * interface; port 0 asks the OS for an ephemeral port (tests). Immutable.
 */
public record Listener(String name, String host, int port) {

    /** Parses a comma-separated list; a malformed entry or a repeated name is an error naming it. */
    public static List<Listener> parseList(String key, String value) {
        List<Listener> listeners = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        if (value == null || value.isBlank()) {
            return listeners;
        }
        for (String raw : value.split(",")) {
            Listener listener = parse(key, raw.trim());
            if (!names.add(listener.name)) {
                throw new ConfigException(key, value, "listener name " + listener.name + " appears twice");
            }
            listeners.add(listener);
        }
        return listeners;
    }

    static Listener parse(String key, String entry) {
        int scheme = entry.indexOf("://");
        if (scheme <= 0) {
            throw new ConfigException(key, entry, "expected NAME://host:port");
        }
        String name = entry.substring(0, scheme).toUpperCase(Locale.ROOT);
        if (!name.matches("[A-Z0-9_]+")) {
            throw new ConfigException(key, entry, "listener name '" + name + "' may only hold letters, digits and _");
        }
        String hostPort = entry.substring(scheme + 3);
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new ConfigException(key, entry, "expected NAME://host:port, the port is missing");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(key, entry, "port '" + hostPort.substring(colon + 1) + "' is not a number");
        }
        if (port < 0 || port > 65_535) {
            throw new ConfigException(key, entry, "port " + port + " is outside 0-65535");
        }
        return new Listener(name, host, port);
    }

    @Override
    public String toString() {
        return name + "://" + host + ":" + port;
    }
}
