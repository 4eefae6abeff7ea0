/**
 * What an owner shard sends each subscribed shard for one channel event: a
 * publication (with the frames for plain and for delta subscribers) or a
 * join/leave push. The frames are encoded once per protocol in use at the
 * owner (JSON frames only when some shard has JSON subscribers, Protobuf ones
 * only when some shard has Protobuf subscribers); a record is the small
 * header below followed by the frames as they are, so posting to N shards
 * copies bytes and encodes nothing again.
 *
 *   u8  kind            0 publication, 1 join/leave
 *   u32 stamp           the process-wide publication stamp taken when it was posted (arrival-order.ts)
 *   u16 channel length, then the channel (UTF-8)
 *   f64 offset          0 when the channel keeps no history
 *   f64 at              when the owner fanned it out, ms (performance.timeOrigin + now(); publish-to-write latency)
 *   u8  epoch length, then the epoch (ASCII)
 *   u8  flags           bit 0: the payload is binary (JSON subscribers are closed with 3506)
 *   u32 full length      JSON frame for plain subscribers (or the join/leave push); 0 if none
 *   u32 deltaFull length JSON frame for delta subscribers, data as a JSON string; 0 if none
 *   u32 delta length     the same with a fossil patch and "delta":true; 0 if none
 *   u32 pbFull length    Protobuf Reply for plain and delta subscribers (or the join/leave push); 0 if none
 *   u32 pbDelta length   Protobuf Reply with the fossil patch as data and delta=true; 0 if none
 *   …   the frames, in that order
 *
 * Frames are single Replies without a length prefix; the Writer joins them
 * per topic (JSON with `\n`, Protobuf varint-delimited).
 */

import type { ProtocolType } from '../../protocol/names';

/** Kinds of fan-out. */
export const FanoutKind = Object.freeze({ PUBLICATION: 0, JOIN_LEAVE: 1 });

/** Protocol bits: which encodings a shard's subscribers of a channel need. */
export const ProtocolBit = Object.freeze({ JSON: 1, PROTOBUF: 2 });

/** The protocol bit of a connection protocol. */
export function protocolBit(protocol: ProtocolType): number {
  return protocol === 'protobuf' ? ProtocolBit.PROTOBUF : ProtocolBit.JSON;
}

/** Record flag: the payload is binary; JSON subscribers cannot receive it. */
const FLAG_BINARY = 1;

/** One fan-out event. Frames are views: copy them to keep them past the call. */
export interface Fanout {
  readonly kind: number;
  /** Process-wide stamp taken just before the record was posted (common/subscriber-table.ts); orders records of different senders. */
  readonly stamp: number;
  readonly channel: string;
  readonly offset: number;
  /** When the owner fanned it out, ms since epoch with a fraction (performance.timeOrigin + performance.now()). */
  readonly at: number;
  readonly epoch: string;
  /** The payload (or a join/leave info) is binary: JSON subscribers are closed with 3506. */
  readonly binary: boolean;
  readonly full: Uint8Array | null;
  readonly deltaFull: Uint8Array | null;
  readonly delta: Uint8Array | null;
  readonly pbFull: Uint8Array | null;
  readonly pbDelta: Uint8Array | null;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const FRAME_COUNT = 5;
/** Scratch for moving a little-endian f64 in and out of a record at any byte offset. */
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
/** Whether this platform stores a Float64Array little-endian (the record's byte order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whether a string is all ASCII (so its UTF-8 bytes are its char codes). */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** Writes a name (channel or epoch) at `at`: ASCII by hand, UTF-8 through the encoder; returns its byte length. */
function writeName(header: Uint8Array, at: number, name: string, ascii: boolean): number {
  if (!ascii) return utf8.encodeInto(name, header.subarray(at)).written;
  for (let i = 0; i < name.length; i++) header[at + i] = name.charCodeAt(i);
  return name.length;
}

function writeUint32(header: Uint8Array, at: number, value: number): void {
  header[at] = value;
  header[at + 1] = value >>> 8;
  header[at + 2] = value >>> 16;
  header[at + 3] = value >>> 24;
}

function writeFloat64(header: Uint8Array, at: number, value: number): void {
  f64[0] = value;
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) header[at + i] = f64Bytes[i]!;
  else for (let i = 0; i < 8; i++) header[at + i] = f64Bytes[7 - i]!;
}

/**
 * The record parts for a fan-out: header, then frames. One allocation for
 * the header (no DataView, no encoded copies of the names): it runs once per
 * publication that leaves its shard.
 */
export function fanoutParts(f: Fanout): Uint8Array[] {
  const channelAscii = isAscii(f.channel);
  const epochAscii = isAscii(f.epoch);
  const nameBytes = channelAscii ? f.channel.length : Buffer.byteLength(f.channel, 'utf8');
  const epochBytes = epochAscii ? f.epoch.length : Buffer.byteLength(f.epoch, 'utf8');
  const header = new Uint8Array(1 + 4 + 2 + nameBytes + 8 + 8 + 1 + epochBytes + 1 + 4 * FRAME_COUNT);
  header[0] = f.kind;
  writeUint32(header, 1, f.stamp);
  header[5] = nameBytes;
  header[6] = nameBytes >>> 8;
  let at = 7 + writeName(header, 7, f.channel, channelAscii);
  writeFloat64(header, at, f.offset);
  writeFloat64(header, at + 8, f.at);
  at += 16;
  header[at] = epochBytes;
  at += 1 + writeName(header, at + 1, f.epoch, epochAscii);
  header[at] = f.binary ? FLAG_BINARY : 0;
  at += 1;
  const parts: Uint8Array[] = [header];
  const frames = [f.full, f.deltaFull, f.delta, f.pbFull, f.pbDelta];
  for (let i = 0; i < FRAME_COUNT; i++, at += 4) {
    const frame = frames[i];
    writeUint32(header, at, frame?.length ?? 0);
    if (frame && frame.length > 0) parts.push(frame);
  }
  return parts;
}

