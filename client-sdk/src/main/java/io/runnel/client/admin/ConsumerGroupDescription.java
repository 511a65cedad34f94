package io.runnel.client.admin;

import io.runnel.client.Node;
import java.util.List;

/**
 * A consumer group as its coordinator describes it: state, the assignor it runs, its epoch and the epoch of
 * its target assignment, its coordinator, and its members. Immutable.
 */
public record ConsumerGroupDescription(String groupId, String state, String assignor, int groupEpoch,
                                       int assignmentEpoch, Node coordinator, List<MemberDescription> members) {

    public ConsumerGroupDescription {
        members = List.copyOf(members);
    }
}
