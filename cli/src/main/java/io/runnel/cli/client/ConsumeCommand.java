package io.runnel.cli.client;

import io.runnel.client.consumer.ConsumerConfig;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.common.TopicNames;
import io.runnel.common.TopicPartition;
import io.runnel.proto.PartitionMetadata;
import io.runnel.proto.TopicMetadata;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runnel consume TOPIC}: reads the topic's partitions (or one) in assign mode, without a
 * consumer group, or with {@code --group G} as a member of group G (the group's share of the topic, from its
 * committed offsets, committing what it printed after each batch), and prints one record per line in
 * {@link RecordFormat}. Stops after
 * {@code --max-messages} records, or when {@code --timeout-ms} passes without a record, and exits 0;
 * with neither it runs until interrupted, like Kafka's console consumer. Prints
 * {@code Processed a total of N messages} to stderr at the end, also when interrupted (a shutdown
 * hook reads the count, hence the atomic). Otherwise runs on the caller's thread only.
 */
@Command(name = "consume", description = "Print the records of TOPIC, one per line.", mixinStandardHelpOptions = true)
public final class ConsumeCommand extends ClientCommand {

    /** Longest single poll, so that --timeout-ms is honoured within this much. */
    static final long POLL_MS_MAX = 500;

    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @Option(names = "--partition", paramLabel = "P", description = "Read only partition P (default: every partition).")
    Integer partition;

    @Option(names = "--offset", paramLabel = "earliest|latest|N",
            description = "Where to start: earliest, latest (default) or an offset N (needs --partition).")
    String offset;

    @Option(names = "--from-beginning", description = "Start at the earliest offset (same as --offset earliest).")
    boolean fromBeginning;

    @Option(names = "--max-messages", paramLabel = "N", description = "Exit after N records.")
    Long maxMessages;

    @Option(names = "--timeout-ms", paramLabel = "T", description = "Exit when no record arrived for T ms (default: wait forever).")
    Long timeoutMs;

    @Option(names = "--print-key", description = "Print the key before the value.")
    boolean printKey;

    @Option(names = "--print-offset", description = "Print Offset:N before the value.")
    boolean printOffset;

    @Option(names = "--print-partition", description = "Print Partition:P before the value.")
    boolean printPartition;

    @Option(names = "--print-headers", description = "Print headers as k1:v1,k2:v2 (or NO_HEADERS) before the value.")
    boolean printHeaders;

    @Option(names = "--print-timestamp", description = "Print CreateTime:MS (or LogAppendTime:MS) first.")
    boolean printTimestamp;

