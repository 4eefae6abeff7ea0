/**
 * The push frames of a publication, as both fan-out paths make them (the
 * owner's, owned-channels.ts, and the direct one, direct-fanout.ts): the
 * plain JSON push and the plain Protobuf Reply, and whether a payload is
 * binary (JSON subscribers cannot receive it).
 */
import type { Publication } from '../../broker/broker';
import { encodePublication, encodePush, type ClientInfo } from '../../protocol/json';
import { isBinaryPayload } from '../../protocol/payload';
import { encodePublicationReply } from '../../protocol/protobuf/codec';

/** The JSON push of a publication for plain subscribers (UTF-8 bytes). */
export function jsonPublicationFrame(channel: string, pub: Publication): Uint8Array {
  return Buffer.from(encodePush(channel, 'pub', encodePublication(pub)));
}

/** The Protobuf Reply of a publication for plain subscribers (and a delta subscriber's first). */
export function protobufPublicationFrame(channel: string, pub: Publication): Uint8Array {
  return encodePublicationReply(channel, pub);
}

/** Whether a client info carries a binary payload (JSON clients cannot receive it). */
export function isBinaryInfo(info: ClientInfo | undefined): boolean {
  return info !== undefined && ((info.conn_info !== undefined && isBinaryPayload(info.conn_info)) || (info.chan_info !== undefined && isBinaryPayload(info.chan_info)));
}

/** Whether a publication carries a binary payload (data or publisher info). */
export function isBinaryPublication(pub: Publication): boolean {
  return isBinaryPayload(pub.data) || isBinaryInfo(pub.info);
}
