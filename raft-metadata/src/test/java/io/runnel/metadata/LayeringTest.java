package io.runnel.metadata;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructor;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The metadata module's layers, checked on the compiled classes (so a fully qualified name cannot slip
 * past, as it could past a check of import lines):
 * <ul>
 *   <li>{@code image} and {@code controller} are the pure core (DESIGN §3): nothing above them (Ratis,
 *       RocksDB, gRPC, the server, client or ratis packages), no files or network, no clock, no randomness
 *       or threads of their own, no locks; the image does not know the controller.</li>
 *   <li>The shell points one way: {@code ratis} (the state machine adapter) knows the image but not the
 *       controller's decisions, the server, the clients or gRPC; {@code client} (what brokers embed)
 *       knows neither Ratis, RocksDB, the state machine nor the controller's decisions.</li>
 * </ul>
 */
class LayeringTest {

    private static final String[] PURE = {"io.runnel.metadata.image..", "io.runnel.metadata.controller.."};

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.runnel.metadata");
    }

    @Test
    void theClassesAreThere() {
        assertThat(classes.stream().map(c -> c.getPackageName()).distinct())
                .contains("io.runnel.metadata.image", "io.runnel.metadata.controller", "io.runnel.metadata.ratis",
                        "io.runnel.metadata.client", "io.runnel.metadata.server");
    }

    @Test
    void thePureCoreDependsOnNothingAboveIt() {
        assertRespected(noClasses().that().resideInAnyPackage(PURE).should().dependOnClassesThat()
                .resideInAnyPackage("org.apache.ratis..", "org.rocksdb..", "io.grpc..", "java.nio.file..", "java.net..",
                        "io.runnel.metadata.server..", "io.runnel.metadata.client..", "io.runnel.metadata.ratis..")
                .orShould().dependOnClassesThat().belongToAnyOf(java.io.File.class));
    }

    @Test
    void theImageDoesNotKnowTheController() {
        assertRespected(noClasses().that().resideInAPackage("io.runnel.metadata.image..")
                .should().dependOnClassesThat().resideInAPackage("io.runnel.metadata.controller.."));
    }

    /** Time and randomness are inputs of the core (a Time, a RandomGenerator), never read or drawn inside it. */
    @Test
    void thePureCoreReadsNoClockAndDrawsNoRandomnessOfItsOwn() {
        assertRespected(noClasses().that().resideInAnyPackage(PURE)
                .should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(Instant.class, "now")
                .orShould().callMethod(UUID.class, "randomUUID")
                .orShould().callMethod(Math.class, "random")
                .orShould().callMethod(ThreadLocalRandom.class, "current")
                .orShould().callCodeUnitWhere(constructorOf(Random.class))
                .orShould().callCodeUnitWhere(constructorOf(Thread.class)));
    }

    @Test
    void thePureCoreHasNoSynchronizedMethods() {
        assertRespected(noMethods().that().areDeclaredInClassesThat().resideInAnyPackage(PURE)
                .should().haveModifier(JavaModifier.SYNCHRONIZED));
    }

    /** A synchronized block leaves no trace ArchUnit can see, so the sources are searched for the keyword. */
    @ParameterizedTest
    @ValueSource(strings = {"image", "controller"})
    void thePureCoreHasNoSynchronizedBlocks(String pkg) throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java/io/runnel/metadata", pkg))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                if (Files.readString(file).contains("synchronized")) {
                    violations.add(file.getFileName().toString());
                }
            }
        }
        assertThat(violations).as("sources of %s using synchronized", pkg).isEmpty();
    }

    @Test
    void theStateMachineAdapterKnowsTheImageOnly() {
        assertRespected(noClasses().that().resideInAPackage("io.runnel.metadata.ratis..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.metadata.server..",
                        "io.runnel.metadata.client..", "io.runnel.metadata.controller..", "io.grpc.."));
    }

    @Test
    void theClientKnowsNeitherRatisNorTheControllersDecisions() {
        assertRespected(noClasses().that().resideInAPackage("io.runnel.metadata.client..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.metadata.ratis..",
                        "io.runnel.metadata.controller..", "org.apache.ratis..", "org.rocksdb.."));
    }

    private static DescribedPredicate<JavaCall<?>> constructorOf(Class<?> type) {
        return DescribedPredicate.describe("a constructor of " + type.getSimpleName() + " or a subclass",
                call -> call.getTarget().getName().equals(JavaConstructor.CONSTRUCTOR_NAME)
                        && call.getTargetOwner().isAssignableTo(type));
    }

    /** Evaluates the rule and asserts it has no violations (listed in the failure message). */
    private static void assertRespected(ArchRule rule) {
        assertThat(rule.evaluate(classes).getFailureReport().getDetails()).as(rule.getDescription()).isEmpty();
    }
}
