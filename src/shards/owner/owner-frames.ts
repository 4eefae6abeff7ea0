/**
 * The frames the owner encodes for a fan-out record (owned-channels.ts): a
 * publication's plain frames and, on a channel with deltas, its delta
 * subscribers' ones, in JSON and Protobuf; and a join or leave push. Each is
 * made only in the protocols some subscribed shard needs (the channel's mask
 * of fanout.ts ProtocolBit).
 */
import type { Publication } from '../../broker/broker';
import { encodeClientInfo, encodeDeltaPublication, encodePush, type ClientInfo } from '../../protocol/json';
import { isBinaryPayload, payloadToBytes } from '../../protocol/payload';
import { encodeJoinLeaveReply, encodePublicationReply } from '../../protocol/protobuf/codec';
import { ProtocolBit, type Fanout } from '../messaging/fanout';
import { encodeFossilPatch, encodeFossilPatchBytes } from './delta';
import { jsonPublicationFrame, protobufPublicationFrame } from './publication-frames';

/** A record's JSON frames: plain, a delta subscriber's first (full) one, and the fossil patch. */
export type JsonFrames = Pick<Fanout, 'full' | 'deltaFull' | 'delta'>;
/** A record's Protobuf frames: plain (also a delta subscriber's first), and the fossil patch. */
export type ProtobufFrames = Pick<Fanout, 'pbFull' | 'pbDelta'>;
/** No JSON frames (no JSON subscriber, or a binary payload). */
export const NO_JSON_FRAMES: JsonFrames = Object.freeze({ full: null, deltaFull: null, delta: null });
/** No Protobuf frames (no Protobuf subscriber). */
export const NO_PROTOBUF_FRAMES: ProtobufFrames = Object.freeze({ pbFull: null, pbDelta: null });

/** Counts the fossil patches made (OwnerStats.deltas). */
export interface DeltaCount {
  deltas: number;
}

/**
 * The JSON frames of a publication: plain, and with `withDelta` the delta
 * subscribers' ones (a patch against `prev` when both payloads are text).
 */
export function jsonFrames(channel: string, pub: Publication, withDelta: boolean, prev: Publication | undefined, count: DeltaCount): JsonFrames {
  let deltaFull: Uint8Array | null = null;
  let delta: Uint8Array | null = null;
  if (withDelta) {
    deltaFull = Buffer.from(encodePush(channel, 'pub', encodeDeltaPublication(pub)));
    const patch = prev && !isBinaryPayload(prev.data) ? encodeFossilPatch(prev.data, pub.data) : null;
    if (patch !== null) {
      delta = Buffer.from(encodePush(channel, 'pub', encodeDeltaPublication(pub, patch)));
      count.deltas++;
    }
  }
  return { full: jsonPublicationFrame(channel, pub), deltaFull, delta };
}

/** The Protobuf frames of a publication: plain, and with `withDelta` and a `prev` the fossil patch. */
export function protobufFrames(channel: string, pub: Publication, withDelta: boolean, prev: Publication | undefined, count: DeltaCount): ProtobufFrames {
  let pbDelta: Uint8Array | null = null;
  if (withDelta && prev) {
    const patch = encodeFossilPatchBytes(payloadToBytes(prev.data), payloadToBytes(pub.data));
    if (patch !== null) {
      pbDelta = encodePublicationReply(channel, pub, patch, true);
      count.deltas++;
    }
  }
  return { pbFull: protobufPublicationFrame(channel, pub), pbDelta };
}

/** The frames of a join or leave push in the protocols of `mask`; no JSON frame when the info is `binary`. */
export function joinLeaveFrames(channel: string, kind: 'join' | 'leave', info: ClientInfo, mask: number, binary: boolean): JsonFrames & ProtobufFrames {
  return {
    full: (mask & ProtocolBit.JSON) !== 0 && !binary ? Buffer.from(encodePush(channel, kind, `{"info":${encodeClientInfo(info)}}`)) : null,
    deltaFull: null,
    delta: null,
    pbFull: (mask & ProtocolBit.PROTOBUF) !== 0 ? encodeJoinLeaveReply(channel, kind, info) : null,
    pbDelta: null,
  };
}
