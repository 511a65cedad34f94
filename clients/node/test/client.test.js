'use strict';
// The client against a real Runnel node. The Maven build starts one and passes its address in
// RUNNEL_BOOTSTRAP (NodeClientTest); by hand: `scripts/runnel server` and RUNNEL_BOOTSTRAP=localhost:9092 npm test.
const test = require('node:test');
const assert = require('node:assert/strict');
const { RunnelClient, RunnelError } = require('../lib');

const BOOTSTRAP = process.env.RUNNEL_BOOTSTRAP;
const skip = BOOTSTRAP ? false : 'RUNNEL_BOOTSTRAP is not set: start a node (scripts/runnel server) and set it to host:port';
const run = `n${process.pid}`; // topic names unique per run, so a reused node does not see old topics

test('the client against a real node', { skip }, async (t) => {
  const client = new RunnelClient(BOOTSTRAP);
  t.after(() => client.close());

  await t.test('creates topics, with the cluster defaults when partitions are left out, and lists them', async () => {
    const explicit = await client.createTopic(`${run}-orders`, { partitions: 2, replicationFactor: 1 });
    assert.equal(explicit.partitions, 2);
    const defaults = await client.createTopic(`${run}-defaults`);
    assert.ok(defaults.partitions >= 1, 'num.partitions of the cluster');
    assert.equal(defaults.replicationFactor, 1);
    const names = (await client.listTopics()).map((topic) => topic.name);
    assert.ok(names.includes(`${run}-orders`) && names.includes(`${run}-defaults`), names.join(','));
    await assert.rejects(client.createTopic(`${run}-orders`), (e) => e instanceof RunnelError
      && e.code === 'TOPIC_ALREADY_EXISTS' && !e.retriable);
  });

  await t.test('produces in both forms and fetches every record back with its offset', async () => {
    const topic = `${run}-orders`;
    const first = await client.produce(topic, 1, [
      { key: 'alice', value: 'first order', headers: [{ key: 'source', value: 'web' }, { key: 'trace', value: null }], timestamp: 1_700_000_000_000 },
      { key: null, value: 'no key' },
    ]);
    assert.equal(first, 0n);
    const second = await client.produce(topic, 1, [
      { key: 'bob', value: 'second order', headers: [{ key: 'source', value: 'app' }], timestamp: 1_700_000_000_500 },
      { key: 'carol', value: null },
    ], { form: 'messages' });
    assert.equal(second, 2n);

    const { records, nextOffset, highWatermark } = await client.fetch(topic, 1, 0n);
    assert.equal(highWatermark, 4n);
    assert.equal(nextOffset, 4n);
    assert.deepEqual(records.map((r) => [r.offset, r.key && r.key.toString(), r.value && r.value.toString()]), [
      [0n, 'alice', 'first order'], [1n, null, 'no key'], [2n, 'bob', 'second order'], [3n, 'carol', null]]);
    assert.deepEqual(records[0].headers.map((h) => [h.key, h.value && h.value.toString()]), [['source', 'web'], ['trace', null]]);
    assert.equal(records[0].timestamp, 1_700_000_000_000n);
    assert.equal(records[2].timestamp, 1_700_000_000_500n);
  });

  await t.test('a fetch into the middle of a batch skips the records below the fetch offset', async () => {
    const topic = `${run}-orders`;
    await client.produce(topic, 0, ['a', 'b', 'c'].map((value) => ({ value })));
    const { records, nextOffset } = await client.fetch(topic, 0, 1n);
    assert.deepEqual(records.map((r) => [r.offset, r.value.toString()]), [[1n, 'b'], [2n, 'c']]);
    assert.equal(nextOffset, 3n);
  });

  await t.test('the messages form is compressed with the topic compression.type, and read back', async () => {
    const topic = `${run}-gzip`;
    await client.createTopic(topic, { partitions: 1, configs: { 'compression.type': 'gzip' } });
    await client.produce(topic, 0, [{ key: 'k', value: 'x'.repeat(1000) }], { form: 'messages' });
    const { records } = await client.fetch(topic, 0, 0n);
    assert.equal(records.length, 1);
    assert.equal(records[0].value.toString(), 'x'.repeat(1000));
  });

  await t.test('lists the earliest and latest offsets', async () => {
    assert.equal(await client.listOffset(`${run}-orders`, 1, 'earliest'), 0n);
    assert.equal(await client.listOffset(`${run}-orders`, 1, 'latest'), 4n);
  });

  await t.test('acks left out means all: refused where min.insync.replicas cannot be met, acks=1 is not', async () => {
    const topic = `${run}-strict`;
    await client.createTopic(topic, { partitions: 1, configs: { 'min.insync.replicas': '2' } });
    await assert.rejects(client.produce(topic, 0, [{ value: 'v' }]), (e) => e.code === 'NOT_ENOUGH_REPLICAS' && e.retriable);
    assert.equal(await client.produce(topic, 0, [{ value: 'v' }], { acks: 1 }), 0n);
  });

  await t.test('a whole-call error is decoded from its ErrorInfo, with its retriability', async () => {
    await assert.rejects(client.fetch(`${run}-orders`, 0, 0n, { maxBytes: -1 }), (e) => e instanceof RunnelError
      && e.code === 'INVALID_REQUEST' && /max_bytes/.test(e.message) && !e.retriable);
  });

  await t.test('a per-partition error names the partition', async () => {
    await assert.rejects(client.fetch(`${run}-orders`, 0, 1_000n), (e) => e.code === 'OFFSET_OUT_OF_RANGE'
      && /partition 0 of/.test(e.message));
  });
});
