'use strict';
// The batch codec against the published test vectors (docs/record-batch-vectors.json): the encoder must
// produce exactly the uncompressed vectors' bytes, the decoder must read every vector it has a codec for.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { encodeBatch, decodeBatches } = require('../lib/batch');
const { crc32c } = require('../lib/crc32c');

const VECTORS = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'docs', 'record-batch-vectors.json'), 'utf8')).vectors;

function inputRecords(vector) {
  return vector.records.map((r) => ({
    key: r.key === null ? null : Buffer.from(r.key, 'utf8'),
    value: r.value === null ? null : Buffer.from(r.value, 'utf8'),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value, 'utf8') })),
    timestamp: BigInt(r.timestamp),
  }));
}

test('CRC-32C of the standard check string is 0xe3069283', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

for (const vector of VECTORS.filter((v) => v.compression === 'none')) {
  test(`the encoder produces exactly vector ${vector.name}`, () => {
    const batch = encodeBatch(inputRecords(vector), {
      baseOffset: BigInt(vector.base_offset), partitionLeaderEpoch: vector.partition_leader_epoch,
      producerId: BigInt(vector.producer_id), producerEpoch: vector.producer_epoch, baseSequence: vector.base_sequence,
    });
    assert.equal(batch.toString('hex'), vector.batch_hex);
    assert.equal(batch.readUInt32BE(17), vector.crc32c);
  });
}

for (const vector of VECTORS.filter((v) => v.compression === 'none' || v.compression === 'gzip')) {
  test(`the decoder reads vector ${vector.name} back to its records`, () => {
    const [batch, ...rest] = decodeBatches(Buffer.from(vector.batch_hex, 'hex'));
    assert.equal(rest.length, 0);
    assert.equal(batch.crc, vector.crc32c);
    assert.equal(batch.compression, vector.compression);
    assert.equal(batch.baseOffset, BigInt(vector.base_offset));
    assert.equal(batch.maxTimestamp, BigInt(vector.max_timestamp));
    assert.deepEqual(batch.records.map((r) => ({
      key: r.key === null ? null : r.key.toString('utf8'),
      value: r.value === null ? null : r.value.toString('utf8'),
      headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('utf8') })),
      timestamp: Number(r.timestamp),
    })), vector.records);
    assert.deepEqual(batch.records.map((r) => r.offset), vector.records.map((_, i) => BigInt(vector.base_offset) + BigInt(i)));
  });
}

test('a codec this client lacks is refused with a message naming it', () => {
  const zstd = VECTORS.find((v) => v.compression === 'zstd');
  assert.throws(() => decodeBatches(Buffer.from(zstd.batch_hex, 'hex')), /cannot decompress zstd/);
});

test('a trailing partial batch is dropped and a flipped bit fails the CRC', () => {
  const one = Buffer.from(VECTORS.find((v) => v.name === 'one-record').batch_hex, 'hex');
  const two = Buffer.concat([one, one.subarray(0, one.length - 3)]);
  assert.equal(decodeBatches(two).length, 1);
  const flipped = Buffer.from(one);
  flipped[flipped.length - 1] ^= 1;
  assert.throws(() => decodeBatches(flipped), /CRC-32C/);
});
