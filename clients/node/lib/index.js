'use strict';
// A small Runnel client: admin (list and create topics), produce in both forms, fetch with offsets, offset
// lookup. Every call goes through gRPC stubs loaded from proto/ (lib/proto.js). Produce and fetch go to the
// partition's leader, found with MetadataService.GetMetadata and cached until an error says it moved.
//
// Not thread-safe in any interesting sense (JavaScript is single-threaded); one client per process is plenty.

const { grpc, runnel } = require('./proto');
const { encodeBatch, decodeBatches } = require('./batch');
const { RunnelError, itemError, callError } = require('./errors');

const RETRIES_MAX = 5; // attempts after the first, for retriable errors
const RETRY_BACKOFF_MS = 100; // Kafka's retry.backoff.ms
const DEADLINE_MS = 30_000; // per call; a fetch adds its max_wait_ms

/** The special ListOffsets timestamps (fetch.proto). */
const LATEST = -1n;
const EARLIEST = -2n;

class RunnelClient {
  /** @param {string} bootstrap host:port of any broker */
  constructor(bootstrap, options = {}) {
    this.bootstrap = bootstrap;
    this.deadlineMs = options.deadlineMs ?? DEADLINE_MS;
    this.channels = new Map(); // host:port -> { metadata, admin, produce, fetch } stubs on one channel
    this.leaders = new Map(); // "topic/partition" -> host:port
  }

  stubs(address) {
    let stubs = this.channels.get(address);
    if (!stubs) {
      const credentials = grpc.credentials.createInsecure();
      const metadata = new runnel.MetadataService(address, credentials);
      const channelOverride = metadata.getChannel(); // one connection per broker for every service
      stubs = {
        metadata,
        admin: new runnel.AdminService(address, credentials, { channelOverride }),
        produce: new runnel.ProduceService(address, credentials, { channelOverride }),
        fetch: new runnel.FetchService(address, credentials, { channelOverride }),
      };
      this.channels.set(address, stubs);
    }
    return stubs;
  }

  /** One unary call; a failed call becomes a RunnelError (lib/errors.js). */
  call(address, service, method, request, extraMs = 0) {
    const stub = this.stubs(address)[service];
    const deadline = new Date(Date.now() + this.deadlineMs + extraMs);
    return new Promise((resolve, reject) => {
      stub[method](request, { deadline }, (err, response) => (err ? reject(callError(err)) : resolve(response)));
    });
  }

