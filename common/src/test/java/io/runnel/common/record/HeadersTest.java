package io.runnel.common.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Headers keep order and repeats, find the last of a key, and refuse changes once read-only. */
class HeadersTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void addLastHeaderIterationAndRemove() {
        Headers headers = new Headers().add("trace", utf8("a")).add("tenant", utf8("t1")).add("trace", utf8("b"))
                .add(new Header("empty", null));
        assertThat(new String(headers.lastHeader("trace").value(), StandardCharsets.UTF_8)).isEqualTo("b");
        assertThat(headers.lastHeader("missing")).isNull();
        assertThat(headers.lastHeader("empty").value()).isNull();
        List<String> keys = new ArrayList<>();
        for (Header header : headers) {
            keys.add(header.key());
        }
        assertThat(keys).containsExactly("trace", "tenant", "trace", "empty");
        assertThat(headers.headers("trace")).extracting(h -> new String(h.value(), StandardCharsets.UTF_8))
                .containsExactly("a", "b");
        headers.remove("trace");
        assertThat(headers.toArray()).containsExactly(Header.ofString("tenant", "t1"), new Header("empty", null));
        assertThat(headers.size()).isEqualTo(2);
    }

    @Test
    void readOnlyHeadersRefuseChangesButStillRead() {
        Headers headers = Headers.readOnly(new Header[] {Header.ofString("k", "v")});
        assertThatThrownBy(() -> headers.add("x", null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("read-only");
        assertThatThrownBy(() -> headers.remove("k")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> headers.iterator().remove()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(headers.lastHeader("k")).isEqualTo(Header.ofString("k", "v"));
        Headers writable = new Headers(headers);
        writable.add("x", null);
        assertThat(writable.size()).isEqualTo(2);
        assertThat(headers.size()).isEqualTo(1);
    }

    @Test
    void equalityIsByContentAndOrder() {
        assertThat(new Headers().add("a", utf8("1")).add("b", null))
                .isEqualTo(Headers.readOnly(new Header[] {Header.ofString("a", "1"), new Header("b", null)}))
                .isNotEqualTo(new Headers().add("b", null).add("a", utf8("1")));
    }
}
