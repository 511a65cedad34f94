package io.runnel.common.time;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MockTimeTest {

    @Test
    void advancesOnlyWhenTold() {
        MockTime time = new MockTime(1_000L);
        assertThat(time.milliseconds()).isEqualTo(1_000L);
        time.advance(250);
        time.sleep(50);
        assertThat(time.milliseconds()).isEqualTo(1_300L);
        assertThat(time.hiResClockMs()).isEqualTo(300L);
    }
}
