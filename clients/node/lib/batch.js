'use strict';
// Kafka RecordBatch v2 (magic 2): encoding a batch for Produce's records form, and decoding the batches a
// Fetch returns. The layout is in docs/record-format.md; docs/record-batch-vectors.json has exact bytes
// to check an encoder against (test/batch.test.js does).
//
// Offsets, timestamps and producer ids are int64: they are BigInt here. Keys, values and header values are
// Buffers, or null (null and an empty Buffer differ on the wire: length -1 against length 0).

const zlib = require('node:zlib');
const { crc32c } = require('./crc32c');

const HEADER_SIZE = 61; // bytes before the records section
const CRC_OFFSET = 17; // the CRC covers everything from the attributes (byte 21) to the end
const ATTRIBUTES_OFFSET = 21;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']; // attribute bits 0-2

// ---- zig-zag varints: (n << 1) ^ (n >> 63), then 7 bits per byte, low group first ----

function writeVarlong(out, value) {
  let v = BigInt.asUintN(64, (BigInt(value) << 1n) ^ (BigInt(value) >> 63n));
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function readVarlong(buffer, cursor) {
  let raw = 0n;
  let shift = 0n;
  for (;;) {
    if (cursor.pos >= buffer.length || shift > 63n) {
      throw new Error('truncated or overlong varint at byte ' + cursor.pos);
    }
    const b = buffer[cursor.pos++];
    raw |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7n;
  }
  return (raw >> 1n) ^ -(raw & 1n);
}

function readVarint(buffer, cursor) {
  return Number(readVarlong(buffer, cursor));
}

function writeBytes(out, bytes) {
  if (bytes === null || bytes === undefined) {
    writeVarlong(out, -1);
    return;
  }
  writeVarlong(out, bytes.length);
  for (const b of bytes) out.push(b);
}

function readBytes(buffer, cursor) {
  const length = readVarint(buffer, cursor);
  if (length < 0) return null;
  if (cursor.pos + length > buffer.length) throw new Error('a record field runs past its batch');
  const bytes = buffer.subarray(cursor.pos, cursor.pos + length);
  cursor.pos += length;
  return Buffer.from(bytes);
}

function toBuffer(value) {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
}

/**
 * One uncompressed v2 batch of `records` ({key, value, headers: [{key, value}], timestamp}), the bytes of
 * Produce's records form. `timestamp` is ms (Number or BigInt), default Date.now(); header keys are strings.
 * Options (as a producer leaves them unless idempotent): baseOffset 0n, partitionLeaderEpoch -1,
 * producerId -1n, producerEpoch -1, baseSequence -1.
 */
function encodeBatch(records, options = {}) {
  if (!records.length) throw new Error('a batch needs at least one record');
  const baseOffset = BigInt(options.baseOffset ?? 0n);
  const now = BigInt(Date.now());
  const timestamps = records.map((r) => BigInt(r.timestamp ?? now));
  const baseTimestamp = timestamps[0];
  const maxTimestamp = timestamps.reduce((a, b) => (b > a ? b : a));
  const body = [];
  records.forEach((record, i) => {
    const fields = [0]; // record attributes: unused
    writeVarlong(fields, timestamps[i] - baseTimestamp);
    writeVarlong(fields, i); // offset delta
    writeBytes(fields, toBuffer(record.key));
    writeBytes(fields, toBuffer(record.value));
    const headers = record.headers ?? [];
    writeVarlong(fields, headers.length);
    for (const header of headers) {
      writeBytes(fields, Buffer.from(header.key, 'utf8'));
      writeBytes(fields, toBuffer(header.value));
    }
    writeVarlong(body, fields.length);
    for (const b of fields) body.push(b);
  });
  const batch = Buffer.alloc(HEADER_SIZE + body.length);
  batch.writeBigInt64BE(baseOffset, 0);
  batch.writeInt32BE(batch.length - 12, 8); // batchLength: the bytes after this field
  batch.writeInt32BE(options.partitionLeaderEpoch ?? -1, 12);
  batch.writeInt8(2, 16); // magic
  batch.writeInt16BE(0, ATTRIBUTES_OFFSET); // no compression, CreateTime, not transactional
  batch.writeInt32BE(records.length - 1, 23); // lastOffsetDelta
  batch.writeBigInt64BE(baseTimestamp, 27);
  batch.writeBigInt64BE(maxTimestamp, 35);
  batch.writeBigInt64BE(BigInt(options.producerId ?? -1n), 43);
  batch.writeInt16BE(options.producerEpoch ?? -1, 51);
  batch.writeInt32BE(options.baseSequence ?? -1, 53);
  batch.writeInt32BE(records.length, 57);
  Buffer.from(body).copy(batch, HEADER_SIZE);
  batch.writeUInt32BE(crc32c(batch, ATTRIBUTES_OFFSET), CRC_OFFSET);
  return batch;
}

/** The records section of a batch, decompressed. Snappy, lz4 and zstd are not built in: say so. */
function recordsSection(batch, compression) {
  const section = batch.subarray(HEADER_SIZE);
  switch (compression) {
    case 'none':
      return section;
    case 'gzip':
      return zlib.gunzipSync(section);
    default:
      throw Object.assign(new Error(`this client cannot decompress ${compression} batches (it decodes none and gzip); `
        + `set the topic's compression.type to gzip or producer, or add a ${compression} library`),
      { code: 'UNSUPPORTED_COMPRESSION_TYPE' });
  }
}

/**
 * The batches in `bytes` (a Fetch answer's records), each {baseOffset, partitionLeaderEpoch, crc, compression,
 * ..., records: [{offset, timestamp, key, value, headers}]}. A trailing partial batch (a fetch cuts the last
 * one short when it does not fit) is dropped; a CRC mismatch throws.
 */
function decodeBatches(bytes) {
  const batches = [];
  let pos = 0;
  while (pos + HEADER_SIZE <= bytes.length) {
    const batchLength = bytes.readInt32BE(pos + 8);
    const end = pos + 12 + batchLength;
    if (end > bytes.length) break; // partial: the next fetch starts at its offset
    const batch = bytes.subarray(pos, end);
    batches.push(decodeBatch(batch));
    pos = end;
  }
  return batches;
}

function decodeBatch(batch) {
  const magic = batch.readInt8(16);
  if (magic !== 2) throw new Error(`batch magic ${magic}, expected 2`);
  const crc = batch.readUInt32BE(CRC_OFFSET);
  const computed = crc32c(batch, ATTRIBUTES_OFFSET);
  if (crc !== computed) throw new Error(`batch CRC-32C ${crc} does not match its bytes (${computed})`);
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
  const compression = CODECS[attributes & 0x7];
  const baseOffset = batch.readBigInt64BE(0);
  const baseTimestamp = batch.readBigInt64BE(27);
  const header = {
    baseOffset,
    partitionLeaderEpoch: batch.readInt32BE(12),
    crc,
    attributes,
    compression,
    logAppendTime: (attributes & 0x8) !== 0,
    transactional: (attributes & 0x10) !== 0,
    control: (attributes & 0x20) !== 0,
    lastOffsetDelta: batch.readInt32BE(23),
    baseTimestamp,
    maxTimestamp: batch.readBigInt64BE(35),
    producerId: batch.readBigInt64BE(43),
    producerEpoch: batch.readInt16BE(51),
    baseSequence: batch.readInt32BE(53),
    recordCount: batch.readInt32BE(57),
  };
  const section = recordsSection(batch, compression);
  const cursor = { pos: 0 };
  const records = [];
  for (let i = 0; i < header.recordCount; i++) {
    const length = readVarint(section, cursor);
    const end = cursor.pos + length;
    cursor.pos += 1; // attributes
    const timestampDelta = readVarlong(section, cursor);
    const offsetDelta = readVarint(section, cursor);
    const key = readBytes(section, cursor);
    const value = readBytes(section, cursor);
    const headerCount = readVarint(section, cursor);
    const headers = [];
    for (let h = 0; h < headerCount; h++) {
      headers.push({ key: readBytes(section, cursor).toString('utf8'), value: readBytes(section, cursor) });
    }
    if (cursor.pos !== end) throw new Error(`record ${i} declares ${length} bytes but holds ${cursor.pos - end + length}`);
    records.push({
      offset: baseOffset + BigInt(offsetDelta),
      // Under LogAppendTime every record's timestamp is the batch's maxTimestamp.
      timestamp: header.logAppendTime ? header.maxTimestamp : baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  return { ...header, records };
}

module.exports = { encodeBatch, decodeBatches, HEADER_SIZE };
