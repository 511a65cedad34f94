package io.runnel.cli.client;

import io.runnel.common.TopicNames;
import io.runnel.common.TopicPartition;
import io.runnel.common.config.BrokerDynamicConfig;
import io.runnel.common.config.TopicConfig;
import io.runnel.metadata.controller.ReplicaPlacer;
import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterPartitionReassignmentsResponse;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.Node;
import io.runnel.proto.OngoingPartitionReassignment;
import io.runnel.proto.PartitionMetadata;
import io.runnel.proto.ReassignablePartitionResult;
import io.runnel.proto.ReassignableTopicResult;
import io.runnel.proto.ResourceType;
import io.runnel.proto.TopicMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runnel partitions reassign}: Kafka's {@code kafka-reassign-partitions} over the
 * AlterPartitionReassignments and ListPartitionReassignments admin calls. See docs/cli.md. Each
 * invocation runs on the caller's thread; not thread-safe.
 */
@Command(name = "partitions", description = "Move partition replicas between brokers.", mixinStandardHelpOptions = true,
        subcommands = PartitionsCommand.Reassign.class)
public final class PartitionsCommand implements Callable<Integer> {

    /** Largest plan file read: 10,000 entries of a few hundred bytes fit many times over. */
    static final long PLAN_BYTES_MAX = 16L * 1024 * 1024;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: reassign");
    }

    @Command(name = "reassign", mixinStandardHelpOptions = true,
            description = {"Propose (--generate), start (--execute), follow (--verify), cancel (--cancel) or list (--list) "
                    + "partition reassignments. Plans use the JSON format of Kafka's kafka-reassign-partitions."})
    static final class Reassign extends ClientCommand {

        @ArgGroup(exclusive = true, multiplicity = "1")
        Mode mode;

        static final class Mode {
            @Option(names = "--generate", required = true,
                    description = "Print the current assignment of --topics and a plan spreading them over --brokers.")
            boolean generate;

            @Option(names = "--execute", required = true, description = "Start the reassignments of --plan.")
            boolean execute;

            @Option(names = "--verify", required = true,
                    description = "Print the progress of each partition of --plan; once all are done, remove the throttles.")
            boolean verify;

            @Option(names = "--cancel", required = true,
                    description = "Cancel the reassignments of --plan that are in progress and remove the throttles.")
            boolean cancel;

            @Option(names = "--list", required = true, description = "List every reassignment in progress.")
            boolean list;
        }

        @Option(names = "--plan", paramLabel = "FILE",
                description = "The plan: {\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2]}]}.")
        Path plan;

        @Option(names = "--brokers", paramLabel = "ID[,ID...]", split = ",",
                description = "With --generate: the brokers to place replicas on.")
        List<Integer> brokers = new ArrayList<>();

        @Option(names = "--topics", paramLabel = "TOPIC[,TOPIC...]", split = ",",
                description = "With --generate: the topics to move.")
        List<String> topics = new ArrayList<>();

        @Option(names = "--disable-rack-aware", description = "With --generate: ignore the brokers' racks.")
        boolean disableRackAware;

        @Option(names = "--throttle", paramLabel = "BYTES_PER_SEC", defaultValue = "-1",
                description = "With --execute: limit the moving replicas' replication to this many bytes/s per broker.")
        long throttleBytesPerSec;

        @Option(names = "--additional", description = "With --execute: start even if other reassignments are in progress.")
        boolean additional;

        @Option(names = "--preserve-throttles", description = "With --verify or --cancel: leave the throttles in place.")
        boolean preserveThrottles;

        @Override
        public Integer call() {
            checkOptions();
            try (AdminConnection admin = admin()) {
                if (mode.generate) {
                    generate(admin);
                } else if (mode.execute) {
                    execute(admin, readPlan());
                } else if (mode.verify) {
                    verify(admin, readPlan());
                } else if (mode.cancel) {
                    cancel(admin, readPlan());
                } else {
                    list(admin);
                }
            }
            return 0;
        }

        private void checkOptions() {
            boolean needsPlan = mode.execute || mode.verify || mode.cancel;
            requireOption(needsPlan == (plan != null), "--plan", needsPlan ? "is required with this mode"
                    : "is used only with --execute, --verify and --cancel");
            requireOption(mode.generate || (brokers.isEmpty() && topics.isEmpty() && !disableRackAware),
                    "--brokers, --topics and --disable-rack-aware", "are used only with --generate");
            if (mode.generate) {
                requireOption(!brokers.isEmpty() && !topics.isEmpty(), "--generate", "needs --brokers and --topics");
                requireOption(new TreeSet<>(brokers).size() == brokers.size(), "--brokers", "lists a broker twice: " + brokers);
                requireOption(brokers.stream().allMatch(b -> b >= 0), "--brokers", "holds a negative id: " + brokers);
                topics.forEach(TopicNames::validate);
            }
            requireOption(mode.execute || throttleBytesPerSec == -1, "--throttle", "is used only with --execute");
            requireOption(throttleBytesPerSec == -1 || throttleBytesPerSec > 0, "--throttle",
                    "must be a positive number of bytes per second, not " + throttleBytesPerSec);
            requireOption(mode.execute || !additional, "--additional", "is used only with --execute");
            requireOption(mode.verify || mode.cancel || !preserveThrottles, "--preserve-throttles",
                    "is used only with --verify and --cancel");
        }

        private void requireOption(boolean ok, String option, String problem) {
            if (!ok) {
                throw new CommandLine.ParameterException(spec.commandLine(), option + " " + problem);
            }
        }

        private ReassignmentPlan readPlan() {
            try {
                if (Files.size(plan) > PLAN_BYTES_MAX) {
                    throw new IllegalArgumentException("plan file '" + plan + "' is larger than " + PLAN_BYTES_MAX + " bytes");
                }
                return ReassignmentPlan.parse(Files.readString(plan, StandardCharsets.UTF_8), plan.toString());
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("plan file '" + plan + "' does not exist");
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read plan file '" + plan + "': " + e.getMessage(), e);
            }
        }

        // ------------------------------------------------------------ generate

        private void generate(AdminConnection admin) {
            Map<Integer, Node> live = new TreeMap<>();
            admin.describeCluster(false).getBrokersList().forEach(node -> live.put(node.getId(), node));
            List<Integer> unknown = brokers.stream().filter(b -> !live.containsKey(b)).toList();
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("--brokers names " + ids(unknown)
                        + ", which the cluster does not list among its unfenced brokers " + ids(live.keySet()));
            }
            List<ReplicaPlacer.Broker> placement = brokers.stream()
                    .map(id -> new ReplicaPlacer.Broker(id, disableRackAware ? "" : live.get(id).getRack())).toList();
            Map<TopicPartition, List<Integer>> current = currentAssignment(admin, topics);
            Map<TopicPartition, OngoingPartitionReassignment> ongoing = admin.listPartitionReassignments(List.of());
            List<ReassignmentPlan.Move> currentMoves = new ArrayList<>();
            List<ReassignmentPlan.Move> proposed = new ArrayList<>();
            Random random = new Random();
            for (String topic : new LinkedHashSet<>(topics)) {
                List<TopicPartition> partitions = current.keySet().stream().filter(tp -> tp.topic().equals(topic)).toList();
                partitions.forEach(tp -> currentMoves.add(new ReassignmentPlan.Move(topic, tp.partition(),
                        original(current.get(tp), ongoing.get(tp)))));
                int replicationFactor = target(current.get(partitions.get(0)), ongoing.get(partitions.get(0))).size();
                if (replicationFactor > placement.size()) {
                    throw new IllegalArgumentException("topic '" + topic + "' has replication factor " + replicationFactor
                            + ", more than the " + placement.size() + " brokers of --brokers");
                }
                List<List<Integer>> assignment = ReplicaPlacer.placeOn(placement, 0, partitions.size(), replicationFactor,
                        random);
                for (int p = 0; p < partitions.size(); p++) {
                    proposed.add(new ReassignmentPlan.Move(topic, p, assignment.get(p)));
                }
            }
            out().println("Current partition replica assignment");
            out().println(new ReassignmentPlan(currentMoves).toJson());
            out().println();
            out().println("Proposed partition reassignment configuration");
            out().println(new ReassignmentPlan(proposed).toJson());
        }

        // ------------------------------------------------------------ execute

        private void execute(AdminConnection admin, ReassignmentPlan plan) {
            Map<TopicPartition, List<Integer>> current = currentAssignment(admin, plan.topics());
            for (ReassignmentPlan.Move move : plan.moves()) {
                if (!current.containsKey(move.topicPartition())) {
                    throw new IllegalArgumentException("partition " + move.topicPartition() + " of the plan does not exist");
                }
            }
            Map<TopicPartition, OngoingPartitionReassignment> ongoing = admin.listPartitionReassignments(List.of());
            if (!ongoing.isEmpty() && !additional) {
                throw new IllegalArgumentException("cannot execute: reassignments are in progress for "
                        + ongoing.keySet().stream().map(TopicPartition::toString).collect(Collectors.joining(","))
                        + "; run --verify until they finish, --cancel them, or add --additional "
                        + "(a new target for a partition in progress replaces its reassignment)");
            }
            List<ReassignmentPlan.Move> rollback = plan.moves().stream().map(move -> new ReassignmentPlan.Move(
                    move.topic(), move.partition(), original(current.get(move.topicPartition()),
                    ongoing.get(move.topicPartition())))).toList();
            out().println("Current partition replica assignment");
            out().println();
            out().println(new ReassignmentPlan(rollback).toJson());
            out().println();
            out().println("Save this to use as the --plan option during rollback");
            if (throttleBytesPerSec > 0) {
                setThrottles(admin, plan, current);
            }
            Map<TopicPartition, Optional<List<Integer>>> request = new LinkedHashMap<>();
            plan.moves().forEach(move -> request.put(move.topicPartition(), Optional.of(move.replicas())));
            report(admin.alterPartitionReassignments(request), "started partition reassignments for", "reassigning");
        }

        /**
         * Kafka's throttle for a reassignment: on each moving partition (one whose replica set changes) the
         * current replicas are leader-throttled (any of them may be the leader that serves the new ones) and
         * the replicas being added are follower-throttled; every broker involved gets the rate both ways.
         */
        private void setThrottles(AdminConnection admin, ReassignmentPlan plan, Map<TopicPartition, List<Integer>> current) {
            Map<String, List<String>> leaderReplicas = new LinkedHashMap<>();
            Map<String, List<String>> followerReplicas = new LinkedHashMap<>();
            Set<Integer> involved = new TreeSet<>();
            for (ReassignmentPlan.Move move : plan.moves()) {
                List<Integer> now = current.get(move.topicPartition());
                if (new TreeSet<>(now).equals(new TreeSet<>(move.replicas()))) {
                    continue;
                }
                involved.addAll(now);
                involved.addAll(move.replicas());
                List<String> leaders = leaderReplicas.computeIfAbsent(move.topic(), t -> new ArrayList<>());
                now.forEach(b -> leaders.add(move.partition() + ":" + b));
                List<String> followers = followerReplicas.computeIfAbsent(move.topic(), t -> new ArrayList<>());
                move.replicas().stream().filter(b -> !now.contains(b)).forEach(b -> followers.add(move.partition() + ":" + b));
            }
            List<AlterConfigsResource> resources = new ArrayList<>();
            leaderReplicas.forEach((topic, leaders) -> {
                AlterConfigsResource.Builder resource = AlterConfigsResource.newBuilder()
                        .setType(ResourceType.TOPIC).setName(topic)
                        .addConfigs(set(TopicConfig.LEADER_REPLICATION_THROTTLED_REPLICAS, String.join(",", leaders)));
                List<String> followers = followerReplicas.get(topic);
                if (!followers.isEmpty()) {
                    resource.addConfigs(set(TopicConfig.FOLLOWER_REPLICATION_THROTTLED_REPLICAS, String.join(",", followers)));
                }
                resources.add(resource.build());
            });
            for (int broker : involved) {
                resources.add(AlterConfigsResource.newBuilder().setType(ResourceType.BROKER).setName(String.valueOf(broker))
                        .addConfigs(set(BrokerDynamicConfig.LEADER_REPLICATION_THROTTLED_RATE, String.valueOf(throttleBytesPerSec)))
                        .addConfigs(set(BrokerDynamicConfig.FOLLOWER_REPLICATION_THROTTLED_RATE, String.valueOf(throttleBytesPerSec)))
                        .build());
            }
            admin.alterConfigs(resources);
            out().println("Warning: You must run --verify periodically, until the reassignment completes, to ensure the "
                    + "throttle is removed.");
            out().println("The inter-broker throttle limit was set to " + throttleBytesPerSec + " B/s on brokers " + ids(involved));
        }

        private static AlterableConfig set(String key, String value) {
            return AlterableConfig.newBuilder().setName(key).setOp(AlterConfigOp.SET).setValue(value).build();
        }

        // ------------------------------------------------------------ verify, cancel, list

        private void verify(AdminConnection admin, ReassignmentPlan plan) {
            Map<TopicPartition, List<Integer>> current = currentAssignment(admin, plan.topics());
            Map<TopicPartition, OngoingPartitionReassignment> ongoing =
                    admin.listPartitionReassignments(new ArrayList<>(plan.byPartition().keySet()));
            boolean anyInProgress = false;
            out().println("Status of partition reassignment:");
            for (ReassignmentPlan.Move move : plan.moves()) {
                TopicPartition tp = move.topicPartition();
                OngoingPartitionReassignment moving = ongoing.get(tp);
                List<Integer> replicas = current.get(tp);
                if (moving != null) {
                    anyInProgress = true;
                    out().println("Reassignment of partition " + tp + " is still in progress (replicas: "
                            + ids(moving.getReplicasList()) + "; adding: " + ids(moving.getAddingReplicasList())
                            + "; removing: " + ids(moving.getRemovingReplicasList()) + ").");
                } else if (replicas.equals(move.replicas())) {
                    out().println("Reassignment of partition " + tp + " is complete.");
                } else {
                    out().println("There is no active reassignment of partition " + tp + ", but replica set is "
                            + ids(replicas) + " rather than " + ids(move.replicas()) + ".");
                }
            }
            if (!anyInProgress && !preserveThrottles) {
                clearThrottles(admin, plan, current);
            }
        }

        private void cancel(AdminConnection admin, ReassignmentPlan plan) {
            Map<TopicPartition, OngoingPartitionReassignment> ongoing =
                    admin.listPartitionReassignments(new ArrayList<>(plan.byPartition().keySet()));
            if (ongoing.isEmpty()) {
                out().println("None of the plan's partition reassignments are in progress.");
            } else {
                Map<TopicPartition, Optional<List<Integer>>> request = new LinkedHashMap<>();
                ongoing.keySet().forEach(tp -> request.put(tp, Optional.empty()));
                report(admin.alterPartitionReassignments(request), "cancelled partition reassignments for", "cancelling");
            }
            if (!preserveThrottles) {
                clearThrottles(admin, plan, currentAssignment(admin, plan.topics()));
            }
        }

        private void list(AdminConnection admin) {
            Map<TopicPartition, OngoingPartitionReassignment> ongoing = admin.listPartitionReassignments(List.of());
            if (ongoing.isEmpty()) {
                out().println("No partition reassignments found.");
                return;
            }
            out().println("Current partition reassignments:");
            ongoing.forEach((tp, moving) -> out().println(tp + ": replicas: " + ids(moving.getReplicasList())
                    + ". adding: " + ids(moving.getAddingReplicasList()) + ". removing: "
                    + ids(moving.getRemovingReplicasList()) + "."));
        }

        /** Removes the throttle keys from the plan's topics and from every broker that may hold a rate. */
        private void clearThrottles(AdminConnection admin, ReassignmentPlan plan, Map<TopicPartition, List<Integer>> current) {
            Set<Integer> brokers = new TreeSet<>();
            admin.describeCluster(false).getBrokersList().forEach(node -> brokers.add(node.getId()));
            plan.moves().forEach(move -> brokers.addAll(move.replicas()));
            current.values().forEach(brokers::addAll);
            List<AlterConfigsResource> resources = new ArrayList<>();
            for (int broker : brokers) {
                resources.add(AlterConfigsResource.newBuilder().setType(ResourceType.BROKER).setName(String.valueOf(broker))
                        .addConfigs(delete(BrokerDynamicConfig.LEADER_REPLICATION_THROTTLED_RATE))
                        .addConfigs(delete(BrokerDynamicConfig.FOLLOWER_REPLICATION_THROTTLED_RATE)).build());
            }
            for (String topic : plan.topics()) {
                resources.add(AlterConfigsResource.newBuilder().setType(ResourceType.TOPIC).setName(topic)
                        .addConfigs(delete(TopicConfig.LEADER_REPLICATION_THROTTLED_REPLICAS))
                        .addConfigs(delete(TopicConfig.FOLLOWER_REPLICATION_THROTTLED_REPLICAS)).build());
            }
            admin.alterConfigs(resources);
            out().println("Clearing broker-level throttles on brokers " + ids(brokers));
            out().println("Clearing topic-level throttles on topics " + String.join(",", plan.topics()));
        }

        private static AlterableConfig delete(String key) {
            return AlterableConfig.newBuilder().setName(key).setOp(AlterConfigOp.DELETE).build();
        }

        /** Prints the partitions that succeeded; errors go to stderr and fail the command. */
        private void report(AlterPartitionReassignmentsResponse response, String success, String verb) {
            List<String> done = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (ReassignableTopicResult topic : response.getTopicsList()) {
                for (ReassignablePartitionResult result : topic.getPartitionsList()) {
                    String name = topic.getName() + "-" + result.getPartition();
                    if (result.getError() == ErrorCode.NONE) {
                        done.add(name);
                    } else {
                        failed.add(name);
                        err().println("Error " + verb + " partition " + name + ": " + result.getError() + ": "
                                + result.getErrorMessage());
                    }
                }
            }
            if (!done.isEmpty()) {
                out().println("Successfully " + success + " " + String.join(",", done));
            }
            if (!failed.isEmpty()) {
                throw new CommandFailedException(failed.size() + " of " + (done.size() + failed.size())
                        + " partitions failed: " + String.join(",", failed));
            }
        }

        // ------------------------------------------------------------ helpers

        /** Replica lists (as the brokers report them: target first during a move) of every partition of {@code topics}. */
        private static Map<TopicPartition, List<Integer>> currentAssignment(AdminConnection admin, List<String> topics) {
            Map<TopicPartition, List<Integer>> current = new LinkedHashMap<>();
            for (String name : new LinkedHashSet<>(topics)) {
                TopicMetadata topic = admin.topic(name);
                topic.getPartitionsList().stream().sorted(Comparator.comparingInt(PartitionMetadata::getPartition))
                        .forEach(p -> current.put(new TopicPartition(name, p.getPartition()), List.copyOf(p.getReplicasList())));
            }
            return current;
        }

        /** The replicas before a reassignment in progress (what a cancel restores), else {@code replicas}. */
        private static List<Integer> original(List<Integer> replicas, OngoingPartitionReassignment moving) {
            return moving == null ? replicas
                    : replicas.stream().filter(b -> !moving.getAddingReplicasList().contains(b)).toList();
        }

        /** The replicas a reassignment in progress moves to, else {@code replicas}. */
        private static List<Integer> target(List<Integer> replicas, OngoingPartitionReassignment moving) {
            return moving == null ? replicas
                    : replicas.stream().filter(b -> !moving.getRemovingReplicasList().contains(b)).toList();
        }

        private static String ids(java.util.Collection<Integer> ids) {
            return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
    }
}
