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
        assertInvalid("with space", "contains ' '");
        assertInvalid("caf\u00e9", "contains 'U+00E9'");
        assertInvalid("line\nbreak", "contains 'U+000A'");
    }

    @Test
    void namesCharactersOutsideTheBmpByCodePointAndNeverSplitsASurrogatePair() {
        String fire = new String(Character.toChars(0x1F525));
        ApiException e = (ApiException) org.assertj.core.api.Assertions.catchThrowable(() -> TopicNames.validate("hot" + fire));
        assertThat(e.getMessage()).contains("contains 'U+1F525'").contains("'hot<U+1F525>'");
        assertThat(e.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as(e.getMessage()).isTrue();
        // 200 fire emojis are 400 UTF-16 units: too long, and the message must not cut a pair in half.
        ApiException tooLong = (ApiException) org.assertj.core.api.Assertions.catchThrowable(
                () -> TopicNames.validate(fire.repeat(200)));
        assertThat(tooLong.getMessage()).contains("400 characters long");
        assertThat(tooLong.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as(tooLong.getMessage()).isTrue();
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
