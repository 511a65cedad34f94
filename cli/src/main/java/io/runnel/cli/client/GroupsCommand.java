package io.runnel.cli.client;

import io.runnel.client.admin.ConsumerGroupDescription;
import io.runnel.client.admin.ConsumerGroupListing;
import io.runnel.client.admin.MemberDescription;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.OffsetAndTimestamp;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.serialization.ByteArrayDeserializer;
import io.runnel.common.TopicNames;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runnel groups list|describe|reset-offsets|delete|delete-offsets}: consumer group administration, as
 * Kafka's {@code kafka-consumer-groups} does it (docs/cli.md). Each invocation runs on the caller's thread;
 * not thread-safe.
 */
@Command(name = "groups", description = "List, describe, reset the offsets of and delete consumer groups.",
        mixinStandardHelpOptions = true,
        subcommands = {GroupsCommand.ListGroups.class, GroupsCommand.Describe.class, GroupsCommand.ResetOffsets.class,
                GroupsCommand.Delete.class, GroupsCommand.DeleteOffsets.class})
public final class GroupsCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: one of list, describe, reset-offsets, delete, delete-offsets");
    }

    /** An admin client on the command's options. */
    static RunnelAdmin groupAdmin(ClientOptions client) {
        Properties properties = ClientProperties.build(client, io.runnel.client.admin.AdminConfig.configNames(), Map.of(), List.of());
        return new RunnelAdmin(properties);
    }

    /** A consumer without a group, for offset lookups (log start and end, by time). */
    static RunnelConsumer<byte[], byte[]> lookups(ClientOptions client) {
        Properties properties = ClientProperties.build(client, io.runnel.client.consumer.ConsumerConfig.configNames(),
                Map.of(), List.of());
        return new RunnelConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The future's value, or its ApiException (the one line Main prints). */
    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailedException("interrupted");
        }
    }

    static ConsumerGroupDescription describeGroup(RunnelAdmin admin, String group) {
        return await(admin.describeConsumerGroups(List.of(group)).value(group));
    }

    /** Parses {@code topic} or {@code topic:0,1,2}; without partitions, every partition of the topic. */
    static List<TopicPartition> partitionsOf(List<String> specs, RunnelConsumer<byte[], byte[]> lookups) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String spec : specs) {
            int colon = spec.indexOf(':');
            String topic = colon < 0 ? spec : spec.substring(0, colon);
            TopicNames.validate(topic);
            if (colon < 0) {
                int count = lookups.partitionsFor(topic).size();
                if (count == 0) {
                    throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + topic + "' does not exist");
                }
                for (int p = 0; p < count; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
                continue;
            }
            for (String number : spec.substring(colon + 1).split(",")) {
                try {
                    int partition = Integer.parseInt(number.trim());
                    if (partition < 0) {
                        throw new NumberFormatException();
                    }
                    partitions.add(new TopicPartition(topic, partition));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--topic " + spec + ": '" + number.trim()
                            + "' is not a partition number (use TOPIC or TOPIC:P,P,...)");
                }
            }
        }
        return partitions;
    }

    @Command(name = "list", description = "List consumer groups, one per line (with --state: and their states).",
            mixinStandardHelpOptions = true)
    static final class ListGroups extends ClientCommand {

        @Option(names = "--state", description = "Print each group's state too.")
        boolean state;

        @Override
        public Integer call() {
            try (RunnelAdmin admin = groupAdmin(client)) {
                Collection<ConsumerGroupListing> groups = await(admin.listConsumerGroups());
                if (state) {
                    Table table = new Table("GROUP", "STATE");
                    groups.forEach(g -> table.row(g.groupId(), g.state()));
                    table.print(out());
                } else {
                    groups.forEach(g -> out().println(g.groupId()));
                }
            }
            return 0;
        }
    }

    @Command(name = "describe", description = "Describe a group: state, assignor and coordinator, its members and their "
            + "assignments, and per partition the committed offset, log end offset and lag.", mixinStandardHelpOptions = true)
    static final class Describe extends ClientCommand {

        @Parameters(index = "0", paramLabel = "GROUP")
        String group;

        @Option(names = "--state", description = "Only the group line (state, assignor, coordinator).")
        boolean stateOnly;

        @Option(names = "--members", description = "Only the members.")
        boolean membersOnly;

        @Option(names = "--offsets", description = "Only the offsets.")
        boolean offsetsOnly;

        @Override
        public Integer call() {
            boolean all = !stateOnly && !membersOnly && !offsetsOnly;
            try (RunnelAdmin admin = groupAdmin(client)) {
                ConsumerGroupDescription description = describeGroup(admin, group);
                if (all || stateOnly) {
                    Table table = new Table("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS", "EPOCH");
                    table.row(group, description.coordinator().host() + ":" + description.coordinator().port()
                                    + " (" + description.coordinator().id() + ")", description.assignor(), description.state(),
                            String.valueOf(description.members().size()), String.valueOf(description.groupEpoch()));
                    table.print(out());
                }
                if (all || membersOnly) {
                    printMembers(description);
                }
                if (all || offsetsOnly) {
                    printOffsets(admin, description);
                }
            }
            return 0;
        }

        private void printMembers(ConsumerGroupDescription description) {
            if (description.members().isEmpty()) {
                out().println();
                out().println("Consumer group '" + group + "' has no active members.");
                return;
            }
            out().println();
            Table table = new Table("CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "EPOCH", "STATE", "#PARTITIONS", "ASSIGNMENT");
            for (MemberDescription member : description.members()) {
                table.row(member.memberId(), member.groupInstanceId().orElse("-"), member.host(), member.clientId(),
                        String.valueOf(member.memberEpoch()), member.memberState(), String.valueOf(member.assignment().size()),
                        assignment(member.assignment()));
            }
            table.print(out());
        }

        /** {@code t(0,1),u(2)}; "-" when empty. */
        private static String assignment(Set<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return "-";
            }
            Map<String, List<Integer>> byTopic = new TreeMap<>();
            new TreeSet<>(partitions).forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
            StringBuilder text = new StringBuilder();
            byTopic.forEach((topic, numbers) -> {
                if (text.length() > 0) {
                    text.append(',');
                }
                text.append(topic).append('(').append(String.join(",", numbers.stream().map(String::valueOf).toList())).append(')');
            });
            return text.toString();
        }

        private void printOffsets(RunnelAdmin admin, ConsumerGroupDescription description) {
            Map<TopicPartition, OffsetAndMetadata> committed = await(admin.listConsumerGroupOffsets(group));
            Map<TopicPartition, MemberDescription> owners = new HashMap<>();
            description.members().forEach(m -> m.assignment().forEach(tp -> owners.put(tp, m)));
            Set<TopicPartition> partitions = new TreeSet<>(committed.keySet());
            partitions.addAll(owners.keySet());
            out().println();
            if (partitions.isEmpty()) {
                out().println("Consumer group '" + group + "' has no committed offsets and no assigned partitions.");
                return;
            }
            Map<TopicPartition, Long> ends;
            try (RunnelConsumer<byte[], byte[]> lookups = lookups(client)) {
                ends = lookups.endOffsets(partitions);
            }
            Table table = new Table("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST",
                    "CLIENT-ID");
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata offset = committed.get(tp);
                Long end = ends.get(tp);
                MemberDescription owner = owners.get(tp);
                table.row(group, tp.topic(), String.valueOf(tp.partition()), offset == null ? "-" : String.valueOf(offset.offset()),
                        end == null ? "-" : String.valueOf(end),
                        offset == null || end == null ? "-" : String.valueOf(Math.max(0, end - offset.offset())),
                        owner == null ? "-" : owner.memberId(), owner == null ? "-" : owner.host(),
                        owner == null ? "-" : owner.clientId());
            }
            table.print(out());
        }
    }

    @Command(name = "reset-offsets", description = "Reset the committed offsets of an inactive group (no members): "
            + "dry run by default, --execute to commit.", mixinStandardHelpOptions = true)
    static final class ResetOffsets extends ClientCommand {

        @Option(names = "--group", required = true, paramLabel = "GROUP")
        String group;

        @Option(names = "--topic", paramLabel = "TOPIC[:P,P...]", description = "Partitions to reset (every partition without :P). Repeatable.")
        List<String> topics = new ArrayList<>();

        @Option(names = "--all-topics", description = "Every partition the group has a committed offset for.")
        boolean allTopics;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--to-earliest", description = "The log start offset.")
            boolean earliest;

            @Option(names = "--to-latest", description = "The log end offset.")
            boolean latest;

            @Option(names = "--to-offset", paramLabel = "N", description = "Offset N (kept within the log).")
            Long offset;

            @Option(names = "--to-datetime", paramLabel = "ISO", description = "The first record at or after the time, "
                    + "e.g. 2024-05-01T12:00:00 (local time) or 2024-05-01T12:00:00Z.")
            String datetime;

            @Option(names = "--by-duration", paramLabel = "PnDTnHnM", description = "The first record at or after now minus "
                    + "the duration, e.g. PT1H or P1DT2H30M.")
            String duration;

            @Option(names = "--shift-by", paramLabel = "N", description = "The committed offset plus N (negative: back), kept within the log.")
            Long shift;
        }

        @Option(names = "--dry-run", description = "Print the new offsets only (the default).")
        boolean dryRun;

        @Option(names = "--execute", description = "Commit the new offsets.")
        boolean execute;

        @Override
        public Integer call() {
            if (dryRun && execute) {
                throw new IllegalArgumentException("--dry-run and --execute exclude each other");
            }
            if (topics.isEmpty() == !allTopics) {
                throw new IllegalArgumentException("name the partitions with --topic TOPIC[:P,P...] or --all-topics (one of them)");
            }
            // Bad input is named before the cluster is asked anything.
            Long byTime = null;
            if (target.datetime != null) {
                byTime = parseDateTime(target.datetime);
            } else if (target.duration != null) {
                byTime = System.currentTimeMillis() - parseDuration(target.duration).toMillis();
            }
            Long searchTime = byTime;
            try (RunnelAdmin admin = groupAdmin(client); RunnelConsumer<byte[], byte[]> lookups = lookups(client)) {
                ConsumerGroupDescription description = describeGroup(admin, group);
                if (!description.members().isEmpty()) {
                    throw new ApiException(ErrorCode.NON_EMPTY_GROUP, "offsets of group '" + group + "' can only be reset while "
                            + "it is inactive, but it has " + description.members().size() + " member(s) (state "
                            + description.state() + "); stop its consumers first");
                }
                Map<TopicPartition, OffsetAndMetadata> committed = await(admin.listConsumerGroupOffsets(group));
                List<TopicPartition> partitions = allTopics ? new ArrayList<>(new TreeSet<>(committed.keySet()))
                        : partitionsOf(topics, lookups);
                Map<TopicPartition, Long> next = newOffsets(partitions, committed, lookups, searchTime);
                Table table = new Table("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
                next.forEach((tp, offset) -> table.row(group, tp.topic(), String.valueOf(tp.partition()), String.valueOf(offset)));
                table.print(out());
                if (execute) {
                    Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
                    next.forEach((tp, offset) -> offsets.put(tp, new OffsetAndMetadata(offset)));
                    await(admin.alterConsumerGroupOffsets(group, offsets).all());
                } else {
                    err().println("Dry run: nothing was committed (use --execute to commit these offsets).");
                }
            }
            return 0;
        }

        private Map<TopicPartition, Long> newOffsets(List<TopicPartition> partitions, Map<TopicPartition, OffsetAndMetadata> committed,
                                                     RunnelConsumer<byte[], byte[]> lookups, Long byTime) {
            Map<TopicPartition, Long> starts = lookups.beginningOffsets(partitions);
            Map<TopicPartition, Long> ends = lookups.endOffsets(partitions);
            Map<TopicPartition, Long> result = new TreeMap<>();
            Map<TopicPartition, OffsetAndTimestamp> found = Map.of();
            if (byTime != null) {
                Map<TopicPartition, Long> search = new LinkedHashMap<>();
                partitions.forEach(tp -> search.put(tp, byTime));
                found = lookups.offsetsForTimes(search);
            }
            for (TopicPartition tp : partitions) {
                long start = starts.get(tp);
                long end = ends.get(tp);
                long offset;
                if (target.earliest) {
                    offset = start;
                } else if (target.latest) {
                    offset = end;
                } else if (target.offset != null) {
                    offset = target.offset;
                } else if (target.shift != null) {
                    OffsetAndMetadata current = committed.get(tp);
                    if (current == null) {
                        throw new ApiException(ErrorCode.INVALID_REQUEST, "--shift-by needs a committed offset, and group '"
                                + group + "' has none for " + tp);
                    }
                    offset = current.offset() + target.shift;
                } else {
                    OffsetAndTimestamp at = found.get(tp);
                    offset = at == null ? end : at.offset();
                }
                result.put(tp, Math.max(start, Math.min(end, offset)));
            }
            return result;
        }

        static long parseDateTime(String text) {
            try {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (DateTimeParseException withoutZone) {
                try {
                    return LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
                } catch (DateTimeParseException e) {
                    try {
                        return Instant.parse(text).toEpochMilli();
                    } catch (DateTimeParseException again) {
                        throw new IllegalArgumentException("--to-datetime '" + text + "' is not an ISO date-time such as "
                                + "2024-05-01T12:00:00 or 2024-05-01T12:00:00+02:00");
                    }
                }
            }
        }

        static Duration parseDuration(String text) {
            try {
                Duration duration = Duration.parse(text);
                if (duration.isNegative()) {
                    throw new IllegalArgumentException("--by-duration '" + text + "' is negative");
                }
                return duration;
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--by-duration '" + text + "' is not an ISO-8601 duration such as PT1H or P1DT2H30M");
            }
        }
    }

    @Command(name = "delete", description = "Delete empty groups with their committed offsets.", mixinStandardHelpOptions = true)
    static final class Delete extends ClientCommand {

        @Parameters(paramLabel = "GROUP", arity = "1..*")
        List<String> groups;

        @Override
        public Integer call() {
            try (RunnelAdmin admin = groupAdmin(client)) {
                var result = admin.deleteConsumerGroups(groups);
                List<String> failures = new ArrayList<>();
                List<String> deleted = new ArrayList<>();
                for (String group : new java.util.LinkedHashSet<>(groups)) {
                    try {
                        await(result.value(group));
                        deleted.add(group);
                    } catch (ApiException e) {
                        failures.add("group '" + group + "' could not be deleted: " + e.code() + ": " + e.getMessage());
                    }
                }
                if (!deleted.isEmpty()) {
                    out().println("Deletion of requested consumer groups (" + String.join(", ", deleted.stream()
                            .map(g -> "'" + g + "'").toList()) + ") was successful.");
                }
                failures.forEach(err()::println);
                if (!failures.isEmpty()) {
                    throw new CommandFailedException(failures.size() == 1 ? failures.get(0) : failures.size() + " groups could not be deleted");
                }
            }
            return 0;
        }
    }

    @Command(name = "delete-offsets", description = "Delete a group's committed offsets of topics no member subscribes to.",
            mixinStandardHelpOptions = true)
    static final class DeleteOffsets extends ClientCommand {

        @Option(names = "--group", required = true, paramLabel = "GROUP")
        String group;

        @Option(names = "--topic", required = true, paramLabel = "TOPIC[:P,P...]", description = "Repeatable.")
        List<String> topics = new ArrayList<>();

        @Override
        public Integer call() {
            try (RunnelAdmin admin = groupAdmin(client); RunnelConsumer<byte[], byte[]> lookups = lookups(client)) {
                List<TopicPartition> partitions = partitionsOf(topics, lookups);
                var result = admin.deleteConsumerGroupOffsets(group, new java.util.LinkedHashSet<>(partitions));
                Table table = new Table("TOPIC", "PARTITION", "STATUS");
                int failed = 0;
                for (TopicPartition tp : new TreeSet<>(partitions)) {
                    String status = "Successful";
                    try {
                        await(result.value(tp));
                    } catch (ApiException e) {
                        if (e.code() == ErrorCode.GROUP_ID_NOT_FOUND || e.code() == ErrorCode.INVALID_GROUP_ID) {
                            throw e;
                        }
                        status = "Error: " + e.code() + ": " + e.getMessage();
                        failed++;
                    }
                    table.row(tp.topic(), String.valueOf(tp.partition()), status);
                }
                table.print(out());
                if (failed > 0) {
                    throw new CommandFailedException(failed + " of " + partitions.size() + " offsets of group '" + group
                            + "' could not be deleted");
                }
            }
            return 0;
        }
    }

    /** Rows printed as columns padded to their widest cell, as Kafka's tools print tables. Not thread-safe. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(String... cells) {
            rows.add(cells);
        }

        void print(java.io.PrintWriter out) {
            int columns = rows.get(0).length;
            int[] widths = new int[columns];
            for (String[] row : rows) {
                for (int c = 0; c < columns; c++) {
                    widths[c] = Math.max(widths[c], row[c].length());
                }
            }
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int c = 0; c < columns; c++) {
                    line.append(c == columns - 1 ? row[c] : String.format("%-" + (widths[c] + 2) + "s", row[c]));
                }
                out.println(line.toString().stripTrailing());
            }
            out.flush();
        }
    }
}
