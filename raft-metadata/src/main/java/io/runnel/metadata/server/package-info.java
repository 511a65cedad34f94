/**
 * A controller: {@link io.runnel.metadata.server.ControllerServer} (a Ratis peer plus the single
 * controller event thread that decides on the active controller) and its gRPC
 * {@code ControllerService}. Configured by {@link io.runnel.metadata.server.ControllerConfig} with
 * Kafka's {@code controller.quorum.voters} ({@link io.runnel.metadata.server.QuorumVoters}).
 */
package io.runnel.metadata.server;
