package io.runnel.common.record;

/** Bit 3 of a v2 batch's attributes: whose clock the batch's timestamps come from. */
public enum TimestampType {
    CREATE_TIME("CreateTime"),
    LOG_APPEND_TIME("LogAppendTime");

    public final String configName;

    TimestampType(String configName) {
        this.configName = configName;
    }

    public static TimestampType forConfigName(String name) {
        for (TimestampType t : values()) {
            if (t.configName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown timestamp type '" + name + "'; expected CreateTime or LogAppendTime");
    }
}
