package io.runnel.client.internal;

import io.runnel.client.producer.RecordMetadata;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future a send returns. Completed only by the producer (callers cannot complete or cancel it);
 * {@code get} throws ExecutionException whose cause is the send's failure. Thread-safe.
 */
public final class FutureRecordMetadata implements Future<RecordMetadata> {

    private final CompletableFuture<RecordMetadata> result = new CompletableFuture<>();

    public static FutureRecordMetadata failed(RuntimeException exception) {
        FutureRecordMetadata future = new FutureRecordMetadata();
        future.fail(exception);
        return future;
    }

    void complete(RecordMetadata metadata) {
        result.complete(metadata);
    }

    void fail(RuntimeException exception) {
        result.completeExceptionally(exception);
    }

    /** A view for composing; completing it does not complete the send. */
    public CompletableFuture<RecordMetadata> toCompletableFuture() {
        return result.copy();
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return false;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public boolean isDone() {
        return result.isDone();
    }

    @Override
    public RecordMetadata get() throws InterruptedException, ExecutionException {
        return result.get();
    }

    @Override
    public RecordMetadata get(long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return result.get(timeout, unit);
    }
}
