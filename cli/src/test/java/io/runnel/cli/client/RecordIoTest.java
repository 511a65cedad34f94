package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.cli.client.ConsumeCommand.StartOffset;
import io.runnel.cli.client.ProduceCommand.Failure;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.Header;
import io.runnel.common.record.TimestampType;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.PartitionMetadata;
import io.runnel.proto.TopicMetadata;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class RecordIoTest {

    @Test
    void lineSplitsAtTheFirstSeparatorOnly() {
        assertThat(InputLine.split(1, "k1:v:1", ":")).contains(new InputLine(1, "k1", "v:1"));
        assertThat(InputLine.split(2, "::", "::")).contains(new InputLine(2, "", ""));
        assertThat(InputLine.split(3, "a=>b", "=>")).contains(new InputLine(3, "a", "b"));
        assertThat(InputLine.split(4, "no separator", ":")).isEmpty();
        assertThat(InputLine.split(5, "k:v", null)).contains(new InputLine(5, null, "k:v"));
        assertThat(InputLine.split(6, "", null)).isEqualTo(Optional.of(new InputLine(6, null, "")));
    }

    @Test
    void recordFormatFollowsKafkasConsoleConsumerOrder() {
        RecordFormat all = new RecordFormat(true, true, true, true, true, "\t");
        List<Header> headers = List.of(Header.ofString("h1", "v1"), new Header("h2", null));

        assertThat(all.format(2, 41, 1700000000000L, TimestampType.CREATE_TIME, headers, "k", "value"))
                .isEqualTo("CreateTime:1700000000000\tPartition:2\tOffset:41\th1:v1,h2:null\tk\tvalue");
        assertThat(new RecordFormat(false, false, true, true, true, " | ")
                .format(0, 7, 1, TimestampType.LOG_APPEND_TIME, List.of(), null, "v"))
                .isEqualTo("Offset:7 | NO_HEADERS | null | v");
        assertThat(new RecordFormat(true, false, false, false, false, "\t")
                .format(0, 7, 5, TimestampType.LOG_APPEND_TIME, List.of(), null, null))
                .isEqualTo("LogAppendTime:5\tnull");
        assertThat(new RecordFormat(false, false, false, false, false, "\t")
                .format(0, 0, 0, TimestampType.CREATE_TIME, headers, "k", "only the value"))
                .isEqualTo("only the value");
    }

    @Test
    void startOffsetOptions() {
        assertThat(StartOffset.of(null, false, null)).isEqualTo(StartOffset.LATEST);
        assertThat(StartOffset.of(null, true, null)).isEqualTo(StartOffset.EARLIEST);
        assertThat(StartOffset.of("earliest", true, null)).isEqualTo(StartOffset.EARLIEST);
        assertThat(StartOffset.of("latest", false, 1)).isEqualTo(StartOffset.LATEST);
        assertThat(StartOffset.of("12", false, 0)).isEqualTo(new StartOffset("offset", 12));
        assertThatThrownBy(() -> StartOffset.of("12", false, null))
                .hasMessage("--offset 12 needs --partition: offsets are per partition");
        assertThatThrownBy(() -> StartOffset.of("latest", true, null))
                .hasMessage("--from-beginning conflicts with --offset latest");
        assertThatThrownBy(() -> StartOffset.of("soon", false, 0))
                .hasMessage("--offset must be earliest, latest or a number; got 'soon'");
        assertThatThrownBy(() -> StartOffset.of("-3", false, 0)).hasMessage("--offset must not be negative; got -3");
    }

    @Test
    void partitionsOfATopicAreCheckedAndOrdered() {
        TopicMetadata topic = TopicMetadata.newBuilder().setName("t")
                .addPartitions(PartitionMetadata.newBuilder().setPartition(1))
                .addPartitions(PartitionMetadata.newBuilder().setPartition(0)).build();

        assertThat(ConsumeCommand.partitions(topic, null))
                .containsExactly(new TopicPartition("t", 0), new TopicPartition("t", 1));
        assertThat(ConsumeCommand.partitions(topic, 1)).containsExactly(new TopicPartition("t", 1));
        assertThatThrownBy(() -> ConsumeCommand.partitions(topic, 2))
                .isInstanceOf(ApiException.class)
                .hasMessage("partition 2 of topic 't' does not exist (the topic has 2 partitions)");
    }

    @Test
    void produceFailureSummaryNamesLinesAndFirstError() {
        List<Failure> failures = new ArrayList<>();
        failures.add(new Failure(3, "RECORD_TOO_LARGE: too big"));
        assertThat(ProduceCommand.failureSummary(failures, 10))
                .isEqualTo("1 of 10 records failed (line 3); first error: RECORD_TOO_LARGE: too big");
        for (int line = 4; line < 20; line++) {
            failures.add(new Failure(line, "x"));
        }
        assertThat(ProduceCommand.failureSummary(failures, 20))
                .startsWith("17 of 20 records failed (lines 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ...)");
    }

    @Test
    void consecutiveLinesWithTheSameErrorShareOneLine() {
        List<Failure> failures = List.of(new Failure(2, "A"), new Failure(3, "A"), new Failure(4, "A"),
                new Failure(5, "B"), new Failure(7, "B"), new Failure(8, "A"));

        assertThat(ProduceCommand.failureLines(failures)).containsExactly(
                "lines 2-4: A", "line 5: B", "line 7: B", "line 8: A");
        assertThat(ProduceCommand.failureLines(List.of())).isEmpty();
    }

    @Test
    void acksAreValidated() {
        assertThat(ProduceCommand.validAcks("all")).isEqualTo("all");
        assertThat(ProduceCommand.validAcks("-1")).isEqualTo("-1");
        assertThatThrownBy(() -> ProduceCommand.validAcks("2")).hasMessage("--acks must be 0, 1, all or -1; got '2'");
    }

    @Test
    void failuresAreDescribedWithTheirKafkaName() {
        ApiException tooLarge = new ApiException(ErrorCode.RECORD_TOO_LARGE, "record of 2000000 bytes exceeds 1048588");
        assertThat(ClientProperties.describe(new ExecutionException(tooLarge)))
                .isEqualTo("RECORD_TOO_LARGE: record of 2000000 bytes exceeds 1048588");
        assertThat(ClientProperties.describe(new IllegalStateException("closed"))).isEqualTo("closed");
        assertThat(ClientProperties.describe(new NullPointerException())).isEqualTo("NullPointerException");
    }

    @Test
    void payloadIsUpperCaseLettersOfTheRequestedSize() {
        byte[] payload = PerfCommand.payload(100, new java.util.Random(1));
        assertThat(payload).hasSize(100);
        assertThat(new String(payload, StandardCharsets.US_ASCII)).matches("[A-Z]{100}");
    }
}
