package io.runnel.cli.client;

import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.common.TopicNames;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.Header;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.TopicMetadata;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runnel produce TOPIC}: every stdin line becomes one record (UTF-8; the key is the text
 * before the first {@code --key-separator} when one is given). Prints nothing on success; when any
 * record fails it prints one {@code line N: ERROR: message} line per failed record to stderr and
 * fails naming how many, so scripts see a non-zero exit code. Thread-safety: failures are collected
 * from the producer's callback thread into a concurrent queue; everything else runs on the caller.
 */
@Command(name = "produce", description = "Send each line of stdin as a record to TOPIC.", mixinStandardHelpOptions = true)
public final class ProduceCommand extends ClientCommand {

    /**
     * Bound on the failure lines printed; runs of consecutive lines failing with the same error share
     * one line ({@code lines 5-900: ...}), so this is only reached by many different errors.
     */
    static final int FAILURE_LINES_PRINTED_MAX = 1000;

    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @Option(names = "--acks", paramLabel = "0|1|all", description = "Acknowledgements the leader waits for (default: the producer's, all).")
    String acks;

    @Option(names = "--key-separator", paramLabel = "SEP",
            description = "Split each line at the first SEP: key before, value after. Lines without SEP fail.")
    String keySeparator;

    @Option(names = "--header", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class,
            description = "A header added to every record. Repeatable; order is kept.")
    List<KeyValue> headers = new ArrayList<>();

    @Option(names = "--partition", paramLabel = "P", description = "Send every record to partition P (default: the partitioner decides).")
    Integer partition;

    @Option(names = "--producer-property", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class,
            description = "A producer setting with Kafka's name, e.g. linger.ms=0. Repeatable.")
    List<KeyValue> producerProperties = new ArrayList<>();

    /** Where records are read from: standard input, or what {@code Main.run} was given. */
    private final InputStream in;

    public ProduceCommand() {
        this(System.in);
    }

    public ProduceCommand(InputStream in) {
        this.in = in;
    }

    record Failure(long lineNumber, String error) {
    }

    @Override
    public Integer call() throws IOException {
        TopicNames.validate(topic);
        Map<String, String> settings = new LinkedHashMap<>();
        if (acks != null) {
            settings.put(ProducerConfig.ACKS_CONFIG, validAcks(acks));
        }
        if (keySeparator != null && keySeparator.isEmpty()) {
            throw new IllegalArgumentException("--key-separator must not be empty");
        }
        try (AdminConnection admin = admin()) {
            checkPartition(admin.topic(topic, true), partition);
        }
        Properties properties = ClientProperties.build(client, ProducerConfig.configNames(), settings, producerProperties);
        List<Header> recordHeaders = headers.stream().map(h -> Header.ofString(h.key(), h.value())).toList();
        ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
        AtomicLong acknowledged = new AtomicLong();
        long lines = 0;
        try (RunnelProducer<String, String> producer =
                     new RunnelProducer<>(properties, new StringSerializer(), new StringSerializer());
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String text;
            while ((text = reader.readLine()) != null) {
                long lineNumber = ++lines;
                Optional<InputLine> line = InputLine.split(lineNumber, text, keySeparator);
                if (line.isEmpty()) {
                    failures.add(new Failure(lineNumber, "no key separator '" + keySeparator + "' in the line"));
                    continue;
                }
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, partition, null,
                        line.get().key(), line.get().value(), recordHeaders);
                try {
                    producer.send(record, (metadata, exception) -> {
                        if (exception != null) {
                            failures.add(new Failure(lineNumber, ClientProperties.describe(exception)));
                        } else {
                            acknowledged.incrementAndGet();
                        }
                    });
                } catch (RuntimeException e) {
                    failures.add(new Failure(lineNumber, ClientProperties.describe(e)));
                }
            }
            producer.flush();
        }
        // Closing the producer completed every send, so each line is acknowledged or failed by now.
        long unaccounted = lines - acknowledged.get() - failures.size();
        if (unaccounted != 0) {
            throw new IllegalStateException(unaccounted + " of " + lines
                    + " records were neither acknowledged nor failed when the producer closed");
        }
        report(new ArrayList<>(failures), lines);
        return 0;
    }

    private void report(List<Failure> failures, long lines) {
        if (failures.isEmpty()) {
            return;
        }
        failures.sort(Comparator.comparingLong(Failure::lineNumber));
        List<String> printed = failureLines(failures);
        printed.stream().limit(FAILURE_LINES_PRINTED_MAX).forEach(err()::println);
        if (printed.size() > FAILURE_LINES_PRINTED_MAX) {
            err().println("... and " + (printed.size() - FAILURE_LINES_PRINTED_MAX) + " more lines of failures");
        }
        err().flush();
        throw new CommandFailedException(failureSummary(failures, lines));
    }

    /**
     * One text line per failed input line, {@code line 3: ERROR}, except that a run of consecutive input
     * lines with the same error is one text line, {@code lines 5-9: ERROR}: every failed record is named
     * without flooding the terminal when, say, the broker goes away mid-stream.
     */
    static List<String> failureLines(List<Failure> sortedFailures) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < sortedFailures.size()) {
            Failure first = sortedFailures.get(start);
            int end = start;
            while (end + 1 < sortedFailures.size()
                    && sortedFailures.get(end + 1).lineNumber() == sortedFailures.get(end).lineNumber() + 1
                    && sortedFailures.get(end + 1).error().equals(first.error())) {
                end++;
            }
            Failure last = sortedFailures.get(end);
            lines.add(start == end ? "line " + first.lineNumber() + ": " + first.error()
                    : "lines " + first.lineNumber() + "-" + last.lineNumber() + ": " + first.error());
            start = end + 1;
        }
        return lines;
    }

    /** {@code 2 of 10 records failed (lines 3, 7)}, listing at most ten line numbers. */
    static String failureSummary(List<Failure> sortedFailures, long lines) {
        String numbers = sortedFailures.stream().limit(10).map(f -> Long.toString(f.lineNumber()))
                .collect(Collectors.joining(", "));
        String more = sortedFailures.size() > 10 ? ", ..." : "";
        return sortedFailures.size() + " of " + lines + " records failed (line" + (sortedFailures.size() == 1 ? " " : "s ")
                + numbers + more + "); first error: " + sortedFailures.get(0).error();
    }

    static String validAcks(String acks) {
        return switch (acks) {
            case "0", "1", "all", "-1" -> acks;
            default -> throw new IllegalArgumentException("--acks must be 0, 1, all or -1; got '" + acks + "'");
        };
    }

    /** Throws when a requested partition does not exist, naming the topic's partition count. */
    static void checkPartition(TopicMetadata topic, Integer partition) {
        if (partition == null) {
            return;
        }
        if (partition < 0 || partition >= topic.getPartitionsCount()) {
            throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + partition + " of topic '"
                    + topic.getName() + "' does not exist (the topic has " + topic.getPartitionsCount() + " partitions)");
        }
    }
}
