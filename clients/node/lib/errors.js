'use strict';
// Runnel's errors as one JavaScript type. docs/errors.md describes the two ways they arrive; both end here.

const { grpc, RpcStatus, RpcErrorInfo, RETRIABLE } = require('./proto');

const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';
// Codes that mean the client's idea of who leads a partition is stale (Java: Errors.invalidatesMetadata).
const REFRESH_METADATA = new Set(['NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE', 'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH', 'UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_ID', 'KAFKA_STORAGE_ERROR', 'NOT_CONTROLLER',
  'REPLICA_NOT_AVAILABLE', 'BROKER_NOT_AVAILABLE']);

/** A Kafka-named error: `code` is the ErrorCode name, `retriable` from common.proto's tags. */
class RunnelError extends Error {
  constructor(code, message, metadata = {}) {
    super(`${code}: ${message}`);
    this.name = 'RunnelError';
    this.code = code;
    this.retriable = RETRIABLE.get(code) ?? false;
    this.refreshMetadata = REFRESH_METADATA.has(code);
    this.metadata = metadata; // ErrorInfo metadata: leader_id/leader_host/leader_port, outcome, ...
  }
}

/** A per-item error (error != NONE in a partition's or topic's result), or null. */
function itemError(item, what) {
  if (!item.error || item.error === 'NONE') return null;
  return new RunnelError(item.error, `${what}: ${item.error_message || '(no message)'}`);
}

/**
 * A failed call as a RunnelError. The ErrorInfo in grpc-status-details-bin is preferred (it carries
 * metadata); then the plain runnel-error-code trailer; a call no Runnel code answered (no trailer) is mapped
 * from its gRPC status: transport failures are NETWORK_EXCEPTION / REQUEST_TIMED_OUT (retriable), overload
 * (RESOURCE_EXHAUSTED) is retriable too.
 */
function callError(err) {
  const trailers = err.metadata;
  const details = trailers && trailers.get('grpc-status-details-bin')[0];
  if (details) {
    const status = RpcStatus.decode(details);
    for (const any of status.details) {
      if (any.type_url === ERROR_INFO_TYPE) {
        const info = RpcErrorInfo.decode(any.value);
        return new RunnelError(info.reason, status.message, { ...info.metadata });
      }
    }
  }
  const named = trailers && trailers.get('runnel-error-code')[0];
  if (named) return new RunnelError(String(named), err.details || '');
  switch (err.code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return new RunnelError('REQUEST_TIMED_OUT', `no answer before the deadline (${err.details})`);
    case grpc.status.UNAVAILABLE:
    case grpc.status.CANCELLED:
      return new RunnelError('NETWORK_EXCEPTION', `no answer: ${err.details}`);
    case grpc.status.RESOURCE_EXHAUSTED:
      // Overload (queued.max.requests) is worth a retry after a backoff; a message over the size limit is not,
      // but gRPC says which in text only, so this client retries both within its bounded retry budget.
      return new RunnelError('NETWORK_EXCEPTION', `the broker refused the call (RESOURCE_EXHAUSTED): ${err.details}`);
    default:
      return new RunnelError('UNKNOWN_SERVER_ERROR', `gRPC status ${err.code}: ${err.details}`);
  }
}

module.exports = { RunnelError, itemError, callError };
