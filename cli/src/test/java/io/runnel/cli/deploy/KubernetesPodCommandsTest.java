package io.runnel.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.cli.client.TestLauncher;
import io.runnel.node.testing.PrometheusText;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every pod command of deploy/kubernetes/runnel.yaml, run for real as local processes ({@link LocalPods}
 * says what is emulated): the cluster-id Job against a Kubernetes API stand-in (twice at once, as a
 * retried Job may), then each controller's and broker's format init container and server, forming the
 * manifest's 3+3 cluster. The test then checks what a kubelet and a user would: the probes pass, the
 * heap is what the resources imply, a topic created without settings gets the manifest's defaults
 * (replication factor 3, min.insync.replicas 2), records produced with acks=all through the bootstrap
 * Service are consumed back, including after a broker was stopped as Kubernetes stops a pod (SIGTERM,
 * within its grace period), and the controllers' metrics show one active controller and no fenced broker.
 *
 * <p>Clients run as CLI processes: they must resolve the pods' DNS names, which only a JVM started with
 * the hosts file can.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class KubernetesPodCommandsTest {

    private static final String TOPIC = "deployed";
    private static final int RECORDS = 200;

    @TempDir
    Path temp;

    private LocalPods pods;

    @AfterEach
    void stop() {
        if (pods != null) {
            pods.close();
        }
    }

    @Test
    void theManifestsPodCommandsFormAClusterThatReplicatesWithItsTopicDefaults() throws Exception {
        Manifest manifest = Manifest.load();
        pods = new LocalPods(temp);
        Map<String, ConfigMap> configMaps = new HashMap<>();
        manifest.all(ConfigMap.class).forEach(c -> configMaps.put(c.getMetadata().getName(), c));

        // The Job, twice at once: both print the one id that ends up in the ConfigMap the pods mount.
        String clusterIdName = manifest.clusterIdConfigMap();
        String clusterId = runClusterIdJob(manifest);
        configMaps.put(clusterIdName, new ConfigMapBuilder().withNewMetadata().withName(clusterIdName).endMetadata()
                .addToData("cluster.id", clusterId).build());

        StatefulSet controllers = manifest.get(StatefulSet.class, "runnel-controller");
        StatefulSet brokers = manifest.get(StatefulSet.class, "runnel-broker");
        List<LocalPods.Pod> controllerPods = createPods(controllers, configMaps);
        List<LocalPods.Pod> brokerPods = createPods(brokers, configMaps);
        pods.service("runnel-bootstrap", brokerPods.get(0));
        // Parallel pod management: every pod's init container, then every pod's server, at once.
        List<LocalPods.Pod> all = new ArrayList<>(controllerPods);
        all.addAll(brokerPods);
        runInitContainers(all);
        Map<String, Process> servers = new LinkedHashMap<>();
        for (LocalPods.Pod pod : all) {
            servers.put(pod.name(), pods.start(pod, pod.spec().getContainers().get(0), Map.of()));
        }
        for (LocalPods.Pod pod : all) {
            await(pod.name() + " ready").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> probePasses(pod, pod.spec().getContainers().get(0).getReadinessProbe(), servers.get(pod.name())));
            Container server = pod.spec().getContainers().get(0);
            assertThat(probePasses(pod, server.getLivenessProbe(), servers.get(pod.name()))).as(pod.name() + " liveness").isTrue();
            assertThat(probePasses(pod, server.getStartupProbe(), servers.get(pod.name()))).as(pod.name() + " startup").isTrue();
        }

        for (LocalPods.Pod pod : all) {
            PrometheusText metrics = scrape(pod, pod.spec().getContainers().get(0));
            double heapMax = metrics.find("jvm_memory_max_bytes", "area", "heap").stream().mapToDouble(PrometheusText.Sample::value).sum();
            long implied = Manifest.impliedHeapBytes(pod.spec().getContainers().get(0));
            // The serial collector reports one survivor space less than the heap it was given.
            assertThat(heapMax).as(pod.name() + " heap").isBetween(0.85 * implied, (double) implied);
        }
        await("one active controller, every broker unfenced").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            double active = 0;
            for (LocalPods.Pod pod : controllerPods) {
                PrometheusText metrics = scrape(pod, pod.spec().getContainers().get(0));
                active += metrics.value("runnel_controller_active_controller_count");
                assertThat(metrics.value("runnel_controller_active_broker_count")).as(pod.name()).isEqualTo(3);
                assertThat(metrics.value("runnel_controller_fenced_broker_count")).as(pod.name()).isZero();
            }
            assertThat(active).isEqualTo(1);
        });

        String bootstrap = "runnel-bootstrap:" + brokers.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().get(0).getContainerPort();
        assertThat(cli(null, "topics", "create", TOPIC, "--partitions", "3", "--bootstrap-server", bootstrap)).contains("ReplicationFactor: 3");
        assertThat(cli(null, "configs", "describe", "--topic", TOPIC, "--bootstrap-server", bootstrap)).contains("min.insync.replicas=2");
        await("every partition's ISR complete").atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                cli(null, "topics", "describe", TOPIC, "--under-replicated-partitions", "--bootstrap-server", bootstrap)).isBlank());
        produce(bootstrap, 0, RECORDS);

        // Kubernetes stops a pod with SIGTERM and kills it when the grace period ends: the broker must be gone before.
        LocalPods.Pod stopped = brokerPods.get(2);
        Process process = servers.get(stopped.name());
        process.destroy();
        long graceSeconds = brokers.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertThat(process.waitFor(graceSeconds, TimeUnit.SECONDS)).as(stopped.name() + " stopped within its grace period").isTrue();
        // With one broker down, acks=all still succeeds: min.insync.replicas=2 of 3.
        produce(bootstrap, RECORDS, RECORDS);
        String consumed = cli(null, "consume", TOPIC, "--from-beginning", "--max-messages", String.valueOf(2 * RECORDS),
                "--timeout-ms", "60000", "--bootstrap-server", bootstrap);
        List<String> values = consumed.lines().filter(l -> l.startsWith("record-")).sorted().toList();
        assertThat(values).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 2 * RECORDS).mapToObj(i -> "record-" + i).toList());

        // Brokers first, then controllers, as deleting the StatefulSets in that order would: a broker stopping
        // while the controllers are still up completes its controlled shutdown instead of waiting out its timeout.
        List<LocalPods.Pod> stopOrder = new ArrayList<>(brokerPods);
        stopOrder.remove(stopped);
        stopOrder.addAll(controllerPods);
        for (LocalPods.Pod pod : stopOrder) {
            Process server = servers.get(pod.name());
            server.destroy();
            long grace = pod.spec().getTerminationGracePeriodSeconds();
            assertThat(server.waitFor(grace, TimeUnit.SECONDS)).as(pod.name() + " stopped within its grace period").isTrue();
        }
    }

    /** Runs the Job's pod twice at once; returns the id both printed, after checking it is the ConfigMap's. */
    private String runClusterIdJob(Manifest manifest) throws Exception {
        try (FakeKubernetesApi api = new FakeKubernetesApi(temp.resolve("api"))) {
            Job job = manifest.get(Job.class, "runnel-cluster-id");
            PodSpec spec = job.getSpec().getTemplate().getSpec();
            Map<String, String> env = new HashMap<>(api.podEnvironment());
            // Kubernetes mounts the service account at a fixed path; the command reads this variable in its stead.
            env.put("RUNNEL_KUBERNETES_SERVICE_ACCOUNT_DIR", api.serviceAccountDir().toString());
            List<Process> runs = new ArrayList<>();
            List<LocalPods.Pod> jobPods = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                LocalPods.Pod pod = pods.pod("runnel-cluster-id-" + i, "", spec, Map.of());
                jobPods.add(pod);
                runs.add(pods.start(pod, spec.getContainers().get(0), env));
            }
            List<String> printed = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                Container container = spec.getContainers().get(0);
                assertThat(runs.get(i).waitFor(120, TimeUnit.SECONDS)).isTrue();
                assertThat(runs.get(i).exitValue()).as(pods.log(jobPods.get(i), container)).isZero();
                printed.add(pods.log(jobPods.get(i), container).lines().filter(l -> !l.startsWith("Picked up")).reduce((a, b) -> b).orElseThrow());
            }
            String stored = api.configMapValue(manifest.clusterIdConfigMap(), "cluster.id");
            assertThat(stored).isNotBlank();
            assertThat(printed).containsOnly(stored);
            assertThat(api.calls()).filteredOn(c -> c.startsWith("POST") && c.endsWith("201")).hasSize(1);
            return stored;
        }
    }

    private List<LocalPods.Pod> createPods(StatefulSet set, Map<String, ConfigMap> configMaps) throws Exception {
        List<LocalPods.Pod> created = new ArrayList<>();
        for (int i = 0; i < set.getSpec().getReplicas(); i++) {
            created.add(pods.pod(set.getMetadata().getName() + "-" + i, set.getSpec().getServiceName(),
                    set.getSpec().getTemplate().getSpec(), configMaps));
        }
        return created;
    }

    private void runInitContainers(List<LocalPods.Pod> all) throws Exception {
        Map<LocalPods.Pod, Process> inits = new LinkedHashMap<>();
        for (LocalPods.Pod pod : all) {
            inits.put(pod, pods.start(pod, pod.spec().getInitContainers().get(0), Map.of()));
        }
        for (Map.Entry<LocalPods.Pod, Process> init : inits.entrySet()) {
            Container container = init.getKey().spec().getInitContainers().get(0);
            assertThat(init.getValue().waitFor(120, TimeUnit.SECONDS)).as(init.getKey().name() + " format").isTrue();
            assertThat(init.getValue().exitValue()).as(pods.log(init.getKey(), container)).isZero();
            assertThat(pods.log(init.getKey(), container)).contains("Formatted");
        }
    }

    /** The probe as a kubelet runs it: gRPC health SERVING, or a TCP connection accepted. */
    private static boolean probePasses(LocalPods.Pod pod, Probe probe, Process server) throws Exception {
        if (!server.isAlive()) {
            throw new AssertionError(pod.name() + " exited " + server.exitValue());
        }
        if (probe.getTcpSocket() != null) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(pod.ip(), probe.getTcpSocket().getPort().getIntVal()), 2_000);
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress(pod.ip(), probe.getGrpc().getPort()).usePlaintext().build();
        try {
            String service = probe.getGrpc().getService() == null ? "" : probe.getGrpc().getService();
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus() == HealthCheckResponse.ServingStatus.SERVING;
        } catch (io.grpc.StatusRuntimeException e) {
            return false;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static PrometheusText scrape(LocalPods.Pod pod, Container server) throws Exception {
        int port = server.getPorts().stream().filter(p -> "metrics".equals(p.getName())).findFirst().orElseThrow().getContainerPort();
        return PrometheusText.scrape(pod.ip(), port);
    }

    private void produce(String bootstrap, int from, int count) throws Exception {
        StringBuilder input = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            input.append("record-").append(i).append('\n');
        }
        cli(input.toString(), "produce", TOPIC, "--acks", "all", "--bootstrap-server", bootstrap);
    }

    /** Runs the runnel CLI as a process that resolves names like the pods; returns its standard output. */
    private String cli(String stdin, String... args) throws Exception {
        Path launcher = temp.resolve("runnel");
        if (!Files.exists(launcher)) {
            TestLauncher.write(launcher);
        }
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("JAVA_TOOL_OPTIONS", pods.javaToolOptions());
        Path out = Files.createTempFile(temp, "cli", ".out");
        Path err = Files.createTempFile(temp, "cli", ".err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        if (stdin == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process process = builder.start();
        if (stdin != null) {
            try (var in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("runnel " + String.join(" ", args) + " did not finish: " + Files.readString(err));
        }
        assertThat(process.exitValue()).as("runnel " + String.join(" ", args) + ": " + Files.readString(err)).isZero();
        return Files.readString(out);
    }
}
