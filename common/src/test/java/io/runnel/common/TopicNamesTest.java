package io.runnel.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;
import org.junit.jupiter.api.Test;

class TopicNamesTest {

    @Test
    void acceptsLettersDigitsDotUnderscoreDash() {
        TopicNames.validate("orders.v1_EU-2");
        TopicNames.validate("a".repeat(TopicNames.MAX_LENGTH));
        assertThat(TopicNames.isValid("__consumer_offsets")).isTrue();
        assertThat(TopicNames.isInternal("__consumer_offsets")).isTrue();
    }

    @Test
    void rejectsEmptyDotsTooLongAndIllegalCharactersNamingTheProblem() {
        assertInvalid("", "must not be empty");
        assertInvalid(".", "cannot be '.'");
        assertInvalid("..", "cannot be '..'");
        assertInvalid("a".repeat(TopicNames.MAX_LENGTH + 1), "250 characters long; the limit is 249");
        assertInvalid("orders/eu", "contains '/'");
        assertInvalid("with space", "contains '\\u0020'");
        assertInvalid("caf\u00e9", "contains '\u00e9'");
    }

    @Test
    void dotAndUnderscoreNamesShareACollisionKey() {
        assertThat(TopicNames.collisionKey("a.b")).isEqualTo(TopicNames.collisionKey("a_b"));
    }

    private static void assertInvalid(String name, String messagePart) {
        assertThatThrownBy(() -> TopicNames.validate(name))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining(messagePart)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.INVALID_TOPIC_EXCEPTION));
    }
}
