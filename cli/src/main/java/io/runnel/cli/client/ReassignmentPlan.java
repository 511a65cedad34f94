package io.runnel.cli.client;

import io.runnel.common.TopicNames;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A reassignment plan in the format of Kafka's {@code kafka-reassign-partitions}:
 * <pre>
 * {"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[2,3,4]}, ...]}
 * </pre>
 * Each entry names a partition (once) and its target replicas, the preferred leader first. An entry may
 * carry Kafka's {@code "log_dirs"}, one per replica; Runnel places replicas in no particular directory,
 * so every one must be {@code "any"}. Parsing is strict and names the line and field of the first
 * problem. At most {@value #PARTITIONS_MAX} entries (one AlterPartitionReassignments request).
 * Immutable.
 */
record ReassignmentPlan(List<Move> moves) {

    static final int VERSION = 1;
    /** The controller's bound on partitions per AlterPartitionReassignments request. */
    static final int PARTITIONS_MAX = 10_000;

    /** One partition's target replicas. */
    record Move(String topic, int partition, List<Integer> replicas) {

        Move {
            replicas = List.copyOf(replicas);
        }

        TopicPartition topicPartition() {
            return new TopicPartition(topic, partition);
        }
    }

    ReassignmentPlan {
        moves = List.copyOf(moves);
    }

    /** The moves by partition, in plan order. */
    Map<TopicPartition, Move> byPartition() {
        Map<TopicPartition, Move> result = new LinkedHashMap<>();
        moves.forEach(move -> result.put(move.topicPartition(), move));
        return result;
    }

    /** The topics the plan names, in plan order. */
    List<String> topics() {
        return moves.stream().map(Move::topic).distinct().toList();
    }

    /** Parses a plan; IllegalArgumentException naming {@code source}, the line and the field at fault. */
    static ReassignmentPlan parse(String text, String source) {
        Json.Node root = Json.parse(text, source);
        if (!root.isObject()) {
            throw error(source, root, "the plan must be a JSON object with \"version\" and \"partitions\"");
        }
        Map<String, Json.Node> fields = root.asObject();
        for (String key : fields.keySet()) {
            if (!key.equals("version") && !key.equals("partitions")) {
                throw error(source, fields.get(key), "unknown field \"" + key + "\"; a plan has \"version\" and \"partitions\"");
            }
        }
        Json.Node version = required(source, root, fields, "version");
        if (!version.isNumber() || ((BigDecimal) version.value()).compareTo(BigDecimal.valueOf(VERSION)) != 0) {
            throw error(source, version, "\"version\" must be " + VERSION + ", not " + render(version));
        }
        Json.Node partitions = required(source, root, fields, "partitions");
        if (!partitions.isArray()) {
            throw error(source, partitions, "\"partitions\" must be an array");
        }
        if (partitions.asArray().size() > PARTITIONS_MAX) {
            throw error(source, partitions, "\"partitions\" has " + partitions.asArray().size()
                    + " entries; at most " + PARTITIONS_MAX + " may be reassigned at once");
        }
        List<Move> moves = new ArrayList<>();
        Map<TopicPartition, Json.Node> seen = new HashMap<>();
        for (int i = 0; i < partitions.asArray().size(); i++) {
            Json.Node entry = partitions.asArray().get(i);
            Move move = move(source, "partitions[" + i + "]", entry);
            Json.Node earlier = seen.put(move.topicPartition(), entry);
            if (earlier != null) {
                throw error(source, entry, "partitions[" + i + "] names " + move.topic() + "-" + move.partition()
                        + " again (first at " + earlier.where() + ")");
            }
            moves.add(move);
        }
        return new ReassignmentPlan(moves);
    }

    private static Move move(String source, String path, Json.Node entry) {
        if (!entry.isObject()) {
            throw error(source, entry, path + " must be an object with \"topic\", \"partition\" and \"replicas\"");
        }
        Map<String, Json.Node> fields = entry.asObject();
        for (String key : fields.keySet()) {
            if (!Set.of("topic", "partition", "replicas", "log_dirs").contains(key)) {
                throw error(source, fields.get(key), path + " has an unknown field \"" + key
                        + "\"; an entry has \"topic\", \"partition\", \"replicas\" and optionally \"log_dirs\"");
            }
        }
        Json.Node topic = required(source, entry, fields, "topic");
        if (!topic.isString()) {
            throw error(source, topic, path + ".topic must be a string, not " + render(topic));
        }
        try {
            TopicNames.validate((String) topic.value());
        } catch (ApiException e) {
            throw error(source, topic, path + ".topic: " + e.getMessage());
        }
        int partition = id(source, path + ".partition", required(source, entry, fields, "partition"));
        Json.Node replicasNode = required(source, entry, fields, "replicas");
        if (!replicasNode.isArray() || replicasNode.asArray().isEmpty()) {
            throw error(source, replicasNode, path + ".replicas must be a non-empty array of broker ids");
        }
        List<Integer> replicas = new ArrayList<>();
        Set<Integer> distinct = new HashSet<>();
        for (int j = 0; j < replicasNode.asArray().size(); j++) {
            Json.Node replica = replicasNode.asArray().get(j);
            int broker = id(source, path + ".replicas[" + j + "]", replica);
            if (!distinct.add(broker)) {
                throw error(source, replica, path + ".replicas lists broker " + broker + " twice");
            }
            replicas.add(broker);
        }
        Json.Node logDirs = fields.get("log_dirs");
        if (logDirs != null) {
            if (!logDirs.isArray() || logDirs.asArray().size() != replicas.size()) {
                throw error(source, logDirs, path + ".log_dirs must be an array with one entry per replica");
            }
            for (Json.Node dir : logDirs.asArray()) {
                if (!"any".equals(dir.value())) {
                    throw error(source, dir, path + ".log_dirs may only hold \"any\": Runnel does not place replicas "
                            + "in chosen log directories, not " + render(dir));
                }
            }
        }
        return new Move((String) topic.value(), partition, replicas);
    }

    private static Json.Node required(String source, Json.Node object, Map<String, Json.Node> fields, String key) {
        Json.Node node = fields.get(key);
        if (node == null) {
            throw error(source, object, "missing field \"" + key + "\"");
        }
        return node;
    }

    /** A non-negative 32-bit integer. */
    private static int id(String source, String path, Json.Node node) {
        if (node.isNumber()) {
            BigDecimal value = (BigDecimal) node.value();
            if (value.signum() >= 0 && value.stripTrailingZeros().scale() <= 0
                    && value.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0) {
                return value.intValueExact();
            }
        }
        throw error(source, node, path + " must be a whole number from 0 to " + Integer.MAX_VALUE + ", not " + render(node));
    }

    private static String render(Json.Node node) {
        Object value = node.value();
        if (value instanceof String s) {
            return Json.quote(s);
        }
        if (value instanceof BigDecimal n) {
            return n.toString();
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "an array";
        }
        return String.valueOf(value);
    }

    private static IllegalArgumentException error(String source, Json.Node node, String problem) {
        return new IllegalArgumentException(source + ": " + node.where() + ": " + problem);
    }

    /** The plan in Kafka's format, on one line. */
    String toJson() {
        return "{\"version\":" + VERSION + ",\"partitions\":[" + moves.stream()
                .map(move -> "{\"topic\":" + Json.quote(move.topic()) + ",\"partition\":" + move.partition()
                        + ",\"replicas\":[" + move.replicas().stream().map(String::valueOf).collect(Collectors.joining(","))
                        + "]}")
                .collect(Collectors.joining(",")) + "]}";
    }
}
