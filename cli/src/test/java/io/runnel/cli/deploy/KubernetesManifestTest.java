package io.runnel.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.runnel.common.config.ServerSettings;
import io.runnel.node.NodeConfig;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes/runnel.yaml against the Kubernetes API model (fabric8): every document is a known
 * kind, every field is one the API has with a value of its type, and the parts refer to each other
 * consistently (selectors, services, volumes, probes, RBAC, the cluster-id ConfigMap), with the node
 * settings in the ConfigMap accepted by Runnel itself. KubernetesPodCommandsTest runs its commands.
 */
class KubernetesManifestTest {

    /** The uid the image runs as (deploy/Dockerfile); pods must run as it and own their volumes. */
    static final long RUNNEL_UID = 1001;

    private static Manifest manifest;

    @BeforeAll
    static void load() throws Exception {
        manifest = Manifest.load();
    }

    @Test
    void everyFieldIsOneTheKubernetesApiHasWithAValueOfItsType() {
        assertThat(manifest.resources()).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("ConfigMap", "ServiceAccount",
                "Role", "RoleBinding", "Job", "Service", "Service", "Service", "PodDisruptionBudget", "PodDisruptionBudget",
                "StatefulSet", "StatefulSet");
        assertThat(manifest.unknownFields()).isEmpty();
    }

