/**
 * Producer ids for idempotent producers: the broker's share of the cluster's producer id space
 * ({@link io.runnel.txn.ProducerIdManager}). Kafka's transaction coordinator will live here too.
 */
package io.runnel.txn;
