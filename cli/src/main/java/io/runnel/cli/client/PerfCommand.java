package io.runnel.cli.client;

import io.runnel.client.consumer.ConsumerConfig;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.ByteArrayDeserializer;
import io.runnel.client.serialization.ByteArraySerializer;
import io.runnel.common.TopicNames;
import io.runnel.common.TopicPartition;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runnel perf produce|consume|e2e}: measurements in the style of Kafka's perf tools
 * ({@code kafka-producer-perf-test}, {@code kafka-consumer-perf-test}, {@code EndToEndLatency}). They
 * are benchmarks, not tests: they print numbers and fail only when records fail or go missing.
 * Every run prints a progress line every {@link PerfStats#REPORT_INTERVAL_MS} ms and a final summary.
 * Commands run on the caller's thread; producer callbacks report into the thread-safe {@link PerfStats}.
 * {@code e2e --rate} adds one receiving thread, which alone polls the consumer ({@link FixedRateEndToEnd}).
 */
@Command(name = "perf", description = "Measure produce throughput, consume throughput and end-to-end latency.",
        mixinStandardHelpOptions = true,
        subcommands = {PerfCommand.Produce.class, PerfCommand.Consume.class, PerfCommand.EndToEnd.class})
public final class PerfCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: one of produce, consume, e2e");
    }

    /** Random upper-case letters, as Kafka's producer perf test sends when no payload file is given. */
    static byte[] payload(int sizeBytes, Random random) {
        return FixedRateEndToEnd.payload(sizeBytes, random);
    }

    static void requirePositive(String option, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be positive; got " + value);
        }
    }

    @Command(name = "produce", description = "Send records as fast as allowed and report throughput and latency.",
            mixinStandardHelpOptions = true)
    static final class Produce extends ClientCommand {

        @Option(names = "--topic", required = true, paramLabel = "T")
        String topic;

        @Option(names = "--num-records", required = true, paramLabel = "N")
        long numRecords;

        @Option(names = "--record-size", required = true, paramLabel = "BYTES")
        int recordSizeBytes;

        @Option(names = "--throughput", required = true, paramLabel = "RECORDS_PER_SEC",
                description = "Cap on records per second; -1 for unlimited.")
        long throughputRecordsPerSec;

        @Option(names = "--producer-props", arity = "1..*", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class,
                description = "Producer settings with Kafka's names, e.g. acks=1 linger.ms=5 batch.size=65536"
                        + " compression.type=lz4 enable.idempotence=false.")
        List<KeyValue> producerProps = new ArrayList<>();

        @Option(names = "--print-metrics",
                description = "Print the producer's metrics (Kafka's names) at the end, as kafka-producer-perf-test does.")
        boolean printMetrics;

        @Override
        public Integer call() throws InterruptedException {
            TopicNames.validate(topic);
            requirePositive("--num-records", numRecords);
            requirePositive("--record-size", recordSizeBytes);
            try (AdminConnection admin = admin()) {
                admin.topic(topic);
            }
            ThroughputThrottler throttler = new ThroughputThrottler(throughputRecordsPerSec, System.currentTimeMillis());
            byte[] value = payload(recordSizeBytes, new Random(0));
            PerfStats stats = new PerfStats("sent", out(), System::nanoTime);
            AtomicLong failed = new AtomicLong();
            AtomicReference<String> firstError = new AtomicReference<>();
            try (RunnelProducer<byte[], byte[]> producer = new RunnelProducer<>(
                    ClientProperties.build(client, ProducerConfig.configNames(), Map.of(), producerProps),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (long i = 0; i < numRecords; i++) {
                    long sendStartNanos = System.nanoTime();
                    long sendStartMs = System.currentTimeMillis();
                    producer.send(new ProducerRecord<>(topic, value), (metadata, exception) -> {
                        if (exception != null) {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, ClientProperties.describe(exception));
                        } else {
                            stats.record(System.nanoTime() - sendStartNanos, recordSizeBytes);
                        }
                    });
                    if (throttler.shouldThrottle(i + 1, sendStartMs)) {
                        throttler.throttle();
                    }
                }
                producer.flush();
                ProducerConfig config = producer.config();
                out().println("acks=" + config.getString(ProducerConfig.ACKS_CONFIG) + " compression.type="
                        + config.getString(ProducerConfig.COMPRESSION_TYPE_CONFIG) + " idempotence="
                        + (config.idempotenceEnabled() ? "on" : "off"));
                out().println(stats.summary());
                if (printMetrics) {
                    printMetrics(out(), producer.metrics().values());
                }
            }
            out().flush();
            if (failed.get() > 0) {
                throw new CommandFailedException(failed.get() + " of " + numRecords + " records failed; first error: " + firstError.get());
            }
            return 0;
        }
    }

    /** The metrics as {@code producer-metrics:name  value}, one per line, sorted by name. */
    private static void printMetrics(java.io.PrintWriter out, Map<String, Double> values) {
        out.println();
        out.println("Metric Name                                                     Value");
        new java.util.TreeMap<>(values).forEach((name, value) -> out.println(String.format(Locale.ROOT, "%-63s : %.3f",
                io.runnel.client.producer.ProducerMetrics.GROUP + ":" + name, value)));
    }

    @Command(name = "consume", description = "Read records from the beginning of a topic and report throughput.",
            mixinStandardHelpOptions = true)
    static final class Consume extends ClientCommand {

        static final String HEADER = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, fetch.time.ms";

        @Option(names = "--topic", required = true, paramLabel = "T")
        String topic;

        @Option(names = "--messages", required = true, paramLabel = "N", description = "Records to consume.")
        long messages;

        @Option(names = "--timeout-ms", paramLabel = "T", defaultValue = "10000",
                description = "Give up when no record arrived for T ms (default: ${DEFAULT-VALUE}).")
        long timeoutMs;

        @Option(names = "--consumer-props", arity = "1..*", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class,
                description = "Consumer settings with Kafka's names, e.g. max.poll.records=2000.")
        List<KeyValue> consumerProps = new ArrayList<>();

        @Override
        public Integer call() {
            TopicNames.validate(topic);
            requirePositive("--messages", messages);
            List<TopicPartition> partitions;
            try (AdminConnection admin = admin()) {
                partitions = ConsumeCommand.partitions(admin.topic(topic), null);
            }
            Map<String, String> settings = Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            long startMs = System.currentTimeMillis();
            long startNanos = System.nanoTime();
            long consumed = 0;
            long bytes = 0;
            try (RunnelConsumer<byte[], byte[]> consumer = new RunnelConsumer<>(
                    ClientProperties.build(client, ConsumerConfig.configNames(), settings, consumerProps),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                long lastRecordNanos = System.nanoTime();
                long windowStartNanos = startNanos;
                long windowCount = 0;
                long windowBytes = 0;
                while (consumed < messages) {
                    if ((System.nanoTime() - lastRecordNanos) / 1_000_000 >= timeoutMs) {
                        break;
                    }
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        long size = (record.key() == null ? 0 : record.key().length)
                                + (record.value() == null ? 0 : record.value().length);
                        consumed++;
                        bytes += size;
                        windowCount++;
                        windowBytes += size;
                    }
                    long now = System.nanoTime();
                    if (!records.isEmpty()) {
                        lastRecordNanos = now;
                    }
                    if (now - windowStartNanos >= PerfStats.REPORT_INTERVAL_MS * 1_000_000) {
                        out().println(PerfStats.throughputLine("consumed", windowCount, windowBytes, now - windowStartNanos));
                        out().flush();
                        windowStartNanos = now;
                        windowCount = 0;
                        windowBytes = 0;
                    }
                }
            }
            long elapsedNanos = System.nanoTime() - startNanos;
            out().println(HEADER);
            out().println(summary(startMs, startMs + elapsedNanos / 1_000_000, bytes, consumed, elapsedNanos));
            out().flush();
            if (consumed < messages) {
                throw new CommandFailedException("consumed " + consumed + " of " + messages
                        + " records: none arrived for " + timeoutMs + " ms");
            }
            return 0;
        }

        /** One CSV line under {@link #HEADER}, as kafka-consumer-perf-test prints it. */
        static String summary(long startMs, long endMs, long bytes, long records, long elapsedNanos) {
            SimpleDateFormat dateFormat = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss:SSS", Locale.ROOT);
            double seconds = Math.max(1, elapsedNanos) / 1e9;
            double megabytes = bytes / (1024.0 * 1024.0);
            return String.format(Locale.ROOT, "%s, %s, %.4f, %.4f, %d, %.4f, %d",
                    dateFormat.format(new Date(startMs)), dateFormat.format(new Date(endMs)),
                    megabytes, megabytes / seconds, records, records / seconds, elapsedNanos / 1_000_000);
        }
    }

    @Command(name = "e2e", mixinStandardHelpOptions = true,
            description = {"Measure end-to-end latency: producer to broker to consumer, in one process.",
                    "Without --rate: produce one record at a time and wait for the consumer to read it back"
                            + " (as Kafka's EndToEndLatency); latency = time read - time sent.",
                    "With --rate: send at a fixed schedule (record i at start + i/rate, sent late rather than skipped"
                            + " when the producer falls behind) while the consumer reads concurrently; latency = time read"
                            + " - intended send time, in an HdrHistogram. Measuring from the schedule, not from the send"
                            + " call, corrects coordinated omission: records delayed by a stall are charged the stall, as"
                            + " the OpenMessaging Benchmark measures. Prints p50/p90/p99/p99.9/max and the rate achieved."})
    static final class EndToEnd extends ClientCommand {

        @Option(names = "--topic", required = true, paramLabel = "T")
        String topic;

        @Option(names = "--num-records", paramLabel = "N",
                description = "Records to send; required without --rate, instead of --duration-s with it.")
        Long numRecords;

        @Option(names = "--rate", paramLabel = "RECORDS_PER_SEC",
                description = "Send at this fixed rate and measure from each record's intended send time.")
        Long ratePerSec;

        @Option(names = "--duration-s", paramLabel = "S",
                description = "With --rate: run for S seconds (rate x S records).")
        Long durationS;

        @Option(names = "--warmup-s", paramLabel = "S", defaultValue = "0",
                description = "With --rate: send and check the first S seconds' records but leave them out of the"
                        + " latency figures (default: ${DEFAULT-VALUE}).")
        long warmupS;

        @Option(names = "--record-size", required = true, paramLabel = "BYTES",
                description = "Value size; at least 16 with --rate (each record carries its index and intended send time).")
        int recordSizeBytes;

        @Option(names = "--acks", required = true, paramLabel = "0|1|all")
        String acks;

        @Option(names = "--partition", paramLabel = "P", defaultValue = "0",
                description = "Partition produced to and read from (default: ${DEFAULT-VALUE}).")
        int partition;

        @Option(names = "--timeout-ms", paramLabel = "T", defaultValue = "10000",
                description = "Fail when a record has not been read back within T ms (with --rate: when none arrived"
                        + " for T ms) (default: ${DEFAULT-VALUE}).")
        long timeoutMs;

        @Option(names = "--producer-props", arity = "1..*", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class)
        List<KeyValue> producerProps = new ArrayList<>();

        @Option(names = "--consumer-props", arity = "1..*", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class)
        List<KeyValue> consumerProps = new ArrayList<>();

        /**
         * The records a run sends, from the options as given; refuses combinations that do not make one
         * run, naming the options.
         */
        static long plannedRecords(Long numRecords, Long ratePerSec, Long durationS, long warmupS) {
            if (ratePerSec == null) {
                if (durationS != null || warmupS != 0) {
                    throw new IllegalArgumentException((durationS != null ? "--duration-s" : "--warmup-s")
                            + " applies only with --rate");
                }
                if (numRecords == null) {
                    throw new IllegalArgumentException("--num-records is required (or --rate with --duration-s)");
                }
                requirePositive("--num-records", numRecords);
                return numRecords;
            }
            if (numRecords != null && durationS != null) {
                throw new IllegalArgumentException("--rate takes --duration-s or --num-records, not both");
            }
            if (numRecords == null && durationS == null) {
                throw new IllegalArgumentException("--rate needs --duration-s (or --num-records)");
            }
            long records = durationS != null ? FixedRateSchedule.recordsFor(ratePerSec, durationS) : numRecords;
            FixedRateSchedule.of(ratePerSec, records).warmupRecords(warmupS);
            return records;
        }

        @Override
        public Integer call() throws InterruptedException {
            TopicNames.validate(topic);
            long records = plannedRecords(numRecords, ratePerSec, durationS, warmupS);
            requirePositive("--record-size", recordSizeBytes);
            FixedRateEndToEnd fixedRate = null;
            if (ratePerSec != null) {
                FixedRateSchedule schedule = FixedRateSchedule.of(ratePerSec, records);
                fixedRate = new FixedRateEndToEnd(schedule, recordSizeBytes, schedule.warmupRecords(warmupS), timeoutMs);
            }
            TopicPartition target = new TopicPartition(topic, partition);
            try (AdminConnection admin = admin()) {
                ProduceCommand.checkPartition(admin.topic(topic), partition);
            }
            // As Kafka's EndToEndLatency: no lingering, the latency of one record at a time is the point.
            Map<String, String> producerSettings = new LinkedHashMap<>();
            producerSettings.put(ProducerConfig.ACKS_CONFIG, ProduceCommand.validAcks(acks));
            producerSettings.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            Map<String, String> consumerSettings = Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                    ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
            try (RunnelConsumer<byte[], byte[]> consumer = new RunnelConsumer<>(
                    ClientProperties.build(client, ConsumerConfig.configNames(), consumerSettings, consumerProps),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
                 RunnelProducer<byte[], byte[]> producer = new RunnelProducer<>(
                         ClientProperties.build(client, ProducerConfig.configNames(), producerSettings, producerProps),
                         new ByteArraySerializer(), new ByteArraySerializer())) {
                consumer.assign(List.of(target));
                consumer.seekToEnd(List.of(target));
                consumer.position(target);
                if (fixedRate != null) {
                    runFixedRate(fixedRate, producer, consumer);
                } else {
                    runOneAtATime(records, producer, consumer);
                }
            }
            return 0;
        }

        private void runOneAtATime(long records, RunnelProducer<byte[], byte[]> producer,
                                   RunnelConsumer<byte[], byte[]> consumer) throws InterruptedException {
            PerfStats stats = new PerfStats("sent", out(), System::nanoTime);
            Random random = new Random(0);
            for (long i = 0; i < records; i++) {
                byte[] value = payload(recordSizeBytes, random);
                long sendNanos = System.nanoTime();
                try {
                    producer.send(new ProducerRecord<>(topic, partition, null, value)).get();
                } catch (ExecutionException e) {
                    throw new CommandFailedException("record " + i + " failed: " + ClientProperties.describe(e));
                }
                awaitRecord(consumer, value, i);
                stats.record(System.nanoTime() - sendNanos, recordSizeBytes);
            }
            out().println(stats.summary());
            out().flush();
        }

        /** The consumer is handed to the run's receiving thread, which alone polls it until the run returns. */
        private void runFixedRate(FixedRateEndToEnd run, RunnelProducer<byte[], byte[]> producer,
                                  RunnelConsumer<byte[], byte[]> consumer) throws InterruptedException {
            FixedRateReport report = run.run(
                    (value, done) -> {
                        try {
                            producer.send(new ProducerRecord<>(topic, partition, null, value),
                                    (metadata, e) -> done.accept(e == null ? null : ClientProperties.describe(e)));
                        } catch (RuntimeException e) {
                            done.accept(ClientProperties.describe(e));
                        }
                    },
                    timeout -> {
                        List<byte[]> values = new ArrayList<>();
                        consumer.poll(Duration.ofMillis(timeout)).forEach(record -> values.add(record.value()));
                        return values;
                    });
            out().println(report.summary());
            out().flush();
            if (!report.complete()) {
                throw new CommandFailedException(report.received() + " of " + report.records() + " records read back"
                        + (report.firstError() != null ? "; " + report.firstError()
                                : "; none arrived for " + timeoutMs + " ms"));
            }
        }

        private void awaitRecord(RunnelConsumer<byte[], byte[]> consumer, byte[] expected, long index) {
            long deadlineNanos = System.nanoTime() + timeoutMs * 1_000_000;
            while (System.nanoTime() < deadlineNanos) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                if (records.count() != 1 || !Arrays.equals(records.iterator().next().value(), expected)) {
                    throw new CommandFailedException("record " + index + " read back as " + records.count()
                            + " record(s) with a different value; is another producer writing to " + topic + "?");
                }
                return;
            }
            throw new CommandFailedException("record " + index + " was not read back within " + timeoutMs + " ms");
        }
    }
}
