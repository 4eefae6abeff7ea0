/**
 * Where things sit among a test server's shards: the shards' counters (the
 * `info` API), subscribers connected until they cover the shards wanted, and
 * keep-alive API connections found on given shards (each keep-alive
 * connection's requests land on one shard).
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import type { RunningServer } from '../../src/acceptor/run';
import type { ShardStats } from '../../src/shards/stats';
import { callApi, callApiKeepAlive } from './api';
import { subscribedClient } from './clients';

/** A shard's counters, as the `info` API gives them (the ones these tests read). */
export type ShardInfo = Pick<ShardStats, 'num_clients' | 'publications_fanned_out' | 'fanout_dropped' | 'direct'>;

/** A subscribed SDK client (subscribedClient's result). */
export type Subscribed = Awaited<ReturnType<typeof subscribedClient>>;

/** Which direct-path counter shows where a publish was taken: fanned out directly (memory), or published to Redis directly. */
export type DirectCounter = 'publications' | 'broker_publications';

/** The counters of every shard of the server's node, in shard order. */
export async function shardsInfo(server: RunningServer): Promise<ShardInfo[]> {
  return (await callApi(server.apiUrl, 'info', {})).body.result.nodes[0].shards;
}

/** One keep-alive HTTP connection to the API (so its requests land on one shard). */
export class KeepAliveApi {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  constructor(private readonly apiUrl: string) {}

  /** Calls an API method; resolves with the parsed answer. */
  async call(method: string, body: unknown): Promise<any> {
    return (await callApiKeepAlive(this.agent, this.apiUrl, method, body)).body;
  }

  /** Closes the connection. */
  close(): void {
    this.agent.destroy();
  }
}

/** The shards' client counts once two reads 25 ms apart agree (clients closed just before may still be leaving). */
async function settledCounts(server: RunningServer): Promise<number[]> {
  let counts = (await shardsInfo(server)).map((s) => s.num_clients);
  for (let i = 0; i < 80; i++) {
    await new Promise((r) => setTimeout(r, 25));
    const now = (await shardsInfo(server)).map((s) => s.num_clients);
    if (now.every((n, j) => n === counts[j])) return now;
    counts = now;
  }
  assert.fail(`the shards' client counts did not settle: ${counts.join(',')}`);
}

/**
 * Connects subscribers of `channel` one at a time, noting each one's shard,
 * until `want` says enough (at most `max` tries). A client is placed by the
 * one shard whose count grew; when another client came or went meanwhile the
 * place is unknown, and that client is closed and the try made again. On
 * failure every client made is closed, so none is left reconnecting.
 */
export async function subscribersByShard(server: RunningServer, channel: string, want: (byShard: Subscribed[][]) => boolean, max = 60): Promise<Subscribed[][]> {
  const byShard: Subscribed[][] = [];
  try {
    let counts = await settledCounts(server);
    byShard.push(...counts.map((): Subscribed[] => []));
    for (let i = 0; i < max && !want(byShard); i++) {
      const c = await subscribedClient(server.wsUrl, channel);
      const now = (await shardsInfo(server)).map((s) => s.num_clients);
      const grew = now.flatMap((n, j) => (n > counts[j]! ? [j] : []));
      if (grew.length === 1 && now[grew[0]!] === counts[grew[0]!]! + 1) {
        byShard[grew[0]!]!.push(c);
        counts = now;
      } else {
        c.client.disconnect();
        counts = await settledCounts(server);
      }
    }
    assert.ok(want(byShard), `subscribers on the shards wanted: ${byShard.map((s) => s.length).join(',')}`);
    return byShard;
  } catch (error) {
    closeAll(byShard);
    throw error;
  }
}

/** The shard an API connection lands on: the one whose direct counter grows when it publishes to `channel` (which has subscribers). */
async function shardOf(server: RunningServer, api: KeepAliveApi, channel: string, counter: DirectCounter): Promise<number> {
  const before = (await shardsInfo(server)).map((s) => s.direct[counter]);
  assert.deepEqual(await api.call('publish', { channel, data: { probe: true } }), { result: {} });
  const now = (await shardsInfo(server)).map((s) => s.direct[counter]);
  const shard = now.findIndex((n, j) => n > before[j]!);
  assert.ok(shard >= 0, 'the probe went the direct way on some shard');
  return shard;
}

/** Opens keep-alive API connections until `count` of them sit on different shards (none on `avoid`). */
export async function apisOnShards(
  server: RunningServer,
  channel: string,
  count: number,
  avoid: number[] = [],
  counter: DirectCounter = 'publications',
): Promise<{ api: KeepAliveApi; shard: number }[]> {
  const found: { api: KeepAliveApi; shard: number }[] = [];
  const spare: KeepAliveApi[] = [];
  for (let i = 0; i < 40 && found.length < count; i++) {
    const api = new KeepAliveApi(server.apiUrl);
    const shard = await shardOf(server, api, channel, counter);
    if (avoid.includes(shard) || found.some((f) => f.shard === shard)) spare.push(api);
    else found.push({ api, shard });
  }
  for (const api of spare) api.close();
  assert.equal(found.length, count, 'API connections on different shards');
  return found;
}

/** Disconnects every client of the groups. */
export function closeAll(groups: Subscribed[][]): void {
  for (const group of groups) for (const c of group) c.client.disconnect();
}
