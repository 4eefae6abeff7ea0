/**
 * What an owner shard sends each subscribed shard for one channel event: a
 * publication (with the frames for plain and for delta subscribers) or a
 * join/leave push. The frames are encoded once at the owner; a record is the
 * small header below followed by the frames as they are, so posting to N
 * shards copies bytes and encodes nothing again.
 *
 *   u8  kind            0 publication, 1 join/leave
 *   u16 channel length, then the channel (UTF-8)
 *   f64 offset          0 when the channel keeps no history
 *   u8  epoch length, then the epoch (ASCII)
 *   u32 full length      the frame for plain subscribers (or the join/leave push)
 *   u32 deltaFull length the frame for delta subscribers, data as a JSON string; 0 if none
 *   u32 delta length     the same with a fossil patch and "delta":true; 0 if none
 *   …   the frames, in that order
 */

/** Kinds of fan-out. */
export const FanoutKind = Object.freeze({ PUBLICATION: 0, JOIN_LEAVE: 1 });

/** One fan-out event. Frames are views: copy them to keep them past the call. */
export interface Fanout {
  readonly kind: number;
  readonly channel: string;
  readonly offset: number;
  readonly epoch: string;
  readonly full: Uint8Array;
  readonly deltaFull: Uint8Array | null;
  readonly delta: Uint8Array | null;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** The record parts for a fan-out: header, then frames. */
export function fanoutParts(f: Fanout): Uint8Array[] {
  const name = utf8.encode(f.channel);
  const epoch = utf8.encode(f.epoch);
  const header = new Uint8Array(1 + 2 + name.length + 8 + 1 + epoch.length + 12);
  const view = new DataView(header.buffer);
  let at = 0;
  view.setUint8(at, f.kind);
  at += 1;
  view.setUint16(at, name.length, true);
  at += 2;
  header.set(name, at);
  at += name.length;
  view.setFloat64(at, f.offset, true);
  at += 8;
  view.setUint8(at, epoch.length);
  at += 1;
  header.set(epoch, at);
  at += epoch.length;
  view.setUint32(at, f.full.length, true);
  view.setUint32(at + 4, f.deltaFull?.length ?? 0, true);
  view.setUint32(at + 8, f.delta?.length ?? 0, true);
  const parts = [header, f.full];
  if (f.deltaFull) parts.push(f.deltaFull);
  if (f.delta) parts.push(f.delta);
  return parts;
}

/** Reads a fan-out record body; the frames are views into `body`. */
export function readFanout(body: Uint8Array): Fanout {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 0;
  const kind = view.getUint8(at);
  at += 1;
  const nameLength = view.getUint16(at, true);
  at += 2;
  const channel = utf8Decoder.decode(body.subarray(at, at + nameLength));
  at += nameLength;
  const offset = view.getFloat64(at, true);
  at += 8;
  const epochLength = view.getUint8(at);
  at += 1;
  const epoch = utf8Decoder.decode(body.subarray(at, at + epochLength));
  at += epochLength;
  const fullLength = view.getUint32(at, true);
  const deltaFullLength = view.getUint32(at + 4, true);
  const deltaLength = view.getUint32(at + 8, true);
  at += 12;
  const full = body.subarray(at, at + fullLength);
  at += fullLength;
  const deltaFull = deltaFullLength > 0 ? body.subarray(at, at + deltaFullLength) : null;
  at += deltaFullLength;
  const delta = deltaLength > 0 ? body.subarray(at, at + deltaLength) : null;
  return { kind, channel, offset, epoch, full: full.length > 0 ? full : EMPTY, deltaFull, delta };
}

/** uWS topic of a channel's plain subscribers. */
export function plainTopic(channel: string): string {
  return channel;
}

/** uWS topic of a channel's delta subscribers (after their first, full publication). */
export function deltaTopic(channel: string): string {
  return `${channel}\u0000d`;
}

/** uWS topic of a channel's join/leave receivers. */
export function joinLeaveTopic(channel: string): string {
  return `${channel}\u0000j`;
}
