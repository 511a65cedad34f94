package io.runnel.cli.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * deploy/kubernetes/runnel.yaml read with the Kubernetes API model (fabric8), for the tests that check
 * it and run its pod commands. The model keeps a field it does not know, or a value of the wrong type,
 * aside instead of failing ({@code additionalProperties}); {@link #unknownFields} finds every such
 * place, so a typo in a field name fails the tests rather than being ignored by the cluster.
 */
final class Manifest {

    static final Path PATH = Path.of("..", "deploy", "kubernetes", "runnel.yaml");

    private final List<HasMetadata> resources;

    private Manifest(List<HasMetadata> resources) {
        this.resources = List.copyOf(resources);
    }

    static Manifest load() throws IOException {
        return load(PATH);
    }

    static Manifest load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Object parsed = new KubernetesSerialization().unmarshal(in);
            List<HasMetadata> resources = new ArrayList<>();
            if (parsed instanceof KubernetesList list) {
                resources.addAll(list.getItems());
            } else if (parsed instanceof List<?> list) {
                list.forEach(item -> resources.add((HasMetadata) item));
            } else {
                resources.add((HasMetadata) parsed);
            }
            return new Manifest(resources);
        }
    }

    List<HasMetadata> resources() {
        return resources;
    }

    <T extends HasMetadata> List<T> all(Class<T> kind) {
        return resources.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    <T extends HasMetadata> T get(Class<T> kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " " + name + " in " + PATH));
    }

    <T extends HasMetadata> Optional<T> find(Class<T> kind, String name) {
        return all(kind).stream().filter(r -> name.equals(r.getMetadata().getName())).findFirst();
    }

    /** Every pod template: the StatefulSets' and the Jobs', by owner name. */
    Map<String, PodSpec> podSpecs() {
        Map<String, PodSpec> specs = new java.util.LinkedHashMap<>();
        all(StatefulSet.class).forEach(s -> specs.put(s.getMetadata().getName(), s.getSpec().getTemplate().getSpec()));
        all(Job.class).forEach(j -> specs.put(j.getMetadata().getName(), j.getSpec().getTemplate().getSpec()));
        return specs;
    }

    /** Init containers then containers of a pod spec. */
    static List<Container> containers(PodSpec spec) {
        List<Container> all = new ArrayList<>(spec.getInitContainers());
        all.addAll(spec.getContainers());
        return all;
    }

    ConfigMap configMap(String name) {
        return get(ConfigMap.class, name);
    }

    /** The ConfigMap the cluster-id Job creates: the name its command passes. */
    String clusterIdConfigMap() {
        List<String> command = get(Job.class, "runnel-cluster-id").getSpec().getTemplate().getSpec().getContainers().get(0).getCommand();
        return command.get(command.indexOf("--kubernetes-config-map") + 1);
    }

    /** Heap the JVM of a container takes: its memory limit times the -XX:MaxRAMPercentage in its command. */
    static long impliedHeapBytes(Container container) {
        Matcher percentage = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(String.join(" ", container.getCommand()));
        if (!percentage.find()) {
            throw new AssertionError(container.getName() + " sets no -XX:MaxRAMPercentage");
        }
        Quantity limit = container.getResources().getLimits().get("memory");
        return Quantity.getAmountInBytes(limit).longValue() * Long.parseLong(percentage.group(1)) / 100;
    }

    /** Paths (kind/name.field.field) where the model found a field it does not know or a value of the wrong type. */
    List<String> unknownFields() {
        List<String> found = new ArrayList<>();
        for (HasMetadata resource : resources) {
            walk(resource, resource.getKind() + "/" + resource.getMetadata().getName(), found);
        }
        return found;
    }

    private static void walk(Object node, String path, List<String> found) {
        if (node == null) {
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> walk(value, path + "[" + key + "]", found));
            return;
        }
        if (node instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                walk(item, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || getter.getDeclaringClass() == Object.class
                    || !(getter.getName().startsWith("get") || getter.getName().startsWith("is"))) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    found.add(path + ": " + extra.keySet());
                }
                continue;
            }
            String field = getter.getName().startsWith("get") ? getter.getName().substring(3) : getter.getName().substring(2);
            walk(value, path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1), found);
        }
    }
}
