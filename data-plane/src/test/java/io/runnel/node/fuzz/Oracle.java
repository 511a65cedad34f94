package io.runnel.node.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.record.RecordBatch;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResponse;
import io.runnel.proto.AlterConfigsResult;
import io.runnel.proto.CreatableTopicResult;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsResponse;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.CreatePartitionsTopicResult;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.CreateTopicsResponse;
import io.runnel.proto.DeletableTopicResult;
import io.runnel.proto.DeleteRecordsPartitionResult;
import io.runnel.proto.DeleteRecordsResponse;
import io.runnel.proto.DeleteRecordsTopicResult;
import io.runnel.proto.DeleteTopicsResponse;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.MetadataResponse;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceResponse;
import io.runnel.proto.ResourceType;
import io.runnel.proto.TopicMetadata;
import io.runnel.proto.TopicProduceData;
import io.runnel.proto.TopicProduceResponse;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The invariants every fuzz request is judged by, given what the fuzzer sent, what came back and the
 * state of the worker's own topics before and after:
 * <ul>
 *   <li>no INTERNAL, UNKNOWN (or other status a Runnel server never sends on purpose); a failure carries
 *       Runnel's ErrorInfo; malformed bytes and unknown enum values are INVALID_REQUEST;</li>
 *   <li>no UNKNOWN_SERVER_ERROR anywhere in a response; every error text printable ASCII and bounded;</li>
 *   <li>nothing appended for a refused request, and exactly the records of an accepted one, at the
 *       offset the answer gives;</li>
 *   <li>nothing changed by a request reported as failed, whole or per item; a change only where the
 *       answer says one was made (a timed-out write whose outcome is unknown is settled, not judged).</li>
 * </ul>
 * Stateless; violations go to the given sink.
 */
final class Oracle {

