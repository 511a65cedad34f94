package io.runnel.common.record;

import java.util.Iterator;

/**
 * An iterator that may hold resources (a decompressor's native memory) until it is closed or
 * exhausted. Use it in try-with-resources. {@link #close()} is idempotent and never throws a checked
 * exception. Not thread-safe, like any iterator.
 */
public interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {

    @Override
    void close();
}
