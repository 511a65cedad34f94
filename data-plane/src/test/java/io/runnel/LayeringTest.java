package io.runnel;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The data plane's layers point one way, as STYLE.md draws them: node → rpc → group → replication →
 * storage, with the purgatory beneath replication and the group coordinator's pure core beneath its
 * shell. A class that reaches upward fails this test.
 */
class LayeringTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.runnel.storage", "io.runnel.purgatory", "io.runnel.replication", "io.runnel.group",
                        "io.runnel.rpc", "io.runnel.node");
    }

    @Test
    void storageDependsOnNoHigherLayer() {
        assertRespected(noClasses().that().resideInAPackage("io.runnel.storage..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.purgatory..", "io.runnel.replication..",
                        "io.runnel.rpc..", "io.runnel.node..", "io.runnel.metadata..")
                );
    }

    @Test
    void purgatoryIsAStandaloneMechanism() {
        assertRespected(noClasses().that().resideInAPackage("io.runnel.purgatory..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.storage..", "io.runnel.replication..",
                        "io.runnel.rpc..", "io.runnel.node..")
                );
    }

    @Test
    void replicationDoesNotKnowTheRpcLayerOrTheNode() {
        assertRespected(noClasses().that().resideInAPackage("io.runnel.replication..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.rpc..", "io.runnel.node..", "io.grpc..")
                );
    }

    @Test
    void theReplicationCoreIsPure() {
        // Events in, decisions out: no storage, threads' machinery, gRPC, clocks or files (docs/replication.md).
        assertRespected(noClasses().that().resideInAPackage("io.runnel.replication.core..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.storage..", "io.runnel.purgatory..",
                        "io.runnel.rpc..", "io.runnel.node..", "io.grpc..", "java.nio.file..", "java.io..",
                        "java.util.concurrent..", "io.runnel.common.time..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.runnel.replication.Partition")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.System")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Thread"));
    }

    @Test
    void replicationDoesNotKnowTheGroupCoordinator() {
        assertRespected(noClasses().that().resideInAPackage("io.runnel.replication..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.group..")
                );
    }

    @Test
    void theGroupCoordinatorDoesNotKnowTheRpcLayerOrTheNode() {
        assertRespected(noClasses().that().resideInAPackage("io.runnel.group..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.rpc..", "io.runnel.node..", "io.grpc..")
                );
    }

    /** The pure core: no I/O, threads, clocks, storage or replication, so it runs in a simulation. */
    @Test
    void theGroupCoordinatorsCoreIsPure() {
        assertRespected(noClasses().that().resideInAPackage("io.runnel.group.core..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.group", "io.runnel.storage..",
                        "io.runnel.replication..", "io.runnel.purgatory..", "io.runnel.metadata..", "java.io..",
                        "java.nio.file..", "java.util.concurrent..", "io.runnel.common.time..", "io.grpc..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.System")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Thread"));
    }

    @Test
    void rpcServicesDoNotKnowTheNodeWiring() {
        assertRespected(noClasses().that().resideInAPackage("io.runnel.rpc..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.node..")
                );
    }

    /** Evaluates the rule and asserts it has no violations (listed in the failure message). */
    private static void assertRespected(ArchRule rule) {
        assertThat(rule.evaluate(classes).getFailureReport().getDetails()).as(rule.getDescription()).isEmpty();
    }
}
