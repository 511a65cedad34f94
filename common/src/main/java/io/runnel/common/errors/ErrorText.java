package io.runnel.common.errors;

/**
 * Puts text a client sent into an error message safely. Error messages travel in protobuf strings and
 * gRPC trailers and end up in logs and terminals, so they must be well-formed UTF-16 (protobuf replaces a
 * lone surrogate with '?' and logs a warning), printable, and bounded in size (a client accepts 8 KiB of
 * trailers by default, and a whole-call error is carried there twice).
 *
 * <ul>
 *   <li>{@link #codePoint(int)} names one character: printable ASCII as itself, anything else by its code
 *       point ({@code U+1F525} for the fire emoji, {@code U+000A} for a newline).</li>
 *   <li>{@link #printable(String, int)} keeps printable ASCII and writes every other character as
 *       {@code <U+XXXX>}, cutting the text, at a character boundary, after a given number of characters.
 *       A lone surrogate comes out as {@code <U+D83D>}, so the result is always well-formed.</li>
 *   <li>{@link #quote(String)} is that, between single quotes, for a client string inside a message.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class ErrorText {

    /** Characters of a client string that {@link #quote} shows before it cuts the rest. */
    public static final int QUOTED_CHARS_MAX = 120;

    private ErrorText() {
    }

    /** One code point for humans: printable ASCII as itself, anything else as {@code U+XXXX}. */
    public static String codePoint(int codePoint) {
        if (isPrintableAscii(codePoint)) {
            return String.valueOf((char) codePoint);
        }
        return String.format("U+%04X", codePoint);
    }

    /**
     * {@code text} between single quotes as {@link #printable(String, int)} renders it, showing at most
     * {@value #QUOTED_CHARS_MAX} of its characters. {@code null} is shown as {@code null}.
     */
    public static String quote(String text) {
        return text == null ? "null" : "'" + printable(text, QUOTED_CHARS_MAX) + "'";
    }

    /**
     * {@code text} with printable ASCII kept and every other character (code point, or lone surrogate)
     * written {@code <U+XXXX>}; after {@code maxChars} characters of {@code text} it stops and says how many
     * there were in all. Returns {@code text} itself when nothing needs changing.
     */
    public static String printable(String text, int maxChars) {
        if (text == null) {
            return null;
        }
        if (text.length() <= maxChars && text.chars().allMatch(ErrorText::isPrintableAscii)) {
            return text;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars) + 16);
        int index = 0;
        int shown = 0;
        while (index < text.length() && shown < maxChars) {
            // codePointAt returns a lone surrogate as itself, so it is named like any other character.
            int codePoint = text.codePointAt(index);
            if (isPrintableAscii(codePoint)) {
                out.append((char) codePoint);
            } else {
                out.append('<').append(codePoint(codePoint)).append('>');
            }
            index += Character.charCount(codePoint);
            shown++;
        }
        if (index < text.length()) {
            out.append("... (cut; ").append(text.codePointCount(0, text.length())).append(" characters in all)");
        }
        return out.toString();
    }

    private static boolean isPrintableAscii(int codePoint) {
        return codePoint >= 0x20 && codePoint < 0x7f;
    }
}
