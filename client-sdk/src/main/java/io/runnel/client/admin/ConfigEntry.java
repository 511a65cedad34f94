package io.runnel.client.admin;

/**
 * One config of a resource: value (null when sensitive), where it comes from (Kafka's source names, e.g.
 * DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG), read-only and sensitive flags, type and documentation (empty
 * unless asked for). Immutable.
 */
public record ConfigEntry(String name, String value, String source, boolean readOnly, boolean sensitive,
                          String type, String documentation) {

    public boolean isDefault() {
        return "DEFAULT_CONFIG".equals(source);
    }
}
