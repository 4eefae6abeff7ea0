/** What bench:idle and bench:idle-heap share: the same connections, read the same way. */

/** Settle time before each reading (memory, or heap snapshot), ms. */
export const SETTLE_MS = 2000;

/**
 * Connections opened and closed before the first reading, so one-time costs
 * (compiled code, lazily loaded modules, first allocations of shard-wide
 * tables) are not counted per connection.
 */
export const WARMUP_CONNECTIONS = 200;
