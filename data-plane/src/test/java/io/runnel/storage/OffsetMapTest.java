package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OffsetMapTest {

    private static final long ONE_MIB = 1024 * 1024;

    private static ByteBuffer key(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keepsTheLatestOffsetOfEachKey() {
        OffsetMap map = new OffsetMap(ONE_MIB, 0.9);
        map.clear(0, -1);
        assertThat(map.put(key("a"), 1)).isTrue();
        assertThat(map.put(key("b"), 2)).isTrue();
        assertThat(map.put(key("a"), 3)).isTrue();

        assertThat(map.get(key("a"))).isEqualTo(3);
        assertThat(map.get(key("b"))).isEqualTo(2);
        assertThat(map.get(key("c"))).isEqualTo(-1);
        assertThat(map.size()).isEqualTo(2);
        assertThat(map.latestOffset()).isEqualTo(3);
    }

    @Test
    void differentKeysWithTheSameHashAreDifferentEntries() {
        OffsetMap map = new OffsetMap(ONE_MIB, 0.9, k -> 42L);
        map.clear(0, -1);
        for (int i = 0; i < 100; i++) {
            assertThat(map.put(key("key-" + i), i)).isTrue();
        }
        map.put(key("key-7"), 1000);

        assertThat(map.size()).isEqualTo(100);
        for (int i = 0; i < 100; i++) {
            assertThat(map.get(key("key-" + i))).as("key-%d", i).isEqualTo(i == 7 ? 1000 : i);
        }
        assertThat(map.get(key("key-100"))).isEqualTo(-1);
    }

    @Test
    void aKeyPrefixIsAnotherKey() {
        OffsetMap map = new OffsetMap(ONE_MIB, 0.9, k -> 1L);
        map.clear(0, -1);
        map.put(key("ab"), 1);
        map.put(key("abc"), 2);
        map.put(key(""), 3);

        assertThat(map.get(key("ab"))).isEqualTo(1);
        assertThat(map.get(key("abc"))).isEqualTo(2);
        assertThat(map.get(key(""))).isEqualTo(3);
        assertThat(map.get(key("a"))).isEqualTo(-1);
    }

    @Test
    void equalKeysHashEquallyWhateverTheirBufferPositionOrByteOrder() {
        byte[] bytes = "a key longer than eight bytes".getBytes(StandardCharsets.UTF_8);
        ByteBuffer plain = ByteBuffer.wrap(bytes);
        ByteBuffer little = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] padded = new byte[bytes.length + 5];
        System.arraycopy(bytes, 0, padded, 3, bytes.length);
        ByteBuffer inside = ByteBuffer.wrap(padded, 3, bytes.length);

        assertThat(OffsetMap.hash64(little)).isEqualTo(OffsetMap.hash64(plain));
        assertThat(OffsetMap.hash64(inside)).isEqualTo(OffsetMap.hash64(plain));
        assertThat(inside.position()).isEqualTo(3);
        OffsetMap map = new OffsetMap(ONE_MIB, 0.9);
        map.clear(0, -1);
        map.put(inside, 5);
        assertThat(map.get(little)).isEqualTo(5);
    }

    @Test
    void matchesAHashMapOverRandomKeysAndGrowsWithinItsBound() {
        Random random = new Random(7);
        OffsetMap map = new OffsetMap(4 * ONE_MIB, 0.75);
        map.clear(0, -1);
        Map<String, Long> model = new HashMap<>();
        for (long offset = 0; offset < 50_000; offset++) {
            String k = "k" + random.nextInt(20_000);
            assertThat(map.put(key(k), offset)).isTrue();
            model.put(k, offset);
            assertThat(map.allocatedBytes()).isLessThanOrEqualTo(4 * ONE_MIB);
        }
        assertThat(map.size()).isEqualTo(model.size());
        model.forEach((k, offset) -> assertThat(map.get(key(k))).isEqualTo(offset));
    }

    @Test
    void refusesNewKeysOnceTheBoundIsReachedButStillUpdatesKnownOnes() {
        long bound = (long) OffsetMap.MIN_SLOTS * OffsetMap.SLOT_BYTES + OffsetMap.MIN_ARENA_BYTES;
        OffsetMap map = new OffsetMap(bound, 0.9);
        map.clear(0, -1);
        int accepted = 0;
        while (map.put(key("key-" + accepted), accepted)) {
            accepted++;
            assertThat(map.allocatedBytes()).isLessThanOrEqualTo(bound);
        }
        assertThat(accepted).isPositive().isLessThan(OffsetMap.MIN_SLOTS);
        long latest = map.latestOffset();
        assertThat(map.put(key("key-0"), 999_999)).isTrue();
        assertThat(map.get(key("key-0"))).isEqualTo(999_999);
        assertThat(map.get(key("key-" + accepted))).isEqualTo(-1);
        assertThat(latest).isEqualTo(accepted - 1);
        assertThat(map.utilization()).isGreaterThan(0.3).isLessThanOrEqualTo(1.0);
    }

    @Test
    void aLargeKeyGrowsTheArena() {
        OffsetMap map = new OffsetMap(8 * ONE_MIB, 0.9);
        map.clear(0, -1);
        ByteBuffer big = ByteBuffer.wrap(new byte[(int) ONE_MIB]);
        assertThat(map.put(big, 1)).isTrue();
        assertThat(map.get(ByteBuffer.wrap(new byte[(int) ONE_MIB]))).isEqualTo(1);
        assertThat(map.allocatedBytes()).isLessThanOrEqualTo(8 * ONE_MIB);
    }

    @Test
    void clearForgetsEverythingAndSetsTheLatestOffset() {
        OffsetMap map = new OffsetMap(ONE_MIB, 0.9);
        map.clear(0, -1);
        map.put(key("a"), 10);
        map.clear(100, 41);

        assertThat(map.size()).isZero();
        assertThat(map.get(key("a"))).isEqualTo(-1);
        assertThat(map.latestOffset()).isEqualTo(41);
        map.updateLatestOffset(30);
        assertThat(map.latestOffset()).isEqualTo(41);
    }

    @Test
    void rejectsABoundBelowItsMinimumAndABadLoadFactor() {
        assertThatThrownBy(() -> new OffsetMap(1000, 0.9)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimum");
        assertThatThrownBy(() -> new OffsetMap(ONE_MIB, 1.0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("load factor");
    }
}
