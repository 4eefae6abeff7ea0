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

function framesOf(f: Fanout): (Uint8Array | null)[] {
  return [f.full, f.deltaFull, f.delta, f.pbFull, f.pbDelta];
}

/** The record parts for a fan-out: header, then frames. */
export function fanoutParts(f: Fanout): Uint8Array[] {
  const name = utf8.encode(f.channel);
  const epoch = utf8.encode(f.epoch);
  const header = new Uint8Array(1 + 4 + 2 + name.length + 8 + 8 + 1 + epoch.length + 1 + 4 * FRAME_COUNT);
  const view = new DataView(header.buffer);
  let at = 0;
  view.setUint8(at, f.kind);
  at += 1;
  view.setInt32(at, f.stamp, true);
  at += 4;
  view.setUint16(at, name.length, true);
  at += 2;
  header.set(name, at);
  at += name.length;
  view.setFloat64(at, f.offset, true);
  at += 8;
  view.setFloat64(at, f.at, true);
  at += 8;
  view.setUint8(at, epoch.length);
  at += 1;
  header.set(epoch, at);
  at += epoch.length;
  view.setUint8(at, f.binary ? FLAG_BINARY : 0);
  at += 1;
  const parts: Uint8Array[] = [header];
  for (const frame of framesOf(f)) {
    view.setUint32(at, frame?.length ?? 0, true);
    at += 4;
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

/** Reads a fan-out record body; the frames are views into `body`. */
export function readFanout(body: Uint8Array): Fanout {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 0;
  const kind = view.getUint8(at);
  at += 1;
  const stampValue = view.getInt32(at, true);
  at += 4;
  const nameLength = view.getUint16(at, true);
  at += 2;
  const channel = utf8Decoder.decode(body.subarray(at, at + nameLength));
  at += nameLength;
  const offset = view.getFloat64(at, true);
  at += 8;
  const stamp = view.getFloat64(at, true);
  at += 8;
  const epochLength = view.getUint8(at);
  at += 1;
  const epoch = utf8Decoder.decode(body.subarray(at, at + epochLength));
  at += epochLength;
  const flags = view.getUint8(at);
  at += 1;
  const lengths: number[] = [];
  for (let i = 0; i < FRAME_COUNT; i++, at += 4) lengths.push(view.getUint32(at, true));
  const frames: (Uint8Array | null)[] = [];
  for (const length of lengths) {
    frames.push(length > 0 ? body.subarray(at, at + length) : null);
    at += length;
  }
  const [full, deltaFull, delta, pbFull, pbDelta] = frames as [Uint8Array | null, Uint8Array | null, Uint8Array | null, Uint8Array | null, Uint8Array | null];
  return { kind, stamp: stampValue, channel, offset, at: stamp, epoch, binary: (flags & FLAG_BINARY) !== 0, full, deltaFull, delta, pbFull, pbDelta };
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