/** Byte offset of the stamp in a fan-out record body. */
const STAMP_AT = 1;

/** The stamp of a fan-out record body, read without decoding the rest. */
export function fanoutStamp(body: Uint8Array): number {
  return (body[STAMP_AT]! | (body[STAMP_AT + 1]! << 8) | (body[STAMP_AT + 2]! << 16) | (body[STAMP_AT + 3]! << 24)) | 0;
}

function readFloat64(body: Uint8Array, at: number): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) f64Bytes[i] = body[at + i]!;
  else for (let i = 0; i < 8; i++) f64Bytes[7 - i] = body[at + i]!;
  return f64[0]!;
}

function readUint32(body: Uint8Array, at: number): number {
  return (body[at]! | (body[at + 1]! << 8) | (body[at + 2]! << 16) | (body[at + 3]! << 24)) >>> 0;
}

/** The channel or epoch name of `length` bytes at `at`: ASCII decoded by hand (no view, no decoder call), UTF-8 otherwise. */
function readName(body: Uint8Array, at: number, length: number): string {
  if (length === 0) return '';
  if (length <= 64) {
    let ascii = true;
    for (let i = 0; i < length; i++) if (body[at + i]! >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, body.subarray(at, at + length) as unknown as number[]);
  }
  return utf8Decoder.decode(body.subarray(at, at + length));
}

/** A frame of `length` bytes at `at`, as a view of body; null when the length is 0. */
function frameAt(body: Uint8Array, at: number, length: number): Uint8Array | null {
  // A fresh view costs a third of subarray() (no species lookup).
  return length > 0 ? new Uint8Array(body.buffer, body.byteOffset + at, length) : null;
}

/**
 * Reads a fan-out record body; the frames are views into `body`. Written
 * without a DataView or temporary arrays: it runs once per record a shard
 * receives, and its garbage is per publication.
 */
export function readFanout(body: Uint8Array): Fanout {
  const kind = body[0]!;
  const stamp = fanoutStamp(body);
  const nameLength = body[5]! | (body[6]! << 8);
  let at = 7;
  const channel = readName(body, at, nameLength);
  at += nameLength;
  const offset = readFloat64(body, at);
  const sentAt = readFloat64(body, at + 8);
  at += 16;
  const epochLength = body[at]!;
  const epoch = readName(body, at + 1, epochLength);
  at += 1 + epochLength;
  const flags = body[at]!;
  at += 1;
  const fullLength = readUint32(body, at);
  const deltaFullLength = readUint32(body, at + 4);
  const deltaLength = readUint32(body, at + 8);
  const pbFullLength = readUint32(body, at + 12);
  const pbDeltaLength = readUint32(body, at + 16);
  at += 4 * FRAME_COUNT;
  const full = frameAt(body, at, fullLength);
  at += fullLength;
  const deltaFull = frameAt(body, at, deltaFullLength);
  at += deltaFullLength;
  const delta = frameAt(body, at, deltaLength);
  at += deltaLength;
  const pbFull = frameAt(body, at, pbFullLength);
  at += pbFullLength;
  const pbDelta = frameAt(body, at, pbDeltaLength);
  return { kind, stamp, channel, offset, at: sentAt, epoch, binary: (flags & FLAG_BINARY) !== 0, full, deltaFull, delta, pbFull, pbDelta };
}

/**
 * A frame of a fan-out that the Writer may keep past the call. A frame read
 * from a ring record is a view of the ring, valid only during the call: it is
 * copied, into Node's pooled buffer space (no ArrayBuffer of its own per
 * frame, unlike Uint8Array.slice()). A Buffer is a frame this shard encoded
 * itself and nobody writes to again: kept as it is (Buffer.slice() was a view
 * too).
 */
export function keptFrame(frame: Uint8Array): Uint8Array {
  return Buffer.isBuffer(frame) ? frame : Buffer.from(frame);
}

/** uWS topic of a channel's plain subscribers: the channel name for JSON, `channel\0p` for Protobuf. */
export function plainTopic(channel: string, protocol: ProtocolType = 'json'): string {
  return protocol === 'json' ? channel : `${channel}\u0000p`;
}

/** uWS topic of a channel's delta subscribers (after their first, full publication). */
export function deltaTopic(channel: string, protocol: ProtocolType = 'json'): string {
  return protocol === 'json' ? `${channel}\u0000d` : `${channel}\u0000pd`;
}

/** uWS topic of a channel's join/leave receivers. */
export function joinLeaveTopic(channel: string, protocol: ProtocolType = 'json'): string {
  return protocol === 'json' ? `${channel}\u0000j` : `${channel}\u0000pj`;
}

