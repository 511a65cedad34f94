/**
 * The active controller's decisions: {@link io.runnel.metadata.controller.QuorumControllerLogic} turns
 * (image, request, {@link io.runnel.metadata.controller.ControllerContext}) into the records to write
 * and the response to send once they are applied, never touching state itself. Time and randomness
 * come in through the context; the only mutable piece is the
 * {@link io.runnel.metadata.controller.BrokerHeartbeatTracker}, owned by the controller's event thread.
 * Depends on {@code io.runnel.metadata.image}, never the reverse. See docs/metadata.md, "Controller
 * decisions".
 */
package io.runnel.metadata.controller;
