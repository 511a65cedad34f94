package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan format of kafka-reassign-partitions, read strictly, with errors naming the line and field. */
class ReassignmentPlanTest {

    private static ReassignmentPlan parse(String text) {
        return ReassignmentPlan.parse(text, "plan.json");
    }

    private static void assertRejected(String text, String... fragments) {
        assertThatThrownBy(() -> parse(text)).as(text).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("plan.json: line ").hasMessageContainingAll(fragments);
    }

    @Test
    void readsKafkasFormatAndWritesItBack() {
        String text = """
                {
                  "version": 1,
                  "partitions": [
                    {"topic": "orders", "partition": 0, "replicas": [2, 3, 4]},
                    {"topic": "orders", "partition": 1, "replicas": [3, 4, 2], "log_dirs": ["any", "any", "any"]},
                    {"topic": "pay.ments_v2", "partition": 0, "replicas": [1]}
                  ]
                }
                """;

        ReassignmentPlan plan = parse(text);

        assertThat(plan.moves()).containsExactly(
                new ReassignmentPlan.Move("orders", 0, List.of(2, 3, 4)),
                new ReassignmentPlan.Move("orders", 1, List.of(3, 4, 2)),
                new ReassignmentPlan.Move("pay.ments_v2", 0, List.of(1)));
        assertThat(plan.topics()).containsExactly("orders", "pay.ments_v2");
        assertThat(plan.toJson()).isEqualTo("{\"version\":1,\"partitions\":[{\"topic\":\"orders\",\"partition\":0,"
                + "\"replicas\":[2,3,4]},{\"topic\":\"orders\",\"partition\":1,\"replicas\":[3,4,2]},"
                + "{\"topic\":\"pay.ments_v2\",\"partition\":0,\"replicas\":[1]}]}");
        assertThat(parse(plan.toJson())).isEqualTo(plan);
        assertThat(parse("{\"version\":1,\"partitions\":[]}").moves()).isEmpty();
    }

    @Test
    void malformedJsonNamesTheLineAndColumn() {
        assertRejected("{\"version\": 1,\n \"partitions\": [,]}", "line 2, column 17", "expected a value");
        assertRejected("{\"version\": 1, \"partitions\": []", "line 1", "expected ',' or '}'");
        assertRejected("{\"version\": 1, \"partitions\": []} x", "after the end of the document");
        assertRejected("{\"version\": 1, \"version\": 1, \"partitions\": []}", "\"version\" appears twice");
        assertRejected("{\"version\": 1, \"partitions\": [],}", "expected a field name");
        assertRejected("{\"version\": 01, \"partitions\": []}", "expected ',' or '}'");
        assertRejected("{\"version\": 1, \"partitions\": [{\"topic\": \"a\nb\"}]}", "control character");
        assertRejected("", "line 1, column 1", "end of the document");
        assertRejected("[".repeat(40), "nesting deeper than 32");
    }

    @Test
    void badFieldsAreNamedWithTheirPath() {
        assertRejected("[]", "must be a JSON object");
        assertRejected("{\"partitions\": []}", "missing field \"version\"");
        assertRejected("{\"version\": 2, \"partitions\": []}", "\"version\" must be 1, not 2");
        assertRejected("{\"version\": 1, \"partitions\": [], \"extra\": 0}", "unknown field \"extra\"");
        assertRejected("{\"version\": 1, \"partitions\": {}}", "\"partitions\" must be an array");
        assertRejected("{\"version\": 1,\n\"partitions\": [\n{\"topic\": \"t\", \"partition\": 0}]}",
                "line 3, column 1", "missing field \"replicas\"");
        assertRejected(plan("{\"topic\": \"t\", \"partition\": -1, \"replicas\": [1]}"),
                "partitions[0].partition must be a whole number", "not -1");
        assertRejected(plan("{\"topic\": \"t\", \"partition\": 1.5, \"replicas\": [1]}"), "not 1.5");
        assertRejected(plan("{\"topic\": \"t\", \"partition\": 0, \"replicas\": []}"), "partitions[0].replicas must be a non-empty");
        assertRejected(plan("{\"topic\": \"t\", \"partition\": 0, \"replicas\": [1, \"2\"]}"),
                "partitions[0].replicas[1] must be a whole number", "not \"2\"");
        assertRejected(plan("{\"topic\": \"t\", \"partition\": 0, \"replicas\": [1, 2, 1]}"), "lists broker 1 twice");
        assertRejected(plan("{\"topic\": \"t\", \"partition\": 0, \"replicas\": [4294967296]}"), "4294967296");
        assertRejected(plan("{\"topic\": \"bad name\", \"partition\": 0, \"replicas\": [1]}"), "partitions[0].topic");
        assertRejected(plan("{\"topic\": 5, \"partition\": 0, \"replicas\": [1]}"), "partitions[0].topic must be a string");
        assertRejected(plan("{\"topic\": \"t\", \"partition\": 0, \"replicas\": [1], \"log_dirs\": [\"/data\"]}"),
                "log_dirs may only hold \"any\"");
        assertRejected(plan("{\"topic\": \"t\", \"partition\": 0, \"replicas\": [1, 2], \"log_dirs\": [\"any\"]}"),
                "one entry per replica");
        assertRejected(plan("{\"topic\": \"t\", \"partition\": 0, \"replicas\": [1], \"leader\": 1}"),
                "unknown field \"leader\"");
        assertRejected(plan("{\"topic\": \"t\", \"partition\": 0, \"replicas\": [1]},\n"
                + "{\"topic\": \"t\", \"partition\": 0, \"replicas\": [2]}"), "partitions[1] names t-0 again", "first at line 1");
    }

    private static String plan(String entries) {
        return "{\"version\": 1, \"partitions\": [" + entries + "]}";
    }
}
