package io.runnel.client.admin;

import java.util.Objects;

/**
 * One incremental change to a config: SET a value, DELETE (revert to the default), APPEND to or SUBTRACT
 * from a list value. Immutable.
 */
public record AlterConfigOp(String name, OpType opType, String value) {

    public enum OpType { SET, DELETE, APPEND, SUBTRACT }

    public AlterConfigOp {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(opType, "opType");
        value = value == null ? "" : value;
    }

    public static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(name, OpType.SET, value);
    }

    public static AlterConfigOp delete(String name) {
        return new AlterConfigOp(name, OpType.DELETE, "");
    }
}
