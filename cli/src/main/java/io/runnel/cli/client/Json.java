package io.runnel.cli.client;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON reader (RFC 8259) for the files the CLI reads, such as reassignment plans. Every
 * value remembers the line and column where it starts so that the code that interprets a document can
 * name the place of a bad field. Strict: no comments, no trailing commas, no duplicate keys, nothing
 * after the top-level value, at most {@value #DEPTH_MAX} levels of nesting. Errors are
 * IllegalArgumentExceptions naming the source, line and column. Pure functions; thread-safe.
 */
final class Json {

    /** Deepest nesting accepted: the formats the CLI reads need three levels. */
    static final int DEPTH_MAX = 32;

    /** One JSON value and where it starts (1-based line and column). */
    record Node(Object value, int line, int column) {

        boolean isObject() {
            return value instanceof Map;
        }

        boolean isArray() {
            return value instanceof List;
        }

        boolean isString() {
            return value instanceof String;
        }

        boolean isNumber() {
            return value instanceof BigDecimal;
        }

        @SuppressWarnings("unchecked")
        Map<String, Node> asObject() {
            return (Map<String, Node>) value;
        }

        @SuppressWarnings("unchecked")
        List<Node> asArray() {
            return (List<Node>) value;
        }

        String where() {
            return "line " + line + ", column " + column;
        }
    }

    private final String text;
    private final String source;
    private int position;
    private int line = 1;
    private int lineStart;

    private Json(String text, String source) {
        this.text = text;
        this.source = source;
    }

    /** Parses {@code text}; {@code source} (a file name) starts every error message. */
    static Node parse(String text, String source) {
        Json reader = new Json(text, source);
        reader.skipWhitespace();
        Node root = reader.value(0);
        reader.skipWhitespace();
        if (reader.position < text.length()) {
            throw reader.error("unexpected " + reader.describeNext() + " after the end of the document");
        }
        return root;
    }

    private Node value(int depth) {
        if (depth > DEPTH_MAX) {
            throw error("nesting deeper than " + DEPTH_MAX + " levels");
        }
        if (position >= text.length()) {
            throw error("unexpected end of the document, expected a value");
        }
        int valueLine = line;
        int valueColumn = column();
        char c = text.charAt(position);
        Object value = switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected " + describeNext() + ", expected a value");
            }
        };
        return new Node(value, valueLine, valueColumn);
    }

    private Map<String, Node> object(int depth) {
        position++;
        Map<String, Node> members = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            position++;
            return Collections.unmodifiableMap(members);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("unexpected " + describeNext() + ", expected a field name in quotes");
            }
            int keyLine = line;
            int keyColumn = column();
            String key = string();
            if (members.containsKey(key)) {
                throw new IllegalArgumentException(source + ": line " + keyLine + ", column " + keyColumn
                        + ": field \"" + key + "\" appears twice in one object");
            }
            skipWhitespace();
            expect(':');
            skipWhitespace();
            members.put(key, value(depth + 1));
            skipWhitespace();
            char next = peek();
            position++;
            if (next == '}') {
                return Collections.unmodifiableMap(members);
            }
            if (next != ',') {
                position--;
                throw error("unexpected " + describeNext() + ", expected ',' or '}'");
            }
        }
    }

    private List<Node> array(int depth) {
        position++;
        List<Node> elements = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            position++;
            return Collections.unmodifiableList(elements);
        }
        while (true) {
            skipWhitespace();
            elements.add(value(depth + 1));
            skipWhitespace();
            char next = peek();
            position++;
            if (next == ']') {
                return Collections.unmodifiableList(elements);
            }
            if (next != ',') {
                position--;
                throw error("unexpected " + describeNext() + ", expected ',' or ']'");
            }
        }
    }

    private String string() {
        position++;
        StringBuilder value = new StringBuilder();
        while (true) {
            if (position >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(position++);
            if (c == '"') {
                return value.toString();
            }
            if (c < 0x20) {
                position--;
                throw error("control character U+" + String.format("%04X", (int) c) + " inside a string");
            }
            if (c != '\\') {
                value.append(c);
                continue;
            }
            if (position >= text.length()) {
                throw error("unterminated string");
            }
            char escape = text.charAt(position++);
            switch (escape) {
                case '"', '\\', '/' -> value.append(escape);
                case 'b' -> value.append('\b');
                case 'f' -> value.append('\f');
                case 'n' -> value.append('\n');
                case 'r' -> value.append('\r');
                case 't' -> value.append('\t');
                case 'u' -> {
                    if (position + 4 > text.length()) {
                        throw error("truncated \\u escape");
                    }
                    try {
                        value.append((char) Integer.parseInt(text.substring(position, position + 4), 16));
                    } catch (NumberFormatException e) {
                        throw error("bad \\u escape '\\u" + text.substring(position, position + 4) + "'");
                    }
                    position += 4;
                }
                default -> {
                    position -= 2;
                    throw error("unknown escape '\\" + escape + "'");
                }
            }
        }
    }

    private BigDecimal number() {
        int start = position;
        if (peek() == '-') {
            position++;
        }
        if (peek() == '0') {
            position++;
        } else if (!digits()) {
            throw error("malformed number");
        }
        if (peek() == '.') {
            position++;
            if (!digits()) {
                throw error("malformed number: digits must follow '.'");
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            position++;
            if (peek() == '+' || peek() == '-') {
                position++;
            }
            if (!digits()) {
                throw error("malformed number: digits must follow the exponent");
            }
        }
        return new BigDecimal(text.substring(start, position));
    }

    private boolean digits() {
        int start = position;
        while (position < text.length() && Character.isDigit(text.charAt(position)) && text.charAt(position) < 128) {
            position++;
        }
        return position > start;
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, position)) {
            throw error("unexpected " + describeNext() + ", expected a value");
        }
        position += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("unexpected " + describeNext() + ", expected '" + c + "'");
        }
        position++;
    }

    private char peek() {
        return position < text.length() ? text.charAt(position) : '\0';
    }

    private void skipWhitespace() {
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c == '\n') {
                line++;
                lineStart = position + 1;
            } else if (c != ' ' && c != '\t' && c != '\r') {
                return;
            }
            position++;
        }
    }

    private int column() {
        return position - lineStart + 1;
    }

    private String describeNext() {
        if (position >= text.length()) {
            return "end of the document";
        }
        char c = text.charAt(position);
        return c < 0x20 ? "character U+" + String.format("%04X", (int) c) : "'" + c + "'";
    }

    private IllegalArgumentException error(String problem) {
        return new IllegalArgumentException(source + ": line " + line + ", column " + column() + ": " + problem);
    }

    /** {@code value} as a JSON string literal, quotes included. */
    static String quote(String value) {
        StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
