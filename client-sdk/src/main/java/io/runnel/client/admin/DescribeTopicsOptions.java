package io.runnel.client.admin;

/** Options of {@link Admin#describeTopics(java.util.Collection, DescribeTopicsOptions)}. Not thread-safe. */
public final class DescribeTopicsOptions extends AbstractOptions<DescribeTopicsOptions> {
}