    @Option(names = "--key-separator", paramLabel = "SEP", defaultValue = RecordFormat.DEFAULT_SEPARATOR,
            description = "Separator between printed fields (default: a tab).")
    String separator = RecordFormat.DEFAULT_SEPARATOR;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "Consume as a member of consumer group GROUP: its partitions of TOPIC, from its committed offsets "
                    + "(else --from-beginning or the end), committing what was printed as it goes.")
    String group;

    @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class,
            description = "A consumer setting with Kafka's name, e.g. max.poll.records=100. Repeatable.")
    List<KeyValue> consumerProperties = new ArrayList<>();

    /** Where consumption starts, from --offset and --from-beginning. */
    record StartOffset(String kind, long offset) {
        static final StartOffset EARLIEST = new StartOffset("earliest", -1);
        static final StartOffset LATEST = new StartOffset("latest", -1);

        static StartOffset of(String offset, boolean fromBeginning, Integer partition) {
            if (fromBeginning) {
                if (offset != null && !offset.equals("earliest")) {
                    throw new IllegalArgumentException("--from-beginning conflicts with --offset " + offset);
                }
                return EARLIEST;
            }
            if (offset == null || offset.equals("latest")) {
                return LATEST;
            }
            if (offset.equals("earliest")) {
                return EARLIEST;
            }
            long value;
            try {
                value = Long.parseLong(offset);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--offset must be earliest, latest or a number; got '" + offset + "'");
            }
            if (value < 0) {
                throw new IllegalArgumentException("--offset must not be negative; got " + value);
            }
            if (partition == null) {
                throw new IllegalArgumentException("--offset " + value + " needs --partition: offsets are per partition");
            }
            return new StartOffset("offset", value);
        }
    }

    @Override
    public Integer call() {
        TopicNames.validate(topic);
        StartOffset start = StartOffset.of(offset, fromBeginning, partition);
        if (maxMessages != null && maxMessages < 1) {
            throw new IllegalArgumentException("--max-messages must be positive; got " + maxMessages);
        }
        if (timeoutMs != null && timeoutMs < 0) {
            throw new IllegalArgumentException("--timeout-ms must not be negative; got " + timeoutMs);
        }
        if (group != null && (partition != null || start.kind().equals("offset"))) {
            throw new IllegalArgumentException("--group consumes the group's partitions from its committed offsets; "
                    + "--partition and --offset N do not apply to it");
        }
        List<TopicPartition> partitions;
        try (AdminConnection admin = admin()) {
            partitions = partitions(admin.topic(topic), partition);
        }
        if (group != null) {
            return consumeInGroup(start);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        // An explicit offset that does not exist is an error to report, not a reason to jump elsewhere.
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, start.kind().equals("offset") ? "none" : start.kind());
        return consume(settings, consumer -> {
            consumer.assign(partitions);
            switch (start.kind()) {
                case "earliest" -> consumer.seekToBeginning(partitions);
                case "latest" -> consumer.seekToEnd(partitions);
                default -> consumer.seek(partitions.get(0), start.offset());
            }
        }, false);
    }

    /** As a member of --group: subscribe, print, and commit what was printed after each batch. */
    private Integer consumeInGroup(StartOffset start) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, start.kind());
        return consume(settings, consumer -> consumer.subscribe(List.of(topic)), true);
    }

    /**
     * Creates the consumer with {@code settings}, lets {@code start} assign or subscribe it, and prints records
     * until the end (committing what was printed after each batch with {@code commitPrinted}); prints the
     * total at the end, or on Ctrl-C.
     */
    private Integer consume(Map<String, String> settings, java.util.function.Consumer<RunnelConsumer<String, String>> start,
                            boolean commitPrinted) {
        RecordFormat format = new RecordFormat(printTimestamp, printPartition, printOffset, printHeaders, printKey, separator);
        AtomicLong consumed = new AtomicLong();
        // Ctrl-C is the usual end without --max-messages or --timeout-ms; report the total then too.
        Thread interrupted = new Thread(() -> printTotal(consumed.get()), "consume-total-on-exit");
        Runtime.getRuntime().addShutdownHook(interrupted);
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(
                ClientProperties.build(client, ConsumerConfig.configNames(), settings, consumerProperties),
                new StringDeserializer(), new StringDeserializer())) {
            start.accept(consumer);
            printRecords(consumer, format, out(), consumed, commitPrinted ? consumer::commitSync : printed -> { });
        } finally {
            removeHook(interrupted);
        }
        // Only on a normal end: after a failure the one Error line is the whole story.
        printTotal(consumed.get());
        return 0;
    }

    private void printTotal(long consumed) {
        err().println("Processed a total of " + consumed + " messages");
        err().flush();
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already exiting (Ctrl-C); the hook runs and prints the total.
        }
    }

    /** Prints records until --max-messages or --timeout-ms; {@code consumed} is read by the exit hook. */
    private void printRecords(RunnelConsumer<String, String> consumer, RecordFormat format, PrintWriter out,
                              AtomicLong consumed, java.util.function.Consumer<Map<TopicPartition, OffsetAndMetadata>> afterBatch) {
        long lastRecordNanos = System.nanoTime();
        while (maxMessages == null || consumed.get() < maxMessages) {
            long pollMs = POLL_MS_MAX;
            if (timeoutMs != null) {
                long remainingMs = timeoutMs - (System.nanoTime() - lastRecordNanos) / 1_000_000;
                if (remainingMs <= 0) {
                    break;
                }
                pollMs = Math.min(pollMs, remainingMs);
            }
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(pollMs));
            if (records.isEmpty()) {
                continue;
            }
            Map<TopicPartition, OffsetAndMetadata> printed = new LinkedHashMap<>();
            for (ConsumerRecord<String, String> record : records) {
                out.println(format.format(record.partition(), record.offset(), record.timestamp(), record.timestampType(),
                        record.headers().toList(), record.key(), record.value()));
                printed.put(record.topicPartition(), new OffsetAndMetadata(record.offset() + 1));
                long count = consumed.incrementAndGet();
                if (maxMessages != null && count >= maxMessages) {
                    break;
                }
            }
            out.flush();
            afterBatch.accept(printed);
            lastRecordNanos = System.nanoTime();
        }
    }

    /** Every partition of the topic in order, or the one asked for; throws when it does not exist. */
    static List<TopicPartition> partitions(TopicMetadata topic, Integer partition) {
        ProduceCommand.checkPartition(topic, partition);
        if (partition != null) {
            return List.of(new TopicPartition(topic.getName(), partition));
        }
        return topic.getPartitionsList().stream().map(PartitionMetadata::getPartition).sorted(Comparator.naturalOrder())
                .map(p -> new TopicPartition(topic.getName(), p)).toList();
    }
}
