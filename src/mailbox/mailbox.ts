/*
 * src/mailbox/: the shared-memory mailboxes between shards: SPSC rings with
 * named slots, one Atomics doorbell per shard, the outbox with its bounded
 * overflow, and the wiring the acceptor hands out. May import: common,
 * protocol, config.
 */
/**
 * The shard-to-shard mailbox: byte records (a kind byte plus a body the caller
 * encodes) moved between worker threads through shared-memory rings.
 *
 * - wiring.ts: the shared buffers, created once by the acceptor, sent to every shard.
 * - outbox.ts: the sending side; post() answers 'ok' or 'full', never blocks.
 * - inbox.ts: the receiving side; drains in batches, lingers briefly, then sleeps on a doorbell.
 * - fragments.ts: how a record larger than a quarter of a ring travels (cut, then reassembled per sender).
 * - ring.ts / doorbell.ts: the shared-memory layouts underneath.
 *
 * Ordering: records from one shard to another arrive in the order posted,
 * fragmented ones included. Nothing orders records from different senders.
 */
export { createWiring, rewire, type MailboxWiring, type Wiring } from './wiring';
export { Outbox, type OutboxStats, type PostResult } from './outbox';
export { Inbox, type InboxStats, type RecordHandler } from './inbox';
export { Ring } from './ring';
