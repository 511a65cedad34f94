package io.runnel.replication;

import io.runnel.common.TopicPartition;
import io.runnel.proto.AlterPartitionData;
import io.runnel.proto.AlterPartitionRequest;
import io.runnel.proto.AlterPartitionResponse;
import io.runnel.proto.AlterPartitionResult;
import io.runnel.proto.AlterPartitionTopic;
import io.runnel.proto.AlterPartitionTopicResult;
import io.runnel.proto.ErrorCode;
import io.runnel.replication.core.Actions;
import io.runnel.replication.core.IsrProposal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends leaders' ISR proposals to the controller as AlterPartition requests (PacificA reconfiguration:
 * the quorum commits every ISR change before it takes effect). Proposals queue; one request is in flight
 * at a time and carries every queued proposal (at most one per partition: the newest). A request that
 * gets no answer is sent again, for the proposals still pending, after a backoff.
 *
 * <p>Thread-safe: proposals come from request and tick threads; answers arrive on the channel's threads.
 */
public final class IsrProposalSender {

    private static final Logger LOG = LoggerFactory.getLogger(IsrProposalSender.class);
    static final long RETRY_BACKOFF_MS = 200;
    /** Proposals in one request at most. */
    static final int PROPOSALS_PER_REQUEST_MAX = 1_000;

    private record Queued(Partition partition, IsrProposal proposal) {
    }

    private final int brokerId;
    private final LongSupplier brokerEpoch;
    private final ControllerLink controller;
    private final ScheduledExecutorService scheduler;
    private final Committed onCommitted;

    /** Told of each committed proposal: the actions it caused and the ISR sizes before and after. */
    public interface Committed {
        void accept(Partition partition, Actions actions, int isrSizeBefore, int isrSizeAfter);
    }
    private final Map<TopicPartition, Queued> queue = new LinkedHashMap<>();
    private boolean inFlight;
    private volatile boolean closed;

    /** @param onCommitted what a committed proposal makes the replica manager do (HW, completions, metrics) */
    public IsrProposalSender(int brokerId, LongSupplier brokerEpoch, ControllerLink controller,
                             ScheduledExecutorService scheduler, Committed onCommitted) {
        this.brokerId = brokerId;
        this.brokerEpoch = brokerEpoch;
        this.controller = controller;
        this.scheduler = scheduler;
        this.onCommitted = onCommitted;
    }

    public void submit(Partition partition, IsrProposal proposal) {
        synchronized (this) {
            queue.put(partition.topicPartition(), new Queued(partition, proposal));
        }
        maybeSend();
    }

    private void maybeSend() {
        List<Queued> batch = new ArrayList<>();
        synchronized (this) {
            if (inFlight || queue.isEmpty() || closed) {
                return;
            }
            var entries = queue.values().iterator();
            while (entries.hasNext() && batch.size() < PROPOSALS_PER_REQUEST_MAX) {
                Queued queued = entries.next();
                entries.remove();
                if (queued.partition().isPending(queued.proposal())) {
                    batch.add(queued);
                }
            }
            if (batch.isEmpty()) {
                return;
            }
            inFlight = true;
        }
        AlterPartitionRequest request = toRequest(batch);
        controller.alterPartition(request).whenComplete((response, error) -> {
            try {
                if (error != null) {
                    retryLater(batch, error.toString());
                } else {
                    onResponse(batch, response);
                }
            } catch (RuntimeException e) {
                LOG.error("broker {}: handling an AlterPartition answer failed", brokerId, e);
            } finally {
                synchronized (this) {
                    inFlight = false;
                }
                maybeSend();
            }
        });
    }

    private AlterPartitionRequest toRequest(List<Queued> batch) {
        Map<String, AlterPartitionTopic.Builder> topics = new LinkedHashMap<>();
        for (Queued queued : batch) {
            TopicPartition tp = queued.partition().topicPartition();
            IsrProposal proposal = queued.proposal();
            topics.computeIfAbsent(tp.topic(), t -> AlterPartitionTopic.newBuilder().setTopic(t))
                    .addPartitions(AlterPartitionData.newBuilder().setPartition(tp.partition())
                            .setLeaderEpoch(proposal.leaderEpoch()).setPartitionEpoch(proposal.partitionEpoch())
                            .addAllNewIsr(proposal.newIsr()));
        }
        AlterPartitionRequest.Builder request = AlterPartitionRequest.newBuilder().setBrokerId(brokerId)
                .setBrokerEpoch(brokerEpoch.getAsLong());
        topics.values().forEach(request::addTopics);
        return request.build();
    }

    private void onResponse(List<Queued> batch, AlterPartitionResponse response) {
        if (response.getError() != ErrorCode.NONE) {
            // STALE_BROKER_EPOCH / BROKER_ID_NOT_REGISTERED: this broker is re-registering; its leaderships
            // are being taken away, and the metadata update will say so. Give up on these proposals.
            LOG.info("broker {}: the controller refused ISR changes: {}", brokerId, response.getError());
            batch.forEach(queued -> queued.partition().onProposalRefused(queued.proposal()));
            return;
        }
        Map<TopicPartition, AlterPartitionResult> results = new LinkedHashMap<>();
        for (AlterPartitionTopicResult topic : response.getTopicsList()) {
            for (AlterPartitionResult result : topic.getPartitionsList()) {
                results.put(new TopicPartition(topic.getTopic(), result.getPartition()), result);
            }
        }
        for (Queued queued : batch) {
            Partition partition = queued.partition();
            AlterPartitionResult result = results.get(partition.topicPartition());
            if (result == null) {
                partition.onProposalRefused(queued.proposal());
            } else if (result.getError() == ErrorCode.NONE) {
                List<Integer> before = partition.isr();
                Actions actions = partition.onProposalCommitted(queued.proposal(), result.getLeaderEpoch(),
                        result.getPartitionEpoch(), result.getIsrList());
                onCommitted.accept(partition, actions, before.size(), result.getIsrCount());
                // "before" is the ISR this broker held when the answer came: the metadata stream may have
                // brought the committed ISR first, so it can already equal the new one.
                LOG.info("broker {}: ISR change of {} to {} committed (leader epoch {}, partition epoch {}; ISR held"
                        + " when answered: {})", brokerId, partition.topicPartition(), result.getIsrList(),
                        result.getLeaderEpoch(), result.getPartitionEpoch(), before);
            } else {
                LOG.info("broker {}: the controller refused ISR {} for {}: {}", brokerId, queued.proposal().newIsr(),
                        partition.topicPartition(), result.getError());
                partition.onProposalRefused(queued.proposal());
            }
        }
    }

    private void retryLater(List<Queued> batch, String why) {
        if (closed) {
            return;
        }
        LOG.info("broker {}: no answer to {} ISR change(s) ({}); retrying in {} ms", brokerId, batch.size(), why, RETRY_BACKOFF_MS);
        scheduler.schedule(() -> {
            synchronized (this) {
                for (Queued queued : batch) {
                    queue.putIfAbsent(queued.partition().topicPartition(), queued);
                }
            }
            maybeSend();
        }, RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS);
    }

    public void close() {
        closed = true;
    }
}