    /** Status codes a Runnel server sends on purpose (each with an ErrorInfo, except admission's RESOURCE_EXHAUSTED). */
    static final Set<Status.Code> EXPECTED_CODES = EnumSet.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
            Status.Code.NOT_FOUND, Status.Code.ALREADY_EXISTS, Status.Code.FAILED_PRECONDITION,
            Status.Code.RESOURCE_EXHAUSTED, Status.Code.UNIMPLEMENTED, Status.Code.DEADLINE_EXCEEDED,
            Status.Code.UNAVAILABLE, Status.Code.PERMISSION_DENIED);
    /** Longest error text a response may carry: ApiException's bound plus its cut note. */
    static final int ERROR_TEXT_CHARS_MAX = ApiException.MESSAGE_CHARS_MAX + 64;
    static final int STATUS_TEXT_CHARS_MAX = GrpcErrors.STATUS_MESSAGE_CHARS_MAX + 64;

    private Oracle() {
    }

    /** Checks a whole-call failure. */
    static void checkFailure(String label, StatusRuntimeException e, boolean expectInvalidRequest, Consumer<String> violations) {
        Status status = e.getStatus();
        boolean runnelError = GrpcErrors.errorInfo(e).isPresent();
        if (!EXPECTED_CODES.contains(status.getCode())) {
            violations.accept(label + ": status " + status.getCode() + " (" + status.getDescription() + ")");
            return;
        }
        if (!runnelError && status.getCode() != Status.Code.RESOURCE_EXHAUSTED) {
            violations.accept(label + ": status " + status.getCode() + " without Runnel's ErrorInfo: "
                    + status.getDescription() + (status.getCause() == null ? "" : " (" + status.getCause() + ")"));
        }
        if (expectInvalidRequest && status.getCode() != Status.Code.RESOURCE_EXHAUSTED
                && GrpcErrors.errorCode(e) != ErrorCode.INVALID_REQUEST) {
            violations.accept(label + ": expected INVALID_REQUEST, got " + status.getCode() + " "
                    + GrpcErrors.errorCode(e) + ": " + status.getDescription());
        }
        checkText(label, "status description", status.getDescription(), STATUS_TEXT_CHARS_MAX, violations);
    }

    /** Checks a successful answer: no UNKNOWN_SERVER_ERROR and printable, bounded error texts anywhere in it. */
    static void checkResponse(String label, Message response, boolean expectInvalidRequest, Consumer<String> violations) {
        if (expectInvalidRequest) {
            violations.accept(label + ": a malformed request or an unknown enum value was answered OK");
        }
        walk(label, response, "", violations);
    }

    private static void walk(String label, Message message, String path, Consumer<String> violations) {
        for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
            FieldDescriptor field = entry.getKey();
            List<?> values = field.isRepeated() ? (List<?>) entry.getValue() : List.of(entry.getValue());
            for (Object value : values) {
                String where = path + field.getName();
                if (value instanceof Message nested) {
                    walk(label, nested, where + ".", violations);
                } else if (value instanceof EnumValueDescriptor enumValue
                        && enumValue.getType().equals(ErrorCode.getDescriptor())
                        && enumValue.getNumber() == ErrorCode.UNKNOWN_SERVER_ERROR_VALUE) {
                    violations.accept(label + ": " + where + " is UNKNOWN_SERVER_ERROR in " + shortText(message));
                } else if (value instanceof String text && (field.getName().equals("error_message")
                        || field.getName().equals("message"))) {
                    checkText(label, where, text, ERROR_TEXT_CHARS_MAX, violations);
                }
            }
        }
    }

    private static void checkText(String label, String where, String text, int maxChars, Consumer<String> violations) {
        if (text == null) {
            return;
        }
        if (text.length() > maxChars) {
            violations.accept(label + ": " + where + " is " + text.length() + " characters long");
        }
        if (!text.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            violations.accept(label + ": " + where + " holds characters outside printable ASCII: "
                    + io.runnel.common.errors.ErrorText.printable(text, 200));
        }
    }

    /**
     * The states the worker's topics must be in after a request that was answered {@code response}
     * ({@code null}: the whole call failed, so nothing changed). {@code after} supplies the parts a
     * successful change may set freely (a new topic's id); what the answer promises is checked here.
     */
    static Map<String, TopicState> expectedAfter(String label, String method, Message request, Message response,
                                                 Map<String, TopicState> before, Map<String, TopicState> after,
                                                 Consumer<String> violations) {
        Map<String, TopicState> expected = new LinkedHashMap<>(before);
        if (response == null || request == null) {
            return expected;
        }
        Message unwrapped = unwrapControllerResponse(response);
        switch (method) {
            case "Produce" -> produced(label, (ProduceRequest) request, (ProduceResponse) unwrapped, before, expected, violations);
            case "CreateTopics" -> {
                boolean validateOnly = ((CreateTopicsRequest) request).getValidateOnly();
                for (CreatableTopicResult result : ((CreateTopicsResponse) unwrapped).getTopicsList()) {
                    TopicState was = before.get(result.getName());
                    if (was == null || result.getError() != ErrorCode.NONE || validateOnly) {
                        continue;
                    }
                    TopicState now = after.get(result.getName());
                    if (was.exists()) {
                        violations.accept(label + ": created topic " + result.getName() + ", which already existed");
                    }
                    if (!now.exists() || now.partitionCount() != result.getNumPartitions()) {
                        violations.accept(label + ": created " + result.getName() + " with " + result.getNumPartitions()
                                + " partitions, but the broker has " + now);
                    }
                    expected.put(result.getName(), now);
                }
            }
            case "DeleteTopics" -> {
                for (DeletableTopicResult result : ((DeleteTopicsResponse) unwrapped).getTopicsList()) {
                    if (before.containsKey(result.getName()) && result.getError() == ErrorCode.NONE) {
                        expected.put(result.getName(), TopicState.ABSENT);
                    }
                }
            }
            case "CreatePartitions" -> grown(label, (CreatePartitionsRequest) request, (CreatePartitionsResponse) unwrapped,
                    before, after, expected, violations);
            case "AlterConfigs" -> {
                if (!((AlterConfigsRequest) request).getValidateOnly()) {
                    for (AlterConfigsResult result : ((AlterConfigsResponse) unwrapped).getResultsList()) {
                        TopicState was = before.get(result.getName());
                        if (was != null && was.exists() && result.getType() == ResourceType.TOPIC
                                && result.getError() == ErrorCode.NONE) {
                            expected.put(result.getName(), was.withConfigs(after.get(result.getName()).configs()));
                        }
                    }
                }
            }
            case "DeleteRecords" -> {
                for (DeleteRecordsTopicResult topic : ((DeleteRecordsResponse) unwrapped).getTopicsList()) {
                    for (DeleteRecordsPartitionResult partition : topic.getPartitionsList()) {
                        TopicState was = expected.get(topic.getName());
                        if (was != null && partition.getError() == ErrorCode.NONE) {
                            expected.put(topic.getName(), was.withLogStart(partition.getPartition(), partition.getLowWatermark()));
                        }
                    }
                }
            }
            case "GetMetadata" -> {
                for (TopicMetadata topic : ((MetadataResponse) unwrapped).getTopicsList()) {
                    TopicState was = before.get(topic.getName());
                    if (was == null) {
                        continue;
                    }
                    TopicState now = after.get(topic.getName());
                    if (topic.getError() == ErrorCode.NONE && !was.exists()) {
                        expected.put(topic.getName(), now); // auto-created
                        if (!now.exists()) {
                            violations.accept(label + ": metadata described " + topic.getName() + ", which does not exist");
                        }
                    }
                }
            }
            default -> {
                // Reads, and writes the fuzzer has no model of: nothing may change.
            }
        }
        return expected;
    }

    private static void produced(String label, ProduceRequest request, ProduceResponse response, Map<String, TopicState> before,
                                 Map<String, TopicState> expected, Consumer<String> violations) {
        Map<String, Map<Integer, PartitionProduceData>> sent = new LinkedHashMap<>();
        for (TopicProduceData topic : request.getTopicsList()) {
            for (PartitionProduceData partition : topic.getPartitionsList()) {
                sent.computeIfAbsent(topic.getTopic(), t -> new LinkedHashMap<>()).putIfAbsent(partition.getPartition(),
                        partition);
            }
        }
        for (TopicProduceResponse topic : response.getTopicsList()) {
            for (PartitionProduceResponse partition : topic.getPartitionsList()) {
                TopicState was = expected.get(topic.getTopic());
                if (was == null || partition.getError() != ErrorCode.NONE) {
                    continue;
                }
                if (!was.exists() || partition.getPartition() >= was.partitionCount()) {
                    violations.accept(label + ": produce to " + topic.getTopic() + "-" + partition.getPartition()
                            + " answered NONE, but it did not exist");
                    continue;
                }
                long end = before.get(topic.getTopic()).logEndOffset(partition.getPartition());
                if (partition.getBaseOffset() != end) {
                    violations.accept(label + ": produce to " + topic.getTopic() + "-" + partition.getPartition()
                            + " answered base offset " + partition.getBaseOffset() + ", the log ended at " + end);
                }
                PartitionProduceData data = sent.getOrDefault(topic.getTopic(), Map.of()).get(partition.getPartition());
                long count = data == null ? 0 : data.hasMessages() ? data.getMessages().getRecordsCount()
                        : recordCount(data.getRecords());
                if (count == 0) {
                    violations.accept(label + ": produce to " + topic.getTopic() + "-" + partition.getPartition()
                            + " answered NONE for an entry without records");
                }
                expected.put(topic.getTopic(), was.withAppended(partition.getPartition(), count));
            }
        }
    }

    private static void grown(String label, CreatePartitionsRequest request, CreatePartitionsResponse response,
                              Map<String, TopicState> before, Map<String, TopicState> after, Map<String, TopicState> expected,
                              Consumer<String> violations) {
        if (request.getValidateOnly()) {
            return;
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (CreatePartitionsTopic topic : request.getTopicsList()) {
            counts.putIfAbsent(topic.getName(), topic.getCount());
        }
        for (CreatePartitionsTopicResult result : response.getResultsList()) {
            TopicState was = before.get(result.getName());
            if (was == null || result.getError() != ErrorCode.NONE) {
                continue;
            }
            TopicState now = after.get(result.getName());
            if (now.partitionCount() != counts.get(result.getName())
                    || !now.partitions().subList(0, Math.min(was.partitionCount(), now.partitionCount())).equals(was.partitions())) {
                violations.accept(label + ": grew " + result.getName() + " to " + counts.get(result.getName())
                        + " partitions: before " + was + ", after " + now);
            }
            expected.put(result.getName(), now);
        }
    }

    /** The record count of the batches in {@code records} (an accepted request holds only whole, valid batches). */
    static long recordCount(ByteString records) {
        if (records == null) {
            return 0;
        }
        ByteBuffer buffer = records.asReadOnlyByteBuffer();
        long count = 0;
        while (buffer.hasRemaining()) {
            RecordBatch batch = RecordBatch.readFrom(buffer);
            count += batch.recordCount();
            buffer.position(buffer.position() + batch.sizeInBytes());
        }
        return count;
    }

    /** The controller's admin answers wrap the broker-facing response in field {@code response}. */
    static Message unwrapControllerResponse(Message response) {
        FieldDescriptor inner = response.getDescriptorForType().findFieldByName("response");
        return inner != null && inner.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                ? (Message) response.getField(inner) : response;
    }

    static String shortText(Message message) {
        String text = com.google.protobuf.TextFormat.shortDebugString(message);
        return text.length() > 600 ? text.substring(0, 600) + "..." : text;
    }
}
