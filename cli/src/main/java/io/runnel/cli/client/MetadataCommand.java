package io.runnel.cli.client;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.cli.client.ClientOptions.HostPort;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.ControllerServiceGrpc;
import io.runnel.proto.FetchMetadataRequest;
import io.runnel.proto.MetadataDelivery;
import io.runnel.proto.metadata.MetadataRecord;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runnel metadata dump}: the metadata log in readable form, for debugging. Subscribes to a
 * controller's FetchMetadata stream as a tool (subscriber id -1), prints every record, and stops once
 * it has printed up to the controller's committed offset (or when {@code --timeout-ms} passes), then
 * exits 0. Runs on the caller's thread only.
 */
@Command(name = "metadata", description = "Inspect the metadata log.", mixinStandardHelpOptions = true,
        subcommands = MetadataCommand.Dump.class)
public final class MetadataCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: dump");
    }

    @Command(name = "dump", description = "Print the metadata records from a controller, oldest first.",
            mixinStandardHelpOptions = true)
    static final class Dump implements Callable<Integer> {

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--bootstrap-controller", paramLabel = "HOST:PORT", defaultValue = "localhost:9093",
                description = "A controller's address (default: ${DEFAULT-VALUE}).")
        String controller;

        @Option(names = "--from", paramLabel = "OFFSET", defaultValue = "-1",
                description = "Print records after this offset; -1 (default) starts with a snapshot of the whole image.")
        long fromOffset;

        @Option(names = "--timeout-ms", paramLabel = "T", defaultValue = "10000",
                description = "Stop after T ms even if not caught up (default: ${DEFAULT-VALUE}).")
        long timeoutMs;

        @Override
        public Integer call() {
            if (fromOffset < -1) {
                throw new IllegalArgumentException("--from must be -1 or an offset; got " + fromOffset);
            }
            HostPort address = HostPort.parse(controller, "--bootstrap-controller");
            PrintWriter out = spec.commandLine().getOut();
            ManagedChannel channel = ManagedChannelBuilder.forAddress(address.host(), address.port()).usePlaintext().build();
            try {
                Iterator<MetadataDelivery> stream = ControllerServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                        .fetchMetadata(FetchMetadataRequest.newBuilder().setSubscriberId(-1).setFromOffset(fromOffset).build());
                while (stream.hasNext()) {
                    MetadataDelivery delivery = stream.next();
                    lines(delivery).forEach(out::println);
                    out.flush();
                    if (delivery.getLastOffset() >= delivery.getCommittedOffset()) {
                        break;
                    }
                }
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                    spec.commandLine().getErr().println("Stopped after " + timeoutMs + " ms (--timeout-ms).");
                    return 0;
                }
                throw GrpcErrors.toApiException(e, "FetchMetadata from the controller at " + address.host() + ":" + address.port(),
                        "--timeout-ms (" + timeoutMs + " ms)");
            } finally {
                channel.shutdownNow();
            }
            return 0;
        }
    }

    /**
     * A delivery as text: a {@code # snapshot at offset N (K records)} or {@code # batch at offset N}
     * line with the append time, then one line per record.
     */
    static List<String> lines(MetadataDelivery delivery) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "# %s at offset %d (%d records, appended at %d, committed offset %d)",
                delivery.getIsSnapshot() ? "snapshot" : "batch", delivery.getLastOffset(), delivery.getRecordsCount(),
                delivery.getAppendTimeMs(), delivery.getCommittedOffset()));
        for (MetadataRecord record : delivery.getRecordsList()) {
            lines.add(recordLine(delivery.getLastOffset(), record));
        }
        return lines;
    }

    /** {@code offset=12  TopicRecord  name: "orders" topic_id: "…"}: the type and its fields in protobuf text form. */
    static String recordLine(long offset, MetadataRecord record) {
        if (record.getRecordCase() == MetadataRecord.RecordCase.RECORD_NOT_SET) {
            return "offset=" + offset + "\tUnknownRecord\t" + TextFormat.printer().shortDebugString(record);
        }
        Message inner = (Message) record.getField(record.getDescriptorForType()
                .findFieldByNumber(record.getRecordCase().getNumber()));
        return "offset=" + offset + "\t" + inner.getDescriptorForType().getName() + "\t"
                + TextFormat.printer().shortDebugString(inner);
    }
}
