package io.runnel.common.errors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorTextTest {

    private static final String FIRE = new String(Character.toChars(0x1F525));

    private static boolean printableAscii(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    @Test
    void namesCharactersOutsidePrintableAsciiByCodePoint() {
        assertThat(ErrorText.codePoint('a')).isEqualTo("a");
        assertThat(ErrorText.codePoint(0x1F525)).isEqualTo("U+1F525");
        assertThat(ErrorText.codePoint('\n')).isEqualTo("U+000A");
        assertThat(ErrorText.codePoint(0xD83D)).isEqualTo("U+D83D");
        assertThat(ErrorText.quote("a" + FIRE + "\u0000b")).isEqualTo("'a<U+1F525><U+0000>b'");
        assertThat(ErrorText.quote(null)).isEqualTo("null");
    }

    @Test
    void loneSurrogatesAreNamedSoTheResultIsWellFormed() {
        assertThat(ErrorText.printable("half \uD83D here", 100)).isEqualTo("half <U+D83D> here");
        assertThat(ErrorText.printable("low \uDD25", 100)).isEqualTo("low <U+DD25>");
        assertThat(ErrorText.printable("ok " + FIRE, 100)).isEqualTo("ok <U+1F525>");
        assertThat(ErrorText.printable("plain", 100)).isSameAs("plain");
    }

    @Test
    void longTextIsCutAtACharacterBoundaryAndSaysHowLongItWas() {
        String quoted = ErrorText.quote(FIRE.repeat(10_000));
        assertThat(quoted).startsWith("'<U+1F525>").endsWith("... (cut; 10000 characters in all)'");
        assertThat(quoted.split("U\\+1F525", -1)).hasSize(ErrorText.QUOTED_CHARS_MAX + 1);
        assertThat(printableAscii(quoted)).isTrue();
        assertThat(ErrorText.printable("x".repeat(50), 10)).isEqualTo("x".repeat(10) + "... (cut; 50 characters in all)");
    }
}
