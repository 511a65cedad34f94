package io.runnel.client.internal;

import io.runnel.common.config.ConfigException;

/** A broker's host and port. Immutable. */
public record BrokerAddress(String host, int port) {

    /** Parses {@code host:port} (an IPv6 host in brackets); failures name the configuration key. */
    public static BrokerAddress parse(String key, String text) {
        String trimmed = text.trim();
        int colon = trimmed.lastIndexOf(':');
        if (colon <= 0 || colon == trimmed.length() - 1) {
            throw new ConfigException(key, text, "expected host:port");
        }
        String host = trimmed.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(trimmed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(key, text, "port is not a number");
        }
        if (port < 1 || port > 65535) {
            throw new ConfigException(key, text, "port must be between 1 and 65535");
        }
        return new BrokerAddress(host, port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
