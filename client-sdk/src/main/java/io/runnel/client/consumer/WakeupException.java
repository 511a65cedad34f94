package io.runnel.client.consumer;

/** Thrown by a blocking consumer call that {@link Consumer#wakeup()} interrupted (Kafka's exception of the same name). */
public class WakeupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WakeupException() {
        super("the consumer was woken up (Consumer.wakeup)");
    }
}
