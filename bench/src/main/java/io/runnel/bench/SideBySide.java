package io.runnel.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * Runs Apache Kafka 4.3.1 and Runnel side by side on this machine and prints the ratios (issue 14). Both
 * servers run at once, each in its own JVM with a 1 GiB heap: Kafka as a KRaft combined node (broker and
 * controller in one process) with the JVM flags Kafka's start scripts use, Runnel as
 * {@code scripts/runnel server}. Each workload runs on Kafka with Kafka's own perf tools (each a separate
 * JVM with the flags Kafka's scripts give it) and on Runnel with {@code runnel perf}, alternating which
 * side goes first from one repetition to the next, on single-partition topics. The table is printed and
 * written as markdown. Both servers are stopped and the temporary directory removed on every exit path,
 * Ctrl-C included.
 *
 * <p>A measurement, not a test: nothing is asserted; a workload whose tool fails is reported as failed.
 * Single-threaded (the shutdown hook only stops processes and deletes files).
 */
public final class SideBySide {

    static final String KAFKA_VERSION = "4.3.1";

    /** kafka-server-start.sh's heap and kafka-run-class.sh's performance flags (G1, 20 ms pause goal). */
    static final List<String> KAFKA_SERVER_JVM = List.of("-Xmx1G", "-Xms1G", "-server", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
            "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true");
    /** The same performance flags for Kafka's client tools; the heap is each script's (see {@link #kafkaTool}). */
    static final List<String> KAFKA_CLIENT_PERFORMANCE = KAFKA_SERVER_JVM.subList(2, KAFKA_SERVER_JVM.size());

    private static final long READY_TIMEOUT_MS = 120_000;
    private static final long TOOL_TIMEOUT_MS = 30 * 60_000;
    private static final long STOP_TIMEOUT_MS = 60_000;

    enum Kind { THROUGHPUT, LATENCY }

    /** One row of the table. {@code records} is what each side sends or reads. */
    record Workload(String name, String label, Kind kind, long records) { }

    /** One side's figure of one run, or why there is none. */
    record Figure(double value, String detail, String failure) {
        static Figure failed(String why) {
            return new Figure(Double.NaN, "", why);
        }
    }

    private final Options options;
    private final Path root;
    private final Path javaBin;
    private final Path logFile;
    private Path tmp;
    private Process kafka;
    private Process runnel;
    /** The tool running now, so that the shutdown hook can stop it too. */
    private volatile Process currentTool;
    private String kafkaBootstrap;
    private String runnelBootstrap;
    private final Set<String> filledTopics = new HashSet<>();