  /** Runs attempt() again after a backoff while it fails with a retriable error, at most RETRIES_MAX times. */
  async withRetries(attempt, onRetry = () => {}) {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof RunnelError) || !e.retriable || tries >= RETRIES_MAX) throw e;
        onRetry(e);
        await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS * (tries + 1)));
      }
    }
  }

  // ---- admin ----------------------------------------------------------------------------------

  /** Every topic: [{name, topicId, partitions}]. */
  async listTopics() {
    const answer = await this.withRetries(() => this.call(this.bootstrap, 'metadata', 'GetMetadata', { all_topics: true }));
    return answer.topics.filter((t) => !t.error || t.error === 'NONE')
      .map((t) => ({ name: t.name, topicId: t.topic_id, partitions: t.partitions.length }));
  }

  /**
   * Creates a topic. partitions / replicationFactor left out take the cluster's num.partitions and
   * default.replication.factor (the proto fields are optional: unset means the cluster default).
   * Resolves to {name, topicId, partitions, replicationFactor}.
   */
  async createTopic(name, { partitions, replicationFactor, configs = {} } = {}) {
    const topic = { name, configs };
    if (partitions !== undefined) topic.num_partitions = partitions;
    if (replicationFactor !== undefined) topic.replication_factor = replicationFactor;
    const answer = await this.call(this.bootstrap, 'admin', 'CreateTopics', { topics: [topic] });
    const result = answer.topics[0];
    const error = itemError(result, `create topic '${name}'`);
    if (error) throw error;
    return { name, topicId: result.topic_id, partitions: result.num_partitions, replicationFactor: result.replication_factor };
  }

  // ---- routing --------------------------------------------------------------------------------

  async leaderOf(topic, partition, refresh = false) {
    const key = `${topic}/${partition}`;
    if (!refresh && this.leaders.has(key)) return this.leaders.get(key);
    const answer = await this.call(this.bootstrap, 'metadata', 'GetMetadata', { topics: [topic] });
    const described = answer.topics[0];
    const topicError = itemError(described, `topic '${topic}'`);
    if (topicError) throw topicError;
    const meta = described.partitions.find((p) => p.partition === partition);
    if (!meta) {
      throw new RunnelError('UNKNOWN_TOPIC_OR_PARTITION',
        `partition ${partition} of '${topic}' does not exist: the topic has ${described.partitions.length}`);
    }
    const broker = answer.brokers.find((b) => b.id === meta.leader_id);
    if (!broker) throw new RunnelError('LEADER_NOT_AVAILABLE', `partition ${partition} of '${topic}' has no leader now`);
    const address = `${broker.host}:${broker.port}`;
    this.leaders.set(key, address);
    return address;
  }

  /** Runs call(leaderAddress) with retries, looking the leader up again when an error says it moved. */
  async onLeader(topic, partition, call) {
    let refresh = false;
    return this.withRetries(async () => {
      const leader = await this.leaderOf(topic, partition, refresh);
      return call(leader);
    }, (e) => { refresh = e.refreshMetadata; });
  }

  // ---- produce --------------------------------------------------------------------------------

  /**
   * Appends records ({key, value, headers: [{key, value}], timestamp}) to one partition; keys, values and
   * header values are Buffers, strings or null. Resolves to the offset of the first record (a BigInt).
   *
   * options.form: 'batch' (default) encodes a Kafka v2 batch here (lib/batch.js) and sends its bytes, the
   * fast path; 'messages' sends the records as messages and the broker builds the batch (compressed with the
   * topic's compression.type). options.acks: -1 (all, also when left out), 1 or 0 (the answer still comes,
   * offsets included).
   */
  async produce(topic, partition, records, { form = 'batch', acks, timeoutMs } = {}) {
    const data = { partition };
    if (form === 'batch') {
      data.records = encodeBatch(records);
    } else if (form === 'messages') {
      data.messages = { records: records.map(toProduceRecord) };
    } else {
      throw new Error(`form must be 'batch' or 'messages', not ${form}`);
    }
    const request = { topics: [{ topic, partitions: [data] }] };
    if (acks !== undefined) request.acks = acks;
    if (timeoutMs !== undefined) request.timeout_ms = timeoutMs;
    return this.onLeader(topic, partition, async (leader) => {
      const answer = await this.call(leader, 'produce', 'Produce', request);
      const result = answer.topics[0].partitions[0];
      const error = itemError(result, `produce to partition ${partition} of '${topic}'`);
      if (error) throw error;
      return BigInt(result.base_offset);
    });
  }

  // ---- fetch ----------------------------------------------------------------------------------

  /**
   * Records of one partition from `offset` (a BigInt or Number). Resolves to {records, nextOffset,
   * highWatermark, logStartOffset}: records are {offset, timestamp, key, value, headers}, at or above
   * `offset` only (a fetch answers with whole batches, and the first may start below the offset asked for:
   * those records are skipped here); nextOffset is where the next fetch starts.
   * options: maxWaitMs (default 0: answer at once), minBytes, maxBytes / partitionMaxBytes (default: the
   * broker's, Kafka's consumer defaults).
   */
  async fetch(topic, partition, offset, { maxWaitMs = 0, minBytes = 0, maxBytes, partitionMaxBytes } = {}) {
    const fetchOffset = BigInt(offset);
    const wanted = { partition, fetch_offset: fetchOffset.toString() };
    if (partitionMaxBytes !== undefined) wanted.partition_max_bytes = partitionMaxBytes;
    const request = { max_wait_ms: maxWaitMs, min_bytes: minBytes, topics: [{ topic, partitions: [wanted] }] };
    if (maxBytes !== undefined) request.max_bytes = maxBytes;
    return this.onLeader(topic, partition, async (leader) => {
      const answer = await this.call(leader, 'fetch', 'Fetch', request, maxWaitMs);
      const result = answer.topics[0].partitions[0];
      const error = itemError(result, `fetch partition ${partition} of '${topic}' at offset ${fetchOffset}`);
      if (error) throw error;
      const records = [];
      let nextOffset = fetchOffset;
      for (const batch of decodeBatches(result.records || Buffer.alloc(0))) {
        for (const record of batch.control ? [] : batch.records) { // control batches hold no user records
          if (record.offset >= fetchOffset) records.push(record); // skip what lies below the fetch offset
        }
        // Control batches and compacted gaps: the next offset is past the batch's declared end.
        const batchEnd = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
        if (batchEnd > nextOffset) nextOffset = batchEnd;
      }
      return { records, nextOffset,
        highWatermark: BigInt(result.high_watermark), logStartOffset: BigInt(result.log_start_offset) };
    });
  }

  /** An offset of one partition: 'earliest', 'latest', or the first offset with a timestamp >= a ms value. */
  async listOffset(topic, partition, spec) {
    const timestamp = spec === 'earliest' ? EARLIEST : spec === 'latest' ? LATEST : BigInt(spec);
    return this.onLeader(topic, partition, async (leader) => {
      const answer = await this.call(leader, 'fetch', 'ListOffsets', {
        topics: [{ topic, partitions: [{ partition, timestamp: timestamp.toString() }] }],
      });
      const result = answer.topics[0].partitions[0];
      const error = itemError(result, `list offset of partition ${partition} of '${topic}'`);
      if (error) throw error;
      return BigInt(result.offset);
    });
  }

  close() {
    for (const stubs of this.channels.values()) stubs.metadata.close();
    this.channels.clear();
  }
}

function bytesOrAbsent(value) {
  if (value === null || value === undefined) return undefined; // absent: null on the broker
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
}

function toProduceRecord(record) {
  const message = { headers: (record.headers ?? []).map((h) => ({ key: h.key, value: bytesOrAbsent(h.value) })) };
  const key = bytesOrAbsent(record.key);
  const value = bytesOrAbsent(record.value);
  if (key !== undefined) message.key = key;
  if (value !== undefined) message.value = value;
  if (record.timestamp !== undefined) message.timestamp_ms = BigInt(record.timestamp).toString();
  return message;
}

module.exports = { RunnelClient, RunnelError, encodeBatch, decodeBatches };
