package io.runnel.common.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ResourceType;
import org.junit.jupiter.api.Test;

class UnknownEnumValuesTest {

    @Test
    void findsAnUndefinedValueAtAnyDepthAndNamesItsPath() {
        assertThat(UnknownEnumValues.find(FetchRequest.newBuilder().setIsolationLevelValue(7).build()))
                .hasValueSatisfying(m -> assertThat(m).startsWith("field isolation_level has value 7")
                        .contains("READ_UNCOMMITTED=0, READ_COMMITTED=1"));
        AlterConfigsRequest nested = AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder().setType(ResourceType.TOPIC)
                        .addConfigs(AlterableConfig.newBuilder().setName("a"))
                        .addConfigs(AlterableConfig.newBuilder().setName("b").setOpValue(42)))
                .build();
        assertThat(UnknownEnumValues.find(nested)).hasValueSatisfying(m ->
                assertThat(m).startsWith("field resources[0].configs[1].op has value 42"));
    }

    @Test
    void definedValuesAndMessagesWithoutEnumsPass() {
        assertThat(UnknownEnumValues.find(FetchRequest.newBuilder().setIsolationLevelValue(1).build())).isEmpty();
        assertThat(UnknownEnumValues.find(AlterConfigsRequest.getDefaultInstance())).isEmpty();
        assertThat(UnknownEnumValues.mayHoldEnums(ProduceRequest.getDescriptor())).isFalse();
        assertThat(UnknownEnumValues.mayHoldEnums(AlterConfigsRequest.getDescriptor())).isTrue();
    }
}
