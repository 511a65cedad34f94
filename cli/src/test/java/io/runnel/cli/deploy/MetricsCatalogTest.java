package io.runnel.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.common.TopicPartition;
import io.runnel.node.testing.LocalCluster;
import io.runnel.node.testing.PrometheusText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the nodes serve against what is written about it: every series docs/metrics.md lists is served by
 * a running cluster (a controller and two brokers replicating a topic, with produce, fetch and a long
 * poll behind them), every series served is listed there, and every query of the Grafana dashboard
 * (deploy/grafana) names series that are served, with labels they have. The consumer group series wait
 * for the group coordinator: they are allowed while not served, and the test fails once they are, so the
 * exception goes when they arrive.
 */
class MetricsCatalogTest {

    private static final Path DOCS = Path.of("..", "docs", "metrics.md");
    private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "runnel-dashboard.json");
    /** Documented and on the dashboard, but served only once consumer groups exist (issue 13). */
    private static final String GROUP = "catalog-readers";
    private static final int GROUP_LAG = 10;
    private static final Pattern DOCUMENTED = Pattern.compile("`((?:runnel|jvm|process|system)_[a-z0-9_]*[a-z0-9])(?:\\{[^`]*})?`");
    /** PromQL words that are not metric names. */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
            "unless", "bool", "offset");

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    /** Every sample of every node. */
    private static final List<PrometheusText.Sample> SERVED = new ArrayList<>();

    @BeforeAll
    static void scrapeABusyCluster() throws Exception {
        cluster = LocalCluster.of(dir, 1, 2, Map.of("metrics.port", "0", "default.replication.factor", "2", "num.partitions", "2"))
                .start();
        String bootstrap = cluster.bootstrapServers();
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap,
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer"))) {
            // Auto-created by the first send: the cluster defaults, here replication factor 2 for followers.
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>("catalog", i % 2, null, "value-" + i)).get();
            }
        }
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer", "auto.offset.reset", "earliest",
                "fetch.max.wait.ms", "100"))) {
            consumer.assign(List.of(new TopicPartition("catalog", 0), new TopicPartition("catalog", 1)));
            int read = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (read < 50 && System.nanoTime() < deadline) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            assertThat(read).isEqualTo(50);
            consumer.poll(Duration.ofMillis(500)); // a long poll at the end: waits in the Fetch purgatory
        }
        // A consumer group that commits everything it read, then 10 more records: the group lags by 10.
        try (RunnelConsumer<String, String> member = new RunnelConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", GROUP, "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer", "auto.offset.reset", "earliest",
                "enable.auto.commit", "false", "fetch.max.wait.ms", "100"))) {
            member.subscribe(List.of("catalog"));
            int read = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (read < 50 && System.nanoTime() < deadline) {
                read += member.poll(Duration.ofMillis(200)).count();
            }
            assertThat(read).isEqualTo(50);
            member.commitSync();
        }
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap,
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer"))) {
            for (int i = 0; i < GROUP_LAG; i++) {
                producer.send(new ProducerRecord<>("catalog", i % 2, null, "later-" + i)).get();
            }
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            SERVED.clear();
            for (int id : cluster.nodeIds()) {
                SERVED.addAll(PrometheusText.scrape("127.0.0.1", cluster.node(id).metricsPort().orElseThrow()).samples());
            }
            // Followers answered: both brokers follow one partition each.
            assertThat(SERVED).filteredOn(s -> s.name().equals("runnel_replica_fetcher_lag")
                    && "catalog".equals(s.labels().get("topic"))).hasSize(2);
            assertThat(SERVED).anyMatch(s -> s.name().equals("runnel_controller_broker_metadata_lag"));
            // The coordinator's broker reports the group and its lag on both partitions of the topic.
            assertThat(SERVED).filteredOn(s -> s.name().equals("runnel_group_count")).extracting(s -> s.value())
                    .contains(1.0);
            assertThat(SERVED).filteredOn(s -> s.name().equals("runnel_group_lag") && GROUP.equals(s.labels().get("group"))
                    && "catalog".equals(s.labels().get("topic"))).extracting(s -> s.value())
                    .hasSize(2).satisfies(values -> assertThat(values.stream().mapToDouble(Double::doubleValue).sum())
                            .isEqualTo((double) GROUP_LAG));
        });
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The sample name as documented: a timer's _count, _sum and _max belong to its _seconds series. */
    private static String documentedName(String sampleName) {
        Matcher timer = Pattern.compile("(.*_seconds)_(count|sum|max)").matcher(sampleName);
        return timer.matches() ? timer.group(1) : sampleName;
    }

    private static Set<String> served() {
        Set<String> names = new TreeSet<>();
        SERVED.forEach(s -> names.add(documentedName(s.name())));
        return names;
    }

    private static Set<String> documented() throws Exception {
        Set<String> names = new TreeSet<>();
        Matcher matcher = DOCUMENTED.matcher(Files.readString(DOCS));
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    @Test
    void everySeriesServedIsDocumentedAndEveryDocumentedSeriesIsServed() throws Exception {
        Set<String> served = served();
        Set<String> documented = documented();
        assertThat(served).as("served but not in " + DOCS).isSubsetOf(documented);
        Set<String> missing = new TreeSet<>(documented);
        missing.removeAll(served);
        assertThat(missing).as("in " + DOCS + " but not served").isEmpty();
    }

    @Test
    void everyDashboardQueryNamesServedSeriesWithLabelsTheyHave() throws Exception {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            if (panel.has("targets")) {
                panel.get("targets").forEach(t -> queries.add(t.get("expr").asString() + " @legend " + t.path("legendFormat").asString()));
            }
        }
        dashboard.get("templating").get("list").forEach(v -> {
            if (v.path("type").asString().equals("query")) {
                queries.add(v.get("definition").asString());
            }
        });
        assertThat(queries).hasSizeGreaterThan(40);
        Map<String, Set<String>> labels = labelsByName();
        Set<String> used = new HashSet<>();
        for (String query : queries) {
            String expression = query.replaceAll(" @legend .*", "");
            Set<String> names = metricNames(expression);
            assertThat(names).as(query).isNotEmpty();
            Set<String> available = new HashSet<>(Set.of("instance", "job"));
            for (String name : names) {
                used.add(name);
                assertThat(labels).as("series " + name + " of query " + query).containsKey(name);
                available.addAll(labels.get(name));
                for (String label : matcherLabels(expression, name)) {
                    assertThat(labels.get(name)).as("label " + label + " of " + name + " in " + query).contains(label);
                }
            }
            for (String label : groupingLabels(query)) {
                assertThat(available).as("label " + label + " in " + query).contains(label);
            }
        }
        assertThat(used).as("the dashboard shows consumer lag").contains("runnel_group_count", "runnel_group_lag");
    }

    /** Sample names and the label names each has (over all its samples). */
    private static Map<String, Set<String>> labelsByName() {
        Map<String, Set<String>> labels = new HashMap<>();
        for (PrometheusText.Sample sample : SERVED) {
            labels.computeIfAbsent(sample.name(), n -> new HashSet<>()).addAll(sample.labels().keySet());
        }
        return labels;
    }

    /** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or strings. */
    static Set<String> metricNames(String expression) {
        String stripped = expression.replaceAll("\"[^\"]*\"", "\"\"")      // string literals
                .replaceAll("\\{[^}]*}", "")                                  // label matchers
                .replaceAll("\\[[^]]*]", "")                                  // range selectors
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "");
        Set<String> names = new TreeSet<>();
        Matcher identifier = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?").matcher(stripped);
        while (identifier.find()) {
            String token = identifier.group().replaceAll("\\s*\\($", "");
            boolean function = identifier.group().endsWith("(");
            if (!function && !KEYWORDS.contains(token)) {
                names.add(token);
            }
        }
        // label_values(metric, label): the first argument is a metric.
        Matcher labelValues = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(expression);
        while (labelValues.find()) {
            names.add(labelValues.group(1));
        }
        names.removeIf(n -> !n.contains("_"));
        return names;
    }

    /** Label names in the matchers written right after {@code name}. */
    private static Set<String> matcherLabels(String expression, String name) {
        Set<String> found = new HashSet<>();
        Matcher selector = Pattern.compile("\\b" + Pattern.quote(name) + "\\{([^}]*)}").matcher(expression);
        while (selector.find()) {
            Matcher label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)").matcher(selector.group(1));
            while (label.find()) {
                found.add(label.group(1));
            }
        }
        return found;
    }

    /** Labels a query groups by or prints in its legend ({{label}}), and label_values' label. */
    private static Set<String> groupingLabels(String query) {
        Set<String> found = new HashSet<>();
        Matcher by = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)").matcher(query);
        while (by.find()) {
            for (String label : by.group(1).split(",")) {
                found.add(label.strip());
            }
        }
        Matcher legend = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}").matcher(query);
        while (legend.find()) {
            found.add(legend.group(1));
        }
        Matcher labelValues = Pattern.compile("label_values\\([^,]+,\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)").matcher(query);
        while (labelValues.find()) {
            found.add(labelValues.group(1));
        }
        return found;
    }
}