    @Test
    void theCheckFailsOnAMisspelledFieldAndOnAValueOfTheWrongType(@TempDir Path dir) throws Exception {
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: s}
                spec:
                  replics: 3
                  template:
                    spec:
                      containers:
                        - {name: c, image: i, imagePullPolicey: Always}
                """);
        assertThat(Manifest.load(typo).unknownFields()).containsExactlyInAnyOrder("StatefulSet/s.spec: [replics]",
                "StatefulSet/s.spec.template.spec.containers[0]: [imagePullPolicey]");
        Path wrongType = dir.resolve("type.yaml");
        Files.writeString(wrongType, """
                apiVersion: v1
                kind: Service
                metadata: {name: s}
                spec:
                  ports:
                    - {port: nine-thousand}
                """);
        assertThatThrownBy(() -> Manifest.load(wrongType)).hasMessageContaining("nine-thousand");
    }

    @Test
    void statefulSetsSelectTheirPodsAndHaveAHeadlessServiceThatPublishesNotReadyPods() {
        for (StatefulSet set : manifest.all(StatefulSet.class)) {
            Map<String, String> labels = set.getSpec().getTemplate().getMetadata().getLabels();
            assertThat(labels).as(name(set)).containsAllEntriesOf(set.getSpec().getSelector().getMatchLabels());
            Service headless = manifest.get(Service.class, set.getSpec().getServiceName());
            assertThat(headless.getSpec().getClusterIP()).as(name(headless)).isEqualTo("None");
            assertThat(headless.getSpec().getPublishNotReadyAddresses()).as(name(headless)).isTrue();
            assertThat(labels).containsAllEntriesOf(headless.getSpec().getSelector());
            assertThat(set.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
        }
        for (Service service : manifest.all(Service.class)) {
            assertThat(manifest.all(StatefulSet.class)).as("pods of " + name(service)).anySatisfy(set -> assertThat(
                    set.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(service.getSpec().getSelector()));
        }
        for (PodDisruptionBudget budget : manifest.all(PodDisruptionBudget.class)) {
            StatefulSet set = manifest.get(StatefulSet.class, budget.getMetadata().getName());
            assertThat(set.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
            assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).as(name(budget)).isEqualTo(1);
        }
    }

    @Test
    void clientsBootstrapFromReadyBrokersOnly() {
        Service bootstrap = manifest.get(Service.class, "runnel-bootstrap");
        assertThat(bootstrap.getSpec().getClusterIP()).isNull();
        assertThat(bootstrap.getSpec().getPublishNotReadyAddresses()).isNotEqualTo(Boolean.TRUE);
        Container broker = manifest.get(StatefulSet.class, "runnel-broker").getSpec().getTemplate().getSpec().getContainers().get(0);
        String target = bootstrap.getSpec().getPorts().get(0).getTargetPort().getStrVal();
        assertThat(broker.getPorts()).extracting(ContainerPort::getName).contains(target);
    }

    @Test
    void everyMountIsAVolumeOrClaimAndEveryConfigMapExistsOrIsTheOneTheJobMakes() {
        String made = manifest.clusterIdConfigMap();
        for (Map.Entry<String, PodSpec> pod : manifest.podSpecs().entrySet()) {
            Set<String> volumes = new HashSet<>();
            pod.getValue().getVolumes().forEach(v -> volumes.add(v.getName()));
            manifest.find(StatefulSet.class, pod.getKey()).ifPresent(set ->
                    set.getSpec().getVolumeClaimTemplates().forEach(c -> volumes.add(c.getMetadata().getName())));
            for (Container container : Manifest.containers(pod.getValue())) {
                assertThat(container.getVolumeMounts()).extracting(VolumeMount::getName).as(pod.getKey() + "/" + container.getName())
                        .allSatisfy(mount -> assertThat(volumes).contains(mount));
            }
            for (Volume volume : pod.getValue().getVolumes()) {
                if (volume.getConfigMap() != null) {
                    String name = volume.getConfigMap().getName();
                    assertThat(name.equals(made) || manifest.find(ConfigMap.class, name).isPresent())
                            .as(pod.getKey() + " mounts ConfigMap " + name).isTrue();
                }
            }
        }
    }

    @Test
    void theClusterIdJobMayCreateAndReadItsConfigMapAndNothingElse() {
        Job job = manifest.get(Job.class, "runnel-cluster-id");
        String account = job.getSpec().getTemplate().getSpec().getServiceAccountName();
        manifest.get(ServiceAccount.class, account);
        RoleBinding binding = manifest.all(RoleBinding.class).stream()
                .filter(b -> b.getSubjects().stream().anyMatch(s -> s.getKind().equals("ServiceAccount") && s.getName().equals(account)))
                .findFirst().orElseThrow();
        Role role = manifest.get(Role.class, binding.getRoleRef().getName());
        assertThat(role.getRules()).allSatisfy(rule -> assertThat(rule.getResources()).containsExactly("configmaps"));
        assertThat(role.getRules()).extracting(PolicyRule::getVerbs).flatExtracting(v -> v).containsExactlyInAnyOrder("create", "get");
        PolicyRule get = role.getRules().stream().filter(r -> r.getVerbs().contains("get")).findFirst().orElseThrow();
        assertThat(get.getResourceNames()).containsExactly(manifest.clusterIdConfigMap());
        assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("OnFailure");
    }

    @Test
    void podsRunAsTheImagesUserOwnTheirVolumesAndHaveResourcesAndProbesOnDeclaredPorts() {
        for (Map.Entry<String, PodSpec> pod : manifest.podSpecs().entrySet()) {
            var security = pod.getValue().getSecurityContext();
            assertThat(security.getRunAsNonRoot()).as(pod.getKey()).isTrue();
            assertThat(security.getRunAsUser()).as(pod.getKey()).isEqualTo(RUNNEL_UID);
            if (manifest.find(StatefulSet.class, pod.getKey()).isPresent()) {
                assertThat(security.getFsGroup()).as(pod.getKey() + " owns its volume").isEqualTo(RUNNEL_UID);
            }
            for (Container container : Manifest.containers(pod.getValue())) {
                String where = pod.getKey() + "/" + container.getName();
                assertThat(container.getImage()).as(where).isNotBlank();
                assertThat(container.getResources().getRequests()).as(where).containsKeys("cpu", "memory");
                assertThat(container.getResources().getLimits().get("memory")).as(where + " memory limit (the heap follows it)")
                        .isEqualTo(container.getResources().getRequests().get("memory"));
                Set<Integer> ports = new HashSet<>();
                container.getPorts().forEach(p -> ports.add(p.getContainerPort()));
                for (Probe probe : probes(container)) {
                    int port = probe.getGrpc() != null ? probe.getGrpc().getPort() : probe.getTcpSocket().getPort().getIntVal();
                    assertThat(ports).as(where + " probe port").contains(port);
                }
            }
        }
    }

    @Test
    void serversAreReadyByGrpcHealthAndAliveWhileListeningAndSpreadOverNodes() {
        for (StatefulSet set : manifest.all(StatefulSet.class)) {
            PodSpec spec = set.getSpec().getTemplate().getSpec();
            Container server = spec.getContainers().get(0);
            assertThat(server.getReadinessProbe().getGrpc()).as(name(set) + " readiness").isNotNull();
            // Liveness must not restart a broker that is merely fenced or a controller without a quorum.
            assertThat(server.getLivenessProbe().getTcpSocket()).as(name(set) + " liveness").isNotNull();
            assertThat(server.getStartupProbe().getTcpSocket()).as(name(set) + " startup").isNotNull();
            List<WeightedPodAffinityTerm> spread = spec.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
            assertThat(spread).singleElement().satisfies(term -> {
                assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                assertThat(set.getSpec().getTemplate().getMetadata().getLabels())
                        .containsAllEntriesOf(term.getPodAffinityTerm().getLabelSelector().getMatchLabels());
            });
            assertThat(set.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/port", String.valueOf(metricsPort(set)));
        }
    }

    @Test
    void brokersHaveTheGraceOfAControlledShutdown() throws Exception {
        StatefulSet brokers = manifest.get(StatefulSet.class, "runnel-broker");
        NodeConfig config = nodeConfig("broker.properties", 101);
        long graceMs = brokers.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() * 1000;
        // The controlled shutdown, then closing listeners and logs (each bounded by a few seconds).
        assertThat(graceMs).isGreaterThanOrEqualTo(config.controlledShutdownTimeoutMs() + 30_000);
    }

    @Test
    void theNodeSettingsAreAcceptedByRunnelAndTheVotersAreTheControllerPods() throws Exception {
        StatefulSet controllers = manifest.get(StatefulSet.class, "runnel-controller");
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < controllers.getSpec().getReplicas(); i++) {
            voters.add((i + 1) + "@runnel-controller-" + i + ".runnel-controller:9093");
        }
        for (String file : List.of("controller.properties", "broker.properties")) {
            int nodeId = file.startsWith("controller") ? 1 : 101;
            NodeConfig config = assertAccepted(file, nodeId);
            assertThat(config.quorumVoters()).as(file).isEqualTo(String.join(",", voters));
            assertThat(config.settings().get(ServerSettings.DEFAULT_REPLICATION_FACTOR)).as(file).isEqualTo(3);
            assertThat(config.topicDefaults()).as(file).containsEntry("min.insync.replicas", "2");
        }
        // The node ids the commands derive from the pod ordinal: controllers 1.., brokers 101..
        assertThat(serverCommand("runnel-controller")).contains("ID=$(( ${HOSTNAME##*-} + 1 ))");
        assertThat(serverCommand("runnel-broker")).contains("ID=$(( ${HOSTNAME##*-} + 101 ))");
    }

    private static NodeConfig assertAccepted(String file, int nodeId) throws Exception {
        assertThatCode(() -> nodeConfig(file, nodeId)).as(file).doesNotThrowAnyException();
        return nodeConfig(file, nodeId);
    }

    static NodeConfig nodeConfig(String file, int nodeId) throws Exception {
        Properties properties = new Properties();
        properties.load(new StringReader(manifest.configMap("runnel-config").getData().get(file)));
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key)));
        settings.put("node.id", String.valueOf(nodeId));
        return NodeConfig.load(Optional.empty(), settings);
    }

    private static String serverCommand(String statefulSet) {
        return String.join(" ", manifest.get(StatefulSet.class, statefulSet).getSpec().getTemplate().getSpec().getContainers().get(0).getCommand());
    }

    private static int metricsPort(StatefulSet set) {
        return set.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().stream()
                .filter(p -> "metrics".equals(p.getName())).findFirst().orElseThrow().getContainerPort();
    }

    private static List<Probe> probes(Container container) {
        List<Probe> probes = new ArrayList<>();
        for (Probe probe : new Probe[] {container.getStartupProbe(), container.getReadinessProbe(), container.getLivenessProbe()}) {
            if (probe != null) {
                probes.add(probe);
            }
        }
        return probes;
    }

    private static String name(HasMetadata resource) {
        return resource.getKind() + "/" + resource.getMetadata().getName();
    }
}
