/**
 * Which shard owns a channel. One pure function, stable across processes and
 * releases: changing it moves channels between shards, so a test pins its
 * output for known inputs.
 */

/** 32-bit FNV-1a over the UTF-16 code units of the name (channel names are ASCII). */
export function channelHash(channel: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < channel.length; i++) {
    hash ^= channel.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The index (0 ≤ result < shardCount) of the shard that owns `channel`. */
export function ownerOf(channel: string, shardCount: number): number {
  if (shardCount <= 1) return 0;
  return channelHash(channel) % shardCount;
}
