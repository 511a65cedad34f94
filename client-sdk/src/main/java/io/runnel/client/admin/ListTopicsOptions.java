package io.runnel.client.admin;

/** Options of {@link Admin#listTopics(ListTopicsOptions)}. Not thread-safe. */
public final class ListTopicsOptions extends AbstractOptions<ListTopicsOptions> {

    private boolean listInternal;

    /** With true, internal topics (e.g. {@code __consumer_offsets}) are listed too. */
    public ListTopicsOptions listInternal(boolean listInternal) {
        this.listInternal = listInternal;
        return this;
    }

    public boolean shouldListInternal() {
        return listInternal;
    }
}