    SideBySide(Options options) {
        this.options = options;
        this.root = Path.of("").toAbsolutePath();
        this.javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        this.logFile = Path.of(options.out.toString().replaceFirst("\\.md$", "") + ".log");
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("Error: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(Options.USAGE);
            return;
        }
        SideBySide bench = new SideBySide(options);
        Thread hook = new Thread(bench::stopAll, "side-by-side-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            bench.run();
        } finally {
            bench.stopAll();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    void run() throws Exception {
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        Files.writeString(logFile, "");
        String loadBefore = command(List.of("uptime"));
        String jdk = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        String commit = command(List.of("git", "rev-parse", "--short", "HEAD"))
                + (command(List.of("git", "status", "--porcelain")).isBlank() ? "" : " (with uncommitted changes)");
        tmp = Files.createTempDirectory("kafka-side-by-side");
        log("temporary directory " + tmp + "; log of every command: " + logFile);
        startKafka();
        startRunnel();

        List<Workload> workloads = options.workloads();
        Map<Workload, List<Figure>> kafkaFigures = new LinkedHashMap<>();
        Map<Workload, List<Figure>> runnelFigures = new LinkedHashMap<>();
        for (int rep = 1; rep <= options.repetitions; rep++) {
            for (Workload w : workloads) {
                boolean kafkaFirst = rep % 2 == 1;
                for (int i = 0; i < 2; i++) {
                    boolean onKafka = (i == 0) == kafkaFirst;
                    Figure figure = measure(w, rep, onKafka);
                    (onKafka ? kafkaFigures : runnelFigures).computeIfAbsent(w, k -> new ArrayList<>()).add(figure);
                    log(String.format(Locale.ROOT, "rep %d %-14s %-6s %s", rep, w.name(), onKafka ? "kafka" : "runnel",
                            figure.failure() != null ? "FAILED: " + figure.failure() : format(w, figure.value()) + "  " + figure.detail()));
                }
            }
        }
        stopAll();
        String loadAfter = command(List.of("uptime"));

        String table = Report.markdown(workloads, kafkaFigures, runnelFigures, Map.of(
                "date", LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME),
                "commit", commit,
                "cores", Integer.toString(Runtime.getRuntime().availableProcessors()),
                "jdk", jdk,
                "loadBefore", loadBefore,
                "loadAfter", loadAfter,
                "settings", options.describe()));
        Files.writeString(options.out, table);
        System.out.println();
        System.out.println(table);
        System.out.println("written to " + options.out.toAbsolutePath());
    }

    // --- the servers -----------------------------------------------------------------------------

    private void startKafka() throws Exception {
        int port = freePort();
        int controllerPort = freePort();
        Path dir = Files.createDirectories(tmp.resolve("kafka"));
        Path properties = dir.resolve("server.properties");
        // A KRaft combined node with the settings of Kafka's sample single-node configuration that differ
        // from the defaults because there is only one node (replication factors of the internal topics),
        // and no initial rebalance delay, as that sample sets.
        Files.writeString(properties, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                ""));
        List<String> format = new ArrayList<>(List.of(javaBin.toString(), "-Xmx256M", "-cp", kafkaClassPath(),
                "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", properties.toString()));
        String formatted = runTool("kafka storage format", format, Map.of());
        if (formatted == null) {
            throw new IllegalStateException("Kafka's StorageTool failed to format " + dir + "; see " + logFile);
        }
        List<String> start = new ArrayList<>(List.of(javaBin.toString()));
        start.addAll(KAFKA_SERVER_JVM);
        start.add("-Xlog:gc*:file=" + dir.resolve("kafkaServer-gc.log") + ":time,tags:filecount=10,filesize=100M");
        start.addAll(List.of("-cp", kafkaClassPath(), "kafka.Kafka", properties.toString()));
        log("$ " + String.join(" ", start));
        kafka = new ProcessBuilder(start).redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.out").toFile()).start();
        kafkaBootstrap = "127.0.0.1:" + port;
        awaitKafka();
        log("Kafka " + KAFKA_VERSION + " is up at " + kafkaBootstrap + " (pid " + kafka.pid() + ")");
    }

