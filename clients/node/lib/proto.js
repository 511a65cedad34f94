'use strict';
// The gRPC services and messages, loaded at run time from the repository's proto/ directory (nothing is
// generated into this package, so the client always speaks the protocol of the checkout it sits in).

const path = require('node:path');
const fs = require('node:fs');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = process.env.RUNNEL_PROTO_DIR || path.resolve(__dirname, '..', '..', '..', 'proto', 'src', 'main', 'proto');

const LOADER_OPTIONS = {
  keepCase: true, // field names as in the .proto files: fetch_offset, not fetchOffset
  longs: String, // int64 as decimal strings; lib/index.js turns them into BigInt
  enums: String, // ErrorCode as its name: 'NOT_LEADER_OR_FOLLOWER'
  bytes: Buffer,
  // Decoding fills zeros in (proto3 does not send them: an answer's base_offset 0 or partition 0 is not on the
  // wire). Encoding is not affected: only the properties a request sets are sent, so an optional field left
  // undefined stays absent and the broker applies its default.
  defaults: true,
  oneofs: true, // PartitionProduceData.data says which form ('records' or 'messages')
  includeDirs: [PROTO_DIR],
};

const definition = protoLoader.loadSync(['metadata.proto', 'admin.proto', 'produce.proto', 'fetch.proto', 'errors.proto'],
  LOADER_OPTIONS);
const runnel = grpc.loadPackageDefinition(definition).runnel.v1;

/** RpcStatus and RpcErrorInfo (errors.proto) as protobufjs types, to decode grpc-status-details-bin. */
const protobuf = require('protobufjs');
const errorsRoot = new protobuf.Root();
errorsRoot.resolvePath = (origin, target) => (fs.existsSync(path.join(PROTO_DIR, target)) ? path.join(PROTO_DIR, target) : target);
errorsRoot.loadSync('errors.proto', { keepCase: true });
const RpcStatus = errorsRoot.lookupType('runnel.v1.RpcStatus');
const RpcErrorInfo = errorsRoot.lookupType('runnel.v1.RpcErrorInfo');

/**
 * Retriability of each ErrorCode, read from the [retriable] / [not retriable] tags in common.proto (the
 * tags are checked against the Java definition by ErrorCatalogueTest).
 */
const RETRIABLE = (() => {
  const text = fs.readFileSync(path.join(PROTO_DIR, 'common.proto'), 'utf8');
  const retriable = new Map();
  for (const m of text.matchAll(/^ {2}([A-Z_]+) = -?\d+;\s*\/\/\s*\[(retriable|not retriable)\]/gm)) {
    retriable.set(m[1], m[2] === 'retriable');
  }
  return retriable;
})();

module.exports = { grpc, runnel, RpcStatus, RpcErrorInfo, RETRIABLE, PROTO_DIR };
