package io.runnel.metadata.controller;

import io.runnel.proto.metadata.MetadataRecord;
import java.util.List;

/**
 * A controller decision: the records to write to the metadata log and the response to send once they
 * are committed and applied. No records means nothing to write (rejected or validate-only requests,
 * no-op changes); the response may then be sent at once. Immutable.
 */
public record ControllerResult<T>(List<MetadataRecord> records, T response) {

    public ControllerResult {
        records = List.copyOf(records);
    }

    public static <T> ControllerResult<T> of(List<MetadataRecord> records, T response) {
        return new ControllerResult<>(records, response);
    }

    public static <T> ControllerResult<T> withoutRecords(T response) {
        return new ControllerResult<>(List.of(), response);
    }
}