    private void awaitKafka() throws Exception {
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        Exception last = null;
        while (System.currentTimeMillis() < deadline) {
            if (!kafka.isAlive()) {
                throw new IllegalStateException("Kafka exited with " + kafka.exitValue() + " during start-up; its output is at the"
                        + " end of " + logFile);
            }
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = e;
                Thread.sleep(500); // polling a starting server: there is nothing to wait on but time
            }
        }
        throw new IllegalStateException("Kafka did not answer within " + READY_TIMEOUT_MS + " ms", last);
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000));
    }

    private void startRunnel() throws Exception {
        int port = freePort();
        int controllerPort = freePortPair();
        Path dir = Files.createDirectories(tmp.resolve("runnel"));
        Path properties = dir.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "log.dirs=" + dir.resolve("data"),
                ""));
        List<String> start = List.of(root.resolve("scripts/runnel").toString(), "server", "--config", properties.toString());
        log("$ " + String.join(" ", start));
        ProcessBuilder builder = new ProcessBuilder(start).redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.out").toFile());
        builder.environment().putAll(runnelEnvironment());
        runnel = builder.start();
        runnelBootstrap = "127.0.0.1:" + port;
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        while (!portOpen(port)) {
            if (!runnel.isAlive()) {
                throw new IllegalStateException("Runnel exited with " + runnel.exitValue() + " during start-up; its output is at the"
                        + " end of " + logFile);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("Runnel did not listen on " + runnelBootstrap + " within " + READY_TIMEOUT_MS + " ms");
            }
            Thread.sleep(200); // polling a starting server's port
        }
        log("Runnel is up at " + runnelBootstrap + " (pid " + runnel.pid() + ")");
    }

    /** JAVA_HOME of this JVM, so scripts/runnel runs the same JDK as Kafka; the server's heap is the launcher's 1 GiB. */
    private Map<String, String> runnelEnvironment() {
        // The Maven profile packaged the distribution just before, so the launcher need not look for newer sources.
        return Map.of("JAVA_HOME", System.getProperty("java.home"), "RUNNEL_HEAP", "1g", "RUNNEL_SKIP_BUILD_CHECK", "1");
    }

    /**
     * Stops the running tool (SIGKILL: its figure is lost anyway), both servers (SIGTERM, then SIGKILL after a
     * minute) and deletes the temporary directory; idempotent.
     */
    synchronized void stopAll() {
        Process tool = currentTool;
        if (tool != null && tool.isAlive()) {
            tool.descendants().forEach(ProcessHandle::destroyForcibly);
            tool.destroyForcibly();
        }
        for (Process p : new Process[] {kafka, runnel}) {
            if (p != null && p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
                try {
                    if (!p.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                        p.destroyForcibly();
                        p.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
        kafka = null;
        runnel = null;
        if (tmp != null) {
            keepServerLogTails();
            deleteTree(tmp);
            tmp = null;
        }
    }

    /** The temporary directory goes; the last lines of each server's output stay in the log, for a failed start. */
    private void keepServerLogTails() {
        for (String server : List.of("kafka", "runnel")) {
            Path out = tmp.resolve(server).resolve("server.out");
            try {
                if (Files.exists(out)) {
                    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
                    appendLog("--- last lines of " + server + "'s server output ---\n"
                            + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())) + "\n");
                }
            } catch (IOException | UncheckedIOException e) {
                System.err.println("could not read " + out + ": " + e);
            }
        }
    }

    // --- the workloads ---------------------------------------------------------------------------

    private Figure measure(Workload w, int rep, boolean onKafka) throws Exception {
        String side = onKafka ? "kafka" : "runnel";
        switch (w.name()) {
            case "produce", "produce-long" -> {
                String topic = dataTopic(w.records(), rep);
                createTopic(onKafka, topic);
                filledTopics.add(side + "/" + topic);
                return produce(onKafka, w.name(), topic, w.records(), 1024, List.of("acks=1", "linger.ms=5", "batch.size=65536"));
            }
            case "consume-cold", "consume" -> {
                String topic = dataTopic(w.records(), rep);
                if (filledTopics.add(side + "/" + topic)) {
                    createTopic(onKafka, topic);
                    Figure fill = produce(onKafka, "fill " + topic, topic, w.records(), 1024,
                            List.of("acks=1", "linger.ms=5", "batch.size=65536"));
                    if (fill.failure() != null) {
                        return Figure.failed("filling " + topic + ": " + fill.failure());
                    }
                }
                return consume(onKafka, w.name(), topic, w.records());
            }
            case "produce-100b" -> {
                String topic = "p100-r" + rep;
                createTopic(onKafka, topic);
                return produce(onKafka, w.name(), topic, w.records(), 100, List.of());
            }
            case "e2e" -> {
                String topic = "e2e-r" + rep;
                createTopic(onKafka, topic);
                return oneAtATime(onKafka, topic, w.records());
            }
            default -> {
                long rate = Long.parseLong(w.name().substring("fixed-".length()));
                String topic = "fixed" + rate + "-r" + rep;
                createTopic(onKafka, topic);
                return fixedRate(onKafka, w.name(), topic, rate);
            }
        }
    }

    private static String dataTopic(long records, int rep) {
        return "data" + records + "-r" + rep;
    }

    private void createTopic(boolean onKafka, String topic) throws Exception {
        if (onKafka) {
            try (Admin admin = admin()) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            return;
        }
        // The first creation also waits for the node's broker to be ready (it may still be starting).
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        while (true) {
            String out = runTool("runnel topics create " + topic, runnelCommand("topics", "create", topic, "--partitions", "1"),
                    runnelEnvironment());
            if (out != null) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("could not create topic " + topic + " on Runnel; see " + logFile);
            }
            Thread.sleep(1_000); // retrying against a starting broker
        }
    }

    private Figure produce(boolean onKafka, String what, String topic, long records, int sizeBytes, List<String> props) {
        List<String> args = new ArrayList<>(List.of("--topic", topic, "--num-records", Long.toString(records),
                "--record-size", Integer.toString(sizeBytes), "--throughput", "-1"));
        List<String> command;
        if (onKafka) {
            args.addAll(List.of("--bootstrap-server", kafkaBootstrap));
            if (!props.isEmpty()) {
                args.add("--command-property");
                args.addAll(props);
            }
            command = kafkaTool("-Xmx512M", "org.apache.kafka.tools.ProducerPerformance", args);
        } else {
            if (!props.isEmpty()) {
                args.add("--producer-props");
                args.addAll(props);
            }
            command = runnelCommand(Stream.concat(Stream.of("perf", "produce"), args.stream()).toArray(String[]::new));
        }
        String out = runTool(what + (onKafka ? " on kafka" : " on runnel"), command, onKafka ? Map.of() : runnelEnvironment());
        if (out == null) {
            return Figure.failed("the tool failed; see " + logFile);
        }
        return Parsers.produce(out);
    }

    private Figure consume(boolean onKafka, String what, String topic, long records) {
        List<String> command = onKafka
                ? kafkaTool("-Xmx512M", "org.apache.kafka.tools.ConsumerPerformance", List.of("--bootstrap-server", kafkaBootstrap,
                        "--topic", topic, "--num-records", Long.toString(records), "--timeout", "30000"))
                : runnelCommand("perf", "consume", "--topic", topic, "--messages", Long.toString(records), "--timeout-ms", "30000");
        String out = runTool(what + (onKafka ? " on kafka" : " on runnel"), command, onKafka ? Map.of() : runnelEnvironment());
        if (out == null) {
            return Figure.failed("the tool failed; see " + logFile);
        }
        return Parsers.consume(out, onKafka ? "fetch.nMsg.sec" : "nMsg.sec");
    }

    private Figure oneAtATime(boolean onKafka, String topic, long records) {
        List<String> command = onKafka
                ? kafkaTool("-Xmx256M", "org.apache.kafka.tools.EndToEndLatency",
                        List.of(kafkaBootstrap, topic, Long.toString(records), "1", "1024"))
                : runnelCommand("perf", "e2e", "--topic", topic, "--num-records", Long.toString(records),
                        "--record-size", "1024", "--acks", "1");
        String out = runTool("e2e" + (onKafka ? " on kafka" : " on runnel"), command, onKafka ? Map.of() : runnelEnvironment());
        if (out == null) {
            return Figure.failed("the tool failed; see " + logFile);
        }
        return onKafka ? Parsers.kafkaEndToEnd(out) : Parsers.runnelEndToEnd(out);
    }

    private Figure fixedRate(boolean onKafka, String what, String topic, long rate) {
        List<String> command = onKafka
                ? kafkaTool("-Xmx256M", KafkaFixedRateE2e.class.getName(), List.of(kafkaBootstrap, topic, Long.toString(rate),
                        Long.toString(options.fixedRateDurationS), Long.toString(options.fixedRateWarmupS), "1024", "1"))
                : runnelCommand("perf", "e2e", "--topic", topic, "--rate", Long.toString(rate),
                        "--duration-s", Long.toString(options.fixedRateDurationS), "--warmup-s", Long.toString(options.fixedRateWarmupS),
                        "--record-size", "1024", "--acks", "1");
        String out = runTool(what + (onKafka ? " on kafka" : " on runnel"), command, onKafka ? Map.of() : runnelEnvironment());
        if (out == null) {
            return Figure.failed("the tool failed; see " + logFile);
        }
        return Parsers.fixedRate(out);
    }

    /** A Kafka tool as kafka-run-class.sh would start it: the script's heap, Kafka's performance flags. */
    private List<String> kafkaTool(String heap, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>(List.of(javaBin.toString(), heap));
        command.addAll(KAFKA_CLIENT_PERFORMANCE);
        command.addAll(List.of("-cp", kafkaClassPath() + (mainClass.startsWith("io.runnel") ? ":" + options.benchClasses : ""),
                mainClass));
        command.addAll(args);
        return command;
    }

    private List<String> runnelCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(root.resolve("scripts/runnel").toString()));
        command.addAll(Arrays.asList(args));
        command.addAll(List.of("-b", runnelBootstrap));
        return command;
    }

    private String kafkaClassPath() {
        return options.kafkaLib.toAbsolutePath() + "/*";
    }

    /** Runs a tool to completion, logging its command and output; returns the output, or null when it failed. */
    private String runTool(String what, List<String> command, Map<String, String> environment) {
        log("$ " + String.join(" ", command));
        try {
            Path output = Files.createTempFile(tmp, "tool", ".out");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            Process p = builder.start();
            currentTool = p;
            boolean done = p.waitFor(TOOL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            currentTool = null;
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
            String out = Files.readString(output, StandardCharsets.UTF_8);
            Files.delete(output);
            appendLog(out);
            if (!done) {
                log(what + ": killed after " + TOOL_TIMEOUT_MS + " ms");
                return null;
            }
            if (p.exitValue() != 0) {
                log(what + ": exit code " + p.exitValue());
                return null;
            }
            return out;
        } catch (IOException e) {
            log(what + ": " + e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + what, e);
        }
    }

    private String command(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(60, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "(" + String.join(" ", command) + " failed: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private void log(String line) {
        System.out.println(line);
        appendLog(line + "\n");
    }

    private void appendLog(String text) {
        try {
            Files.writeString(logFile, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String format(Workload w, double value) {
        return w.kind() == Kind.THROUGHPUT ? String.format(Locale.ROOT, "%,.0f rec/s", value)
                : String.format(Locale.ROOT, "%.2f ms", value);
    }

    // --- ports and files -------------------------------------------------------------------------

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A free port whose successor is free too (Runnel's controller uses port + 1 for Ratis). */
    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = freePort();
            if (port < 65535 && portFree(port + 1)) {
                return port;
            }
        }
        throw new IOException("found no two consecutive free ports on loopback in 100 attempts");
    }

    private static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean portOpen(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    // --- output parsing --------------------------------------------------------------------------

    /** Reads each tool's figure from its output. Pure. */
    static final class Parsers {

        private static final Pattern PRODUCE = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\)");
        private static final Pattern P99_MS = Pattern.compile("([\\d.]+) ms 99th");
        private static final Pattern KAFKA_PERCENTILES = Pattern.compile("50th = ([\\d.]+), 99th = ([\\d.]+), 99\\.9th = ([\\d.]+)");
        private static final Pattern FIXED = Pattern.compile("sent at ([\\d.]+) rec/s, (\\d+) received, (\\d+) measured; .*? "
                + "([\\d.]+) ms 50th, ([\\d.]+) ms 90th, ([\\d.]+) ms 99th, ([\\d.]+) ms 99\\.9th, ([\\d.]+) ms max");

        private Parsers() {
        }

        /** The last summary line of ProducerPerformance or {@code runnel perf produce}: records/sec. */
        static Figure produce(String out) {
            Matcher last = null;
            for (String line : out.lines().toList()) {
                Matcher m = PRODUCE.matcher(line);
                if (m.find()) {
                    last = m;
                }
            }
            if (last == null) {
                return Figure.failed("no summary line in the output");
            }
            return new Figure(Double.parseDouble(last.group(2)), last.group(3) + " MB/s", null);
        }

        /** The CSV line under the header of ConsumerPerformance or {@code runnel perf consume}: the named column. */
        static Figure consume(String out, String column) {
            List<String> lines = out.lines().toList();
            for (int i = 0; i < lines.size() - 1; i++) {
                List<String> header = Arrays.stream(lines.get(i).split(",")).map(String::trim).toList();
                int index = header.indexOf(column);
                if (index >= 0 && header.contains("data.consumed.in.nMsg")) {
                    String[] values = lines.get(i + 1).split(",");
                    if (values.length != header.size()) {
                        return Figure.failed("the line under the header has " + values.length + " columns, not " + header.size());
                    }
                    String records = values[header.indexOf("data.consumed.in.nMsg")].trim();
                    String detail = records + " records";
                    int rebalance = header.indexOf("rebalance.time.ms");
                    if (rebalance >= 0 && !column.equals("nMsg.sec")) {
                        // Kafka's tool joins a group first; the figure leaves the join out, the whole run is shown too.
                        detail += String.format(Locale.ROOT, "; whole run incl. %s ms group join: %.0f rec/s",
                                values[rebalance].trim(), Double.parseDouble(values[header.indexOf("nMsg.sec")].trim()));
                    }
                    return new Figure(Double.parseDouble(values[index].trim()), detail, null);
                }
            }
            return Figure.failed("no CSV header with " + column + " in the output");
        }

        /** EndToEndLatency's percentiles line (whole milliseconds): the 99th. */
        static Figure kafkaEndToEnd(String out) {
            Matcher m = KAFKA_PERCENTILES.matcher(out);
            if (!m.find()) {
                return Figure.failed("no percentiles line in the output");
            }
            return new Figure(Double.parseDouble(m.group(2)), "p50 " + m.group(1) + ", p99.9 " + m.group(3) + " ms", null);
        }

        /** {@code runnel perf e2e}'s summary: the 99th. */
        static Figure runnelEndToEnd(String out) {
            Matcher m = P99_MS.matcher(out);
            Matcher p50 = Pattern.compile("([\\d.]+) ms 50th").matcher(out);
            if (!m.find() || !p50.find()) {
                return Figure.failed("no summary line in the output");
            }
            return new Figure(Double.parseDouble(m.group(1)), "p50 " + p50.group(1) + " ms", null);
        }

        /** The fixed-rate summary both sides print: the 99th, with the rate kept and the other percentiles. */
        static Figure fixedRate(String out) {
            Matcher m = FIXED.matcher(out);
            if (!m.find()) {
                return Figure.failed("no fixed-rate summary in the output");
            }
            return new Figure(Double.parseDouble(m.group(6)), String.format(Locale.ROOT,
                    "sent at %s rec/s; p50 %s, p90 %s, p99.9 %s, max %s ms", m.group(1), m.group(4), m.group(5), m.group(7), m.group(8)), null);
        }
    }

    // --- the table -------------------------------------------------------------------------------

    /** The markdown report. Pure. */
    static final class Report {

        private Report() {
        }

        static String markdown(List<Workload> workloads, Map<Workload, List<Figure>> kafka, Map<Workload, List<Figure>> runnel,
                               Map<String, String> facts) {
            StringBuilder md = new StringBuilder();
            md.append("# Apache Kafka ").append(KAFKA_VERSION).append(" and Runnel side by side\n\n");
            md.append("- date: ").append(facts.get("date")).append("; Runnel commit ").append(facts.get("commit")).append('\n');
            md.append("- machine: ").append(facts.get("cores")).append(" cores; JDK ").append(facts.get("jdk")).append('\n');
            md.append("- `uptime` before: ").append(facts.get("loadBefore")).append('\n');
            md.append("- `uptime` after: ").append(facts.get("loadAfter")).append('\n');
            md.append("- settings: ").append(facts.get("settings")).append("\n\n");
            md.append("| workload | Kafka ").append(KAFKA_VERSION).append(" | Runnel | ratio (medians) | goal | met |\n");
            md.append("|---|---|---|---|---|---|\n");
            for (Workload w : workloads) {
                List<Figure> k = kafka.getOrDefault(w, List.of());
                List<Figure> r = runnel.getOrDefault(w, List.of());
                double kMedian = median(k);
                double rMedian = median(r);
                double ratio = rMedian / kMedian;
                boolean throughput = w.kind() == Kind.THROUGHPUT;
                String goal = throughput ? "≥ 1.20×" : "≤ 0.80×";
                String met = Double.isNaN(ratio) ? "—" : (throughput ? ratio >= 1.2 : ratio <= 0.8) ? "yes" : "no";
                md.append("| ").append(w.label()).append(" | ").append(cells(w, k)).append(" | ").append(cells(w, r)).append(" | ")
                        .append(Double.isNaN(ratio) ? "—" : String.format(Locale.ROOT, "%.2f×", ratio)).append(" | ")
                        .append(goal).append(" | ").append(met).append(" |\n");
            }
            md.append("\nThroughput in records/s (higher is better), latency p99 in ms (lower is better); ratio = Runnel / Kafka. "
                    + "Details of each run:\n\n");
            for (Workload w : workloads) {
                md.append("- ").append(w.label()).append(": Kafka ").append(details(kafka.getOrDefault(w, List.of())))
                        .append("; Runnel ").append(details(runnel.getOrDefault(w, List.of()))).append('\n');
            }
            return md.toString();
        }

        private static String cells(Workload w, List<Figure> figures) {
            if (figures.isEmpty()) {
                return "—";
            }
            return figures.stream().map(f -> f.failure() != null ? "failed" : format(w, f.value())).collect(Collectors.joining(" / "));
        }

        private static String details(List<Figure> figures) {
            return figures.stream().map(f -> f.failure() != null ? "failed: " + f.failure() : f.detail())
                    .collect(Collectors.joining(" | "));
        }

        /** The median of the successful figures; NaN when there are none. */
        static double median(List<Figure> figures) {
            double[] values = figures.stream().filter(f -> f.failure() == null).mapToDouble(Figure::value).sorted().toArray();
            if (values.length == 0) {
                return Double.NaN;
            }
            int mid = values.length / 2;
            return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
        }
    }

    // --- options ---------------------------------------------------------------------------------

    /** The harness's options. Not thread-safe; parsed once on the main thread. */
    static final class Options {

        static final String USAGE = String.join("\n",
                "io.runnel.bench.SideBySide [options]   (run through: mvn -B -q -Pkafka-bench -pl bench -am package -DskipTests -Dbench.args=\"...\")",
                "  --workloads LIST          comma-separated, in table order (default: all):",
                "                            produce, produce-long, consume-cold, consume, produce-100b, e2e, fixed-RATE (e.g. fixed-1000)",
                "  --records N               records of the short runs: produce, consume-cold (default 400000)",
                "  --records-long N          records of the long runs: produce-long, consume (default 1500000)",
                "  --records-100b N          records of produce-100b (default 2000000)",
                "  --e2e-records N           records of e2e, one at a time (default 20000)",
                "  --rates LIST              fixed rates in records/s for the default workload list (default 1000,10000)",
                "  --fixed-duration-s S      length of each fixed-rate run (default 60)",
                "  --fixed-warmup-s S        leading seconds of a fixed-rate run left out of its figures (default 10)",
                "  --repetitions R           runs of every workload on each side; the first side alternates (default 1)",
                "  --out FILE                the markdown table (default bench/target/side-by-side-TIMESTAMP.md; a .log beside it)",
                "  --kafka-lib DIR, --bench-classes DIR   set by the Maven profile");

        boolean help;
        long records = 400_000;
        long recordsLong = 1_500_000;
        long records100b = 2_000_000;
        long e2eRecords = 20_000;
        List<Long> rates = List.of(1_000L, 10_000L);
        long fixedRateDurationS = 60;
        long fixedRateWarmupS = 10;
        int repetitions = 1;
        List<String> workloadNames;
        Path out = Path.of("bench/target/side-by-side-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".md");
        Path kafkaLib;
        Path benchClasses;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (name.equals("--help") || name.equals("-h")) {
                    o.help = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                String value = args[++i];
                switch (name) {
                    case "--workloads" -> o.workloadNames = List.of(value.split(","));
                    case "--records" -> o.records = positive(name, value);
                    case "--records-long" -> o.recordsLong = positive(name, value);
                    case "--records-100b" -> o.records100b = positive(name, value);
                    case "--e2e-records" -> o.e2eRecords = positive(name, value);
                    case "--rates" -> o.rates = Arrays.stream(value.split(",")).map(v -> positive(name, v)).toList();
                    case "--fixed-duration-s" -> o.fixedRateDurationS = positive(name, value);
                    case "--fixed-warmup-s" -> o.fixedRateWarmupS = nonNegative(name, value);
                    case "--repetitions" -> {
                        long r = positive(name, value);
                        if (r > 100) {
                            throw new IllegalArgumentException("--repetitions is at most 100; got " + r);
                        }
                        o.repetitions = (int) r;
                    }
                    case "--out" -> o.out = Path.of(value);
                    case "--kafka-lib" -> o.kafkaLib = Path.of(value);
                    case "--bench-classes" -> o.benchClasses = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
            }
            if (!o.help && (o.kafkaLib == null || o.benchClasses == null)) {
                throw new IllegalArgumentException("--kafka-lib and --bench-classes are required (the Maven profile sets them)");
            }
            if (o.fixedRateWarmupS >= o.fixedRateDurationS) {
                throw new IllegalArgumentException("--fixed-warmup-s " + o.fixedRateWarmupS + " leaves nothing of --fixed-duration-s "
                        + o.fixedRateDurationS + " to measure");
            }
            o.workloads();
            return o;
        }

        List<Workload> workloads() {
            Map<String, Workload> all = new LinkedHashMap<>();
            all.put("produce", new Workload("produce", String.format(Locale.ROOT,
                    "produce 1 KiB, acks=1, linger 5, batch 64 KiB, %,d records", records), Kind.THROUGHPUT, records));
            all.put("produce-long", new Workload("produce-long", String.format(Locale.ROOT,
                    "produce, same, %,d records", recordsLong), Kind.THROUGHPUT, recordsLong));
            all.put("consume-cold", new Workload("consume-cold", String.format(Locale.ROOT,
                    "consume %,d records from cold", records), Kind.THROUGHPUT, records));
            all.put("consume", new Workload("consume", String.format(Locale.ROOT,
                    "consume %,d records", recordsLong), Kind.THROUGHPUT, recordsLong));
            all.put("produce-100b", new Workload("produce-100b", String.format(Locale.ROOT,
                    "produce 100 B, default settings, %,d records", records100b), Kind.THROUGHPUT, records100b));
            all.put("e2e", new Workload("e2e", String.format(Locale.ROOT,
                    "end-to-end latency acks=1, one at a time, p99 (%,d records)", e2eRecords), Kind.LATENCY, e2eRecords));
            for (long rate : rates) {
                addFixed(all, rate);
            }
            if (workloadNames == null) {
                return List.copyOf(all.values());
            }
            List<Workload> chosen = new ArrayList<>();
            for (String name : workloadNames) {
                String trimmed = name.trim();
                if (trimmed.matches("fixed-\\d+")) {
                    addFixed(all, positive("--workloads " + trimmed, trimmed.substring("fixed-".length())));
                }
                Workload w = all.get(trimmed);
                if (w == null) {
                    throw new IllegalArgumentException("unknown workload '" + trimmed + "'; known: "
                            + String.join(", ", all.keySet()) + " (fixed-RATE for any rate)");
                }
                chosen.add(w);
            }
            return chosen;
        }

        private void addFixed(Map<String, Workload> all, long rate) {
            all.putIfAbsent("fixed-" + rate, new Workload("fixed-" + rate, String.format(Locale.ROOT,
                    "end-to-end at a fixed %,d rec/s, p99 from intended send time (%d s, first %d s not measured)",
                    rate, fixedRateDurationS, fixedRateWarmupS), Kind.LATENCY, rate * fixedRateDurationS));
        }

        String describe() {
            return String.format(Locale.ROOT, "%d repetition(s), first side alternating (Kafka first in odd ones); "
                            + "single-partition topics, RF 1; Kafka's ProducerPerformance, ConsumerPerformance (fetch.nMsg.sec) "
                            + "and EndToEndLatency, `runnel perf produce|consume|e2e`; fixed-rate runs of %d s, %d s warm-up",
                    repetitions, fixedRateDurationS, fixedRateWarmupS);
        }

        private static long positive(String name, String value) {
            long v = parse(name, value);
            if (v < 1) {
                throw new IllegalArgumentException(name + " must be positive; got " + value);
            }
            return v;
        }

        private static long nonNegative(String name, String value) {
            long v = parse(name, value);
            if (v < 0) {
                throw new IllegalArgumentException(name + " must not be negative; got " + value);
            }
            return v;
        }

        private static long parse(String name, String value) {
            try {
                return Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " takes a whole number; got '" + value + "'");
            }
        }
    }
}
