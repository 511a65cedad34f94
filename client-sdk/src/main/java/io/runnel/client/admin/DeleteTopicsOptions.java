package io.runnel.client.admin;

/** Options of {@link Admin#deleteTopics(java.util.Collection, DeleteTopicsOptions)}. Not thread-safe. */
public final class DeleteTopicsOptions extends AbstractOptions<DeleteTopicsOptions> {
}
