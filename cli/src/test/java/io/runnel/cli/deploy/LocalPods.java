package io.runnel.cli.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.runnel.cli.client.TestLauncher;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs a manifest's pods as local processes, as a kubelet would run them, so that the commands written
 * in the manifest are the ones tested. What a cluster provides is emulated, and nothing else changes:
 * <ul>
 *   <li>Network: each pod gets its own loopback address (127.a.b.x, a random block per run), as each pod
 *       has its own IP; pod DNS names ({@code runnel-broker-0.runnel-broker}) and Services map to those
 *       addresses through a hosts file the JVMs read ({@code -Djdk.net.hosts.file}, in JAVA_TOOL_OPTIONS).
 *       A wildcard bind address (0.0.0.0) in a pod's ConfigMap means the pod's own address, as it does
 *       inside the pod's network namespace.</li>
 *   <li>Files: every volume mount is a directory of the pod (ConfigMaps written out, with the mount paths
 *       they name mapped the same way); the image's {@code /opt/runnel/lib/*} is this build's class path.
 *       After mapping, no command may still name a path of the image or a mount: a new mount the
 *       emulation does not know fails the test instead of being silently used.</li>
 *   <li>Memory: {@code -XX:MaxRAM} set to the container's memory limit, as the JVM reads the limit from
 *       its cgroup in a container; plus the serial GC and C1 only, so that six servers start quickly on
 *       two cores (heap sizes are the manifest's).</li>
 * </ul>
 * Not thread-safe: one test thread drives it.
 */
final class LocalPods implements AutoCloseable {

    /** A pod: its name, spec, address and the host directory of each of its volumes. */
    record Pod(String name, PodSpec spec, String ip, Map<String, Path> volumeDirs) {
    }

    private static final String IMAGE_LIB = "/opt/runnel/lib/*";
    private static final List<String> IMAGE_AND_MOUNT_ROOTS = List.of("/opt/runnel", "/etc/runnel", "/var/lib/runnel");

    private final Path dir;
    private final Path hostsFile;
    private final String addressPrefix;
    private final Map<String, String> addresses = new LinkedHashMap<>();
    private final List<Process> running = new ArrayList<>();
    private int nextAddress = 10;

    LocalPods(Path dir) throws IOException {
        this.dir = dir;
        this.hostsFile = dir.resolve("hosts");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        this.addressPrefix = "127." + random.nextInt(1, 255) + "." + random.nextInt(1, 255) + ".";
        addresses.put("localhost", "127.0.0.1");
        addresses.put(java.net.InetAddress.getLocalHost().getHostName(), "127.0.0.1");
        writeHosts();
    }

    /** Creates a pod with its own address, reachable as {@code <pod>.<service>} (empty service: no DNS name). */
    Pod pod(String name, String service, PodSpec spec, Map<String, ConfigMap> configMaps) throws IOException {
        String ip = addressPrefix + nextAddress++;
        if (!service.isEmpty()) {
            addresses.put(name + "." + service, ip);
        }
        writeHosts();
        Path podDir = Files.createDirectories(dir.resolve("pods").resolve(name));
        Map<String, Path> volumeDirs = new LinkedHashMap<>();
        for (Container container : Manifest.containers(spec)) {
            for (VolumeMount mount : container.getVolumeMounts()) {
                volumeDirs.computeIfAbsent(mount.getName(), v -> podDir.resolve("volumes").resolve(v));
            }
        }
        Pod pod = new Pod(name, spec, ip, volumeDirs);
        for (Path volume : volumeDirs.values()) {
            Files.createDirectories(volume);
        }
        for (Volume volume : spec.getVolumes()) {
            if (volume.getConfigMap() != null && volumeDirs.containsKey(volume.getName())) {
                ConfigMap configMap = configMaps.get(volume.getConfigMap().getName());
                if (configMap == null) {
                    throw new IllegalStateException(name + " mounts ConfigMap " + volume.getConfigMap().getName()
                            + ", which does not exist yet: a kubelet would not start the pod");
                }
                for (Map.Entry<String, String> file : configMap.getData().entrySet()) {
                    Files.writeString(volumeDirs.get(volume.getName()).resolve(file.getKey()), mapPaths(pod, file.getValue(), true));
                }
            }
        }
        return pod;
    }

    /** Makes {@code name} (a Service) resolve to a pod's address, as a Service's address leads to its pods. */
    void service(String name, Pod pod) throws IOException {
        addresses.put(name, pod.ip());
        writeHosts();
    }

    private void writeHosts() throws IOException {
        StringBuilder hosts = new StringBuilder();
        addresses.forEach((name, ip) -> hosts.append(ip).append(' ').append(name).append('\n'));
        Files.writeString(hostsFile, hosts);
    }

    /** JAVA_TOOL_OPTIONS for a JVM that resolves names as the pods do (clients run from the test use it too). */
    String javaToolOptions() {
        return "-Djdk.net.hosts.file=" + hostsFile + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1";
    }

    /** A container's command with the image's and the mounts' paths mapped to this pod's directories. */
    List<String> command(Pod pod, Container container) {
        List<String> command = new ArrayList<>();
        for (String element : container.getCommand()) {
            // The pods run with the serial collector here (javaToolOptions: six JVMs share the test machine's
            // cores); a collector the command chooses would conflict with it, so it is left out.
            String withoutCollector = element.replaceAll("-XX:\\+Use\\w+GC ?", "");
            String mapped = mapPaths(pod, withoutCollector.replace(IMAGE_LIB, TestLauncher.classPath()), false);
            for (String root : IMAGE_AND_MOUNT_ROOTS) {
                if (mapped.contains(root)) {
                    throw new IllegalStateException(pod.name() + "/" + container.getName() + " names " + root
                            + " where no mount of the pod is: " + element);
                }
            }
            command.add(mapped);
        }
        return command;
    }

    /** {@code text} with every mount path of the pod replaced by its directory (longest first); 0.0.0.0 too for ConfigMaps. */
    private static String mapPaths(Pod pod, String text, boolean configFile) {
        List<VolumeMount> mounts = new ArrayList<>();
        Manifest.containers(pod.spec()).forEach(c -> mounts.addAll(c.getVolumeMounts()));
        mounts.sort(Comparator.comparingInt((VolumeMount m) -> m.getMountPath().length()).reversed());
        String mapped = text;
        for (VolumeMount mount : mounts) {
            mapped = mapped.replace(mount.getMountPath(), pod.volumeDirs().get(mount.getName()).toString());
        }
        return configFile ? mapped.replace("0.0.0.0", pod.ip()) : mapped;
    }

    /** Starts a container of the pod; its output goes to {@code <pod>-<container>.log}. */
    Process start(Pod pod, Container container, Map<String, String> extraEnvironment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command(pod, container));
        Map<String, String> env = builder.environment();
        env.put("HOSTNAME", pod.name());
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator + "/usr/bin:/bin");
        String maxRam = "";
        Quantity memory = container.getResources() == null || container.getResources().getLimits() == null ? null
                : container.getResources().getLimits().get("memory");
        if (memory != null) {
            maxRam = " -XX:MaxRAM=" + Quantity.getAmountInBytes(memory).longValue();
        }
        env.put("JAVA_TOOL_OPTIONS", javaToolOptions() + maxRam);
        for (EnvVar var : container.getEnv()) {
            env.put(var.getName(), value(pod, var));
        }
        env.putAll(extraEnvironment);
        Path log = dir.resolve("pods").resolve(pod.name() + "-" + container.getName() + ".log");
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process process = builder.start();
        running.add(process);
        return process;
    }

    /** Runs a container to completion (an init container, a Job); fails with its output unless it exits 0. */
    String run(Pod pod, Container container, Map<String, String> extraEnvironment, long timeoutSeconds) throws Exception {
        Process process = start(pod, container, extraEnvironment);
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(pod.name() + "/" + container.getName() + " did not finish in " + timeoutSeconds + " s: " + log(pod, container));
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(pod.name() + "/" + container.getName() + " exited " + process.exitValue() + ": " + log(pod, container));
        }
        return log(pod, container);
    }

    String log(Pod pod, Container container) throws IOException {
        Path log = dir.resolve("pods").resolve(pod.name() + "-" + container.getName() + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static String value(Pod pod, EnvVar var) {
        if (var.getValue() != null) {
            return var.getValue();
        }
        String field = var.getValueFrom().getFieldRef().getFieldPath();
        return switch (field) {
            case "metadata.name" -> pod.name();
            case "metadata.namespace" -> FakeKubernetesApi.NAMESPACE;
            case "status.podIP" -> pod.ip();
            default -> throw new IllegalStateException("env " + var.getName() + " of " + pod.name() + " reads " + field
                    + ", which the emulation does not provide");
        };
    }

    /** Stops every process still running (SIGKILL): the test's own clean-up. */
    @Override
    public void close() {
        for (Process process : running) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
