package io.runnel.client.admin;

/** Options of {@link Admin#createTopics(java.util.Collection, CreateTopicsOptions)}. Not thread-safe. */
public final class CreateTopicsOptions extends AbstractOptions<CreateTopicsOptions> {

    private boolean validateOnly;

    /** With true, the cluster checks the request as it would, and creates nothing. */
    public CreateTopicsOptions validateOnly(boolean validateOnly) {
        this.validateOnly = validateOnly;
        return this;
    }

    public boolean shouldValidateOnly() {
        return validateOnly;
    }
}
