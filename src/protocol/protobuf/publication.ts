/**
 * The publication push Reply written byte by byte: the one Protobuf message
 * on the fan-out hot path (encoded once per publication at the owner when the
 * channel has Protobuf subscribers). Sizes are computed first, then strings
 * and payload bytes are written straight into one buffer, with no
 * intermediate copies. Field numbers are client.proto's (schema.ts):
 *
 *   Reply.push = 4 → Push.channel = 2, Push.pub = 4 → Publication.data = 4,
 *   info = 5 (ClientInfo user 1, client 2, conn_info 3, chan_info 4),
 *   offset = 6, tags = 7 (map entries key 1, value 2), delta = 8
 */
import type { ClientInfo, PublicationFields } from '../json';
import { isBinaryPayload } from '../payload';
import { varintSize, writeVarint } from '../framing';

/** A length-delimited field's key: (field number << 3) | wire type 2. */
const delimited = (field: number): number => (field << 3) | 2;
/** A varint field's key: (field number << 3) | wire type 0. */
const varintKey = (field: number): number => field << 3;

/** A string or payload to write: its UTF-8 text, or raw bytes. */
type Chunk = string | Uint8Array;

function chunkSize(chunk: Chunk): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length;
}

/** A payload carrier as a chunk: JSON text as it is, a binary payload as its bytes. */
function payloadChunk(carrier: string): Chunk {
  return isBinaryPayload(carrier) ? Buffer.from(carrier.slice(1), 'base64') : carrier;
}

/** Size of a length-delimited field holding `length` bytes (key of one byte: fields below 16). */
function fieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

/** A Protobuf message under construction: fields appended in order. */
class Out {
  at = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    this.at = writeVarint(this.buf, this.at, n);
  }

  header(key: number, length: number): void {
    this.buf[this.at++] = key;
    this.varint(length);
  }

  chunk(key: number, chunk: Chunk, size: number): void {
    this.header(key, size);
    if (typeof chunk === 'string') this.buf.write(chunk, this.at, size, 'utf8');
    else this.buf.set(chunk, this.at);
    this.at += size;
  }
}

interface InfoParts {
  readonly user: number;
  readonly client: number;
  readonly connInfo: Chunk | null;
  readonly connInfoSize: number;
  readonly chanInfo: Chunk | null;
  readonly chanInfoSize: number;
  readonly size: number;
}

function infoParts(info: ClientInfo): InfoParts {
  const user = Buffer.byteLength(info.user, 'utf8');
  const client = Buffer.byteLength(info.client, 'utf8');
  const connInfo = info.conn_info !== undefined ? payloadChunk(info.conn_info) : null;
  const chanInfo = info.chan_info !== undefined ? payloadChunk(info.chan_info) : null;
  const connInfoSize = connInfo ? chunkSize(connInfo) : 0;
  const chanInfoSize = chanInfo ? chunkSize(chanInfo) : 0;
  let size = (user > 0 ? fieldSize(user) : 0) + (client > 0 ? fieldSize(client) : 0);
  if (connInfo) size += fieldSize(connInfoSize);
  if (chanInfo) size += fieldSize(chanInfoSize);
  return { user, client, connInfo, connInfoSize, chanInfo, chanInfoSize, size };
}

/**
 * A publication push Reply for Protobuf subscribers. `data` replaces the
 * payload bytes (a fossil patch, with `delta`); by default the publication's own.
 */
export function writePublicationReply(channel: string, pub: PublicationFields, data?: Uint8Array, delta = false): Uint8Array {
  const payload: Chunk = data ?? payloadChunk(pub.data);
  const dataSize = chunkSize(payload);
  const info = pub.info ? infoParts(pub.info) : null;
  const tags = pub.tags ? Object.entries(pub.tags).map(([k, v]) => [k, v, Buffer.byteLength(k, 'utf8'), Buffer.byteLength(v, 'utf8')] as const) : [];
  let pubSize = dataSize > 0 ? fieldSize(dataSize) : 0;
  if (info) pubSize += fieldSize(info.size);
  if (pub.offset) pubSize += 1 + varintSize(pub.offset);
  for (const [, , k, v] of tags) pubSize += fieldSize(fieldSize(k) + fieldSize(v));
  if (delta) pubSize += 2;
  const channelSize = Buffer.byteLength(channel, 'utf8');
  const pushSize = (channelSize > 0 ? fieldSize(channelSize) : 0) + fieldSize(pubSize);
  const out = new Out(Buffer.allocUnsafe(fieldSize(pushSize)));
  out.header(delimited(4), pushSize);
  if (channelSize > 0) out.chunk(delimited(2), channel, channelSize);
  out.header(delimited(4), pubSize);
  if (dataSize > 0) out.chunk(delimited(4), payload, dataSize);
  if (info) {
    out.header(delimited(5), info.size);
    if (info.user > 0) out.chunk(delimited(1), pub.info!.user, info.user);
    if (info.client > 0) out.chunk(delimited(2), pub.info!.client, info.client);
    if (info.connInfo) out.chunk(delimited(3), info.connInfo, info.connInfoSize);
    if (info.chanInfo) out.chunk(delimited(4), info.chanInfo, info.chanInfoSize);
  }
  if (pub.offset) {
    out.buf[out.at++] = varintKey(6);
    out.varint(pub.offset);
  }
  for (const [key, value, k, v] of tags) {
    out.header(delimited(7), fieldSize(k) + fieldSize(v));
    out.chunk(delimited(1), key, k);
    out.chunk(delimited(2), value, v);
  }
  if (delta) {
    out.buf[out.at++] = varintKey(8);
    out.buf[out.at++] = 1;
  }
  return out.buf;
}
