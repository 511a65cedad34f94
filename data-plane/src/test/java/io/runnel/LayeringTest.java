package io.runnel;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The data plane's layers point one way, as STYLE.md draws them: node → rpc → replication →
 * storage, with the purgatory beneath replication. A class that reaches upward fails this test.
 */
class LayeringTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.runnel.storage", "io.runnel.purgatory", "io.runnel.replication", "io.runnel.rpc", "io.runnel.node");
    }

    @Test
    void storageDependsOnNoHigherLayer() {
        noClasses().that().resideInAPackage("io.runnel.storage..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.purgatory..", "io.runnel.replication..",
                        "io.runnel.rpc..", "io.runnel.node..", "io.runnel.metadata..")
                .check(classes);
    }

    @Test
    void purgatoryIsAStandaloneMechanism() {
        noClasses().that().resideInAPackage("io.runnel.purgatory..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.storage..", "io.runnel.replication..",
                        "io.runnel.rpc..", "io.runnel.node..")
                .check(classes);
    }

    @Test
    void replicationDoesNotKnowTheRpcLayerOrTheNode() {
        noClasses().that().resideInAPackage("io.runnel.replication..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.rpc..", "io.runnel.node..", "io.grpc..")
                .check(classes);
    }

    @Test
    void rpcServicesDoNotKnowTheNodeWiring() {
        noClasses().that().resideInAPackage("io.runnel.rpc..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runnel.node..")
                .check(classes);
    }
}
