package io.runnel.group.core;

import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.proto.ErrorCode;

/**
 * Bounds on what members and clients send the coordinator, each with the error naming what was wrong
 * (docs/limits.md lists them). Kafka bounds none of these but by request size; Runnel bounds them so a
 * record of __consumer_offsets stays small and an error message can quote the value. Stateless.
 */
public final class GroupLimits {

    /** Characters of a group id, group.instance.id, client.rack or client.id. */
    public static final int ID_CHARS_MAX = 255;
    /** Characters of a member id (clients send a UUID: 36). */
    public static final int MEMBER_ID_CHARS_MAX = 64;
    /** Topics one member may subscribe to. */
    public static final int SUBSCRIBED_TOPICS_MAX = 10_000;
    /** Partitions one OffsetCommit, OffsetFetch, OffsetDelete or heartbeat may name. */
    public static final int PARTITIONS_PER_REQUEST_MAX = 100_000;
    /** Groups one DescribeGroups, DeleteGroups or FindCoordinator may name. */
    public static final int GROUPS_PER_REQUEST_MAX = 1_000;

    private GroupLimits() {
    }

    /** INVALID_GROUP_ID unless 1..255 characters without control characters. */
    public static void validateGroupId(String groupId) {
        String problem = idProblem(groupId, ID_CHARS_MAX);
        if (problem != null) {
            throw new ApiException(ErrorCode.INVALID_GROUP_ID, "group id " + ErrorText.quote(groupId) + " " + problem);
        }
    }

    /** INVALID_REQUEST naming {@code field} unless 1..max characters without control characters. */
    public static void validateId(String field, String value, int maxChars) {
        String problem = idProblem(value, maxChars);
        if (problem != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, field + " " + ErrorText.quote(value) + " " + problem);
        }
    }

    /** INVALID_REQUEST naming {@code field} unless at most max characters without control characters (may be empty). */
    public static void validateOptional(String field, String value, int maxChars) {
        if (!value.isEmpty()) {
            validateId(field, value, maxChars);
        }
    }

    private static String idProblem(String value, int maxChars) {
        if (value.isEmpty()) {
            return "is empty";
        }
        if (value.length() > maxChars) {
            return "is " + value.length() + " characters long; at most " + maxChars + " are allowed";
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return "contains the control character " + ErrorText.codePoint(value.charAt(i));
            }
        }
        return null;
    }
}
