package io.runnel.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/Dockerfile against what it is built from and what runs it. No Docker engine runs in the test
 * suite, so the image is not built here; what can be checked without one is: it copies exactly the
 * distribution that scripts/runnel (the README's command) builds and runs, the build context lets those
 * files through (.dockerignore), the class path it puts them on is the one the manifest's commands use,
 * and it runs as the user the manifest's pods run as, exposing the ports they declare.
 */
class ContainerImageTest {

    private static final Path ROOT = Path.of("..");
    private static List<String> instructions;
    private static Manifest manifest;

    @BeforeAll
    static void read() throws Exception {
        instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(ROOT.resolve("deploy/Dockerfile"))) {
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            current.append(line.strip());
            if (line.endsWith("\\")) {
                current.setLength(current.length() - 1);
                current.append(' ');
            } else {
                instructions.add(current.toString());
                current.setLength(0);
            }
        }
        manifest = Manifest.load();
    }

    private static List<String> instruction(String keyword) {
        return instructions.stream().filter(i -> i.startsWith(keyword + " ")).map(i -> i.substring(keyword.length() + 1).strip()).toList();
    }

    @Test
    void copiesTheDistributionScriptsRunnelBuildsAndRuns() throws Exception {
        List<String> sources = instruction("COPY").stream().map(copy -> copy.split("\\s+")[0]).toList();
        assertThat(sources).containsExactlyInAnyOrder("cli/target/lib/", "cli/target/runnel-cli.jar");
        String launcher = Files.readString(ROOT.resolve("scripts/runnel"));
        assertThat(launcher).contains("JAR=\"$ROOT/cli/target/runnel-cli.jar\"").contains("LIB=\"$ROOT/cli/target/lib\"")
                .contains("mvn -B -q -DskipTests -pl cli -am package");
        String pom = Files.readString(ROOT.resolve("cli/pom.xml"));
        assertThat(pom).contains("<finalName>runnel-cli</finalName>")
                .contains("<outputDirectory>${project.build.directory}/lib</outputDirectory>").contains("<includeScope>runtime</includeScope>");
    }

    @Test
    void theBuildContextLetsTheCopiedFilesThrough() throws Exception {
        List<String> ignore = Files.readAllLines(ROOT.resolve(".dockerignore")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(ignore.get(0)).isEqualTo("*");
        for (String copy : instruction("COPY")) {
            assertThat(ignore).contains("!" + copy.split("\\s+")[0]);
        }
    }

    @Test
    void putsTheJarsWhereTheManifestsCommandsLookAndRunsAsThePodsUser() {
        List<String> destinations = instruction("COPY").stream().map(copy -> copy.split("\\s+")[1]).toList();
        assertThat(destinations).allSatisfy(d -> assertThat(d).startsWith("/opt/runnel/lib/"));
        assertThat(instruction("ENTRYPOINT")).singleElement().asString().contains("\"-cp\", \"/opt/runnel/lib/*\"");
        for (PodSpec spec : manifest.podSpecs().values()) {
            for (Container container : Manifest.containers(spec)) {
                assertThat(String.join(" ", container.getCommand())).as(container.getName()).contains("/opt/runnel/lib/*");
            }
        }
        assertThat(instruction("USER")).containsExactly(String.valueOf(KubernetesManifestTest.RUNNEL_UID));
        Matcher ids = Pattern.compile("--uid (\\d+) --gid (\\d+)").matcher(String.join(" ", instruction("RUN")));
        assertThat(ids.find()).isTrue();
        assertThat(Long.parseLong(ids.group(1))).isEqualTo(KubernetesManifestTest.RUNNEL_UID);
        assertThat(Long.parseLong(ids.group(2))).isEqualTo(KubernetesManifestTest.RUNNEL_UID);
    }

    @Test
    void exposesEveryPortThePodsDeclare() {
        Set<Integer> exposed = new HashSet<>();
        instruction("EXPOSE").forEach(e -> List.of(e.split("\\s+")).forEach(p -> exposed.add(Integer.parseInt(p))));
        for (PodSpec spec : manifest.podSpecs().values()) {
            for (Container container : spec.getContainers()) {
                assertThat(exposed).as(container.getName()).containsAll(container.getPorts().stream().map(ContainerPort::getContainerPort).toList());
            }
        }
    }
}
