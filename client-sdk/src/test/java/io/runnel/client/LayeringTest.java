package io.runnel.client;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.runnel.client.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/**
 * The client's packages depend one way: producer, consumer and admin are independent of each other (but for
 * the admin's use of the consumer's OffsetAndMetadata, as in Kafka);
 * serialization depends on none of them; internal machinery is not reached by the serialization API.
 */
class LayeringTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.runnel.client");

    @Test
    void producerConsumerAndAdminAreIndependent() {
        assertRespected(noClasses().that().resideInAPackage("..client.producer..")
                .should().dependOnClassesThat().resideInAnyPackage("..client.consumer..", "..client.admin..")
                );
        assertRespected(noClasses().that().resideInAPackage("..client.consumer..")
                .should().dependOnClassesThat().resideInAnyPackage("..client.producer..", "..client.admin..")
                );
        // One exception, as in Kafka's Admin: the group offset calls take and return the consumer's OffsetAndMetadata,
        // a value type, so an offset read with one client can be written with the other.
        assertRespected(noClasses().that().resideInAPackage("..client.admin..")
                .should().dependOnClassesThat(JavaClass.Predicates.resideInAnyPackage("..client.producer..", "..client.consumer..")
                        .and(DescribedPredicate.not(JavaClass.Predicates.equivalentTo(OffsetAndMetadata.class))))
                );
    }

    @Test
    void serializationAndInternalStayBelowTheClients() {
        assertRespected(noClasses().that().resideInAPackage("..client.serialization..")
                .should().dependOnClassesThat().resideInAnyPackage("..client.producer..", "..client.consumer..",
                        "..client.admin..", "..client.internal..")
                );
        assertRespected(noClasses().that().resideInAPackage("..client.internal..")
                .should().dependOnClassesThat().resideInAnyPackage("..client.consumer..", "..client.admin..")
                );
    }

    /** Evaluates the rule and asserts it has no violations (listed in the failure message). */
    private static void assertRespected(ArchRule rule) {
        assertThat(rule.evaluate(CLASSES).getFailureReport().getDetails()).as(rule.getDescription()).isEmpty();
    }
}
