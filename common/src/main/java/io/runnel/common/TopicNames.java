package io.runnel.common;

import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.proto.ErrorCode;

/**
 * The rules for topic names (DESIGN §10): 1 to {@value #MAX_LENGTH} characters from
 * {@code [a-zA-Z0-9._-]}, and neither "." nor "..", as in Kafka. Names that differ only by '.' versus
 * '_' collide in metric names; like Kafka we allow them but {@link #collisionKey} lets callers warn.
 */
public final class TopicNames {

    public static final int MAX_LENGTH = 249;

    /** Internal topics start with a double underscore, e.g. {@code __consumer_offsets}. */
    public static final String INTERNAL_PREFIX = "__";

    private TopicNames() {
    }

    /**
     * Throws INVALID_TOPIC_EXCEPTION naming the problem when {@code name} is not a legal topic name. The
     * message names an illegal character by code point ({@code U+1F525}) unless it is printable ASCII, and
     * quotes the name through {@link ErrorText#quote}, so it never holds half a surrogate pair.
     */
    public static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw invalid("topic name must not be empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw invalid("topic name cannot be '" + name + "'");
        }
        if (name.length() > MAX_LENGTH) {
            throw invalid("topic name " + ErrorText.quote(name) + " is " + name.length()
                    + " characters long; the limit is " + MAX_LENGTH);
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!legal) {
                throw invalid("topic name " + ErrorText.quote(name) + " contains '" + ErrorText.codePoint(c)
                        + "'; only ASCII letters, digits, '.', '_' and '-' are allowed");
            }
            i += Character.charCount(c);
        }
    }

    public static boolean isValid(String name) {
        try {
            validate(name);
            return true;
        } catch (ApiException e) {
            return false;
        }
    }

    public static boolean isInternal(String name) {
        return name.startsWith(INTERNAL_PREFIX);
    }

    /** Two topics whose names map to the same key would collide in metric names. */
    public static String collisionKey(String name) {
        return name.replace('.', '_');
    }

    private static ApiException invalid(String message) {
        return new ApiException(ErrorCode.INVALID_TOPIC_EXCEPTION, message);
    }
}
