/**
 * The PostgreSQL outbox consumer against the local PostgreSQL (PG_DSN, by
 * default postgres://postgres@127.0.0.1:5432/test): commands inserted in a
 * backend's transaction are applied in order per partition, deleted once
 * applied, and survive a switchyard restart in the middle (nothing lost;
 * nothing applied twice when the publishes carry idempotency keys and Redis
 * keeps them). Two processes on one table never apply a partition together.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { runCli } from './helpers/engines';
import { REDIS_URL, redisEngine, startNode, uniquePrefix, type ChildNode } from './helpers/redis';

const PG_DSN = process.env['PG_DSN'] || 'postgres://postgres@127.0.0.1:5432/test';
const skipWithoutPostgres: string | false =
  spawnSync('psql', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'PostgreSQL (psql) is not installed: outbox tests skipped';

const table = `sy_outbox_${Math.random().toString(36).slice(2, 8)}`;
const notify = `${table}_notify`;

async function sql(text: string, params: unknown[] = []): Promise<{ rows: Record<string, unknown>[] }> {
  const client = new Client({ connectionString: PG_DSN });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/** Inserts commands in one transaction, as a backend would; `partition` picks the partition. */
async function insert(commands: { method: string; payload: unknown; partition?: number }[]): Promise<void> {
  const client = new Client({ connectionString: PG_DSN });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const c of commands) await client.query(`INSERT INTO ${table} (method, payload, partition) VALUES ($1, $2, $3)`, [c.method, JSON.stringify(c.payload), c.partition ?? 0]);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

function consumerConfig(partitions: number): Record<string, unknown> {
  return {
    consumers: [
      {
        name: 'outbox',
        enabled: true,
        type: 'postgresql',
        postgresql: {
          dsn: PG_DSN,
          outbox_table_name: table,
          num_partitions: partitions,
          partition_select_limit: 50,
          partition_poll_interval: '200ms',
          partition_notification_channel: notify,
        },
      },
    ],
  };
}

describe('PostgreSQL outbox consumer', { skip: skipWithoutPostgres }, () => {
  const nodes: ChildNode[] = [];
  const cleanups: (() => void)[] = [];

  before(async () => {
    await sql(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, method text NOT NULL, payload jsonb NOT NULL, partition integer NOT NULL DEFAULT 0)`);
    await sql(`CREATE FUNCTION ${notify}() RETURNS trigger AS $$ BEGIN PERFORM pg_notify('${notify}', NEW.partition::text); RETURN NEW; END; $$ LANGUAGE plpgsql`);
    await sql(`CREATE TRIGGER ${notify} AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${notify}()`);
  });

  after(async () => {
    for (const c of cleanups) c();
    await Promise.all(nodes.map((n) => n.stop()));
    await sql(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await sql(`DROP FUNCTION IF EXISTS ${notify}()`).catch(() => undefined);
  });

  test('a missing outbox table at start: a clear error and exit 1', async () => {
    const run = await runCli({ consumers: [{ name: 'x', enabled: true, postgresql: { dsn: PG_DSN, outbox_table_name: 'sy_no_such_table' } }] });
    assert.equal(run.code, 1);
    assert.match(run.output, /consumers\[0\] "x": PostgreSQL outbox not usable: relation "sy_no_such_table" does not exist/);
  });

  test('a database user that may read the outbox but not DELETE from it: a clear error and exit 1 (applied rows would be applied again)', async () => {
    const role = `sy_nodelete_${Math.random().toString(36).slice(2, 8)}`;
    await sql(`CREATE ROLE ${role} LOGIN`);
    try {
      await sql(`GRANT SELECT ON ${table} TO ${role}`);
      const dsn = PG_DSN.replace(/\/\/[^@/]*@/, `//${role}@`);
      const run = await runCli({ consumers: [{ name: 'x', enabled: true, postgresql: { dsn, outbox_table_name: table } }] });
      assert.equal(run.code, 1, run.output);
      assert.match(run.output, new RegExp(`consumers\\[0\\] "x": PostgreSQL user "${role}" may not DELETE from ${table}, so every applied command would be applied again \\(GRANT DELETE ON ${table} TO "${role}"\\)`));
    } finally {
      await sql(`DROP OWNED BY ${role}`).catch(() => undefined);
      await sql(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    }
  });

  test('a DELETE refused after the commands were applied: the retries delete them without applying them again', async () => {
    const role = `sy_revoked_${Math.random().toString(36).slice(2, 8)}`;
    await sql(`CREATE ROLE ${role} LOGIN`);
    await sql(`GRANT SELECT, DELETE ON ${table} TO ${role}`);
    const dsn = PG_DSN.replace(/\/\/[^@/]*@/, `//${role}@`);
    const node = await startNode({ consumers: [{ name: 'x', enabled: true, postgresql: { dsn, outbox_table_name: table, partition_poll_interval: '100ms' } }] });
    nodes.push(node);
    const client = sdkClient(node.wsUrl);
    cleanups.push(() => client.disconnect());
    const got: number[] = [];
    const sub = client.newSubscription('revoked');
    sub.on('publication', (ctx) => got.push((ctx.data as { n: number }).n));
    sub.subscribe();
    client.connect();
    await sub.ready(5000);
    try {
      await insert([{ method: 'publish', payload: { channel: 'revoked', data: { n: 1 } } }]);
      await waitFor(() => got.length === 1, 'the first command');
      await sql(`REVOKE DELETE ON ${table} FROM ${role}`);
      await insert([{ method: 'publish', payload: { channel: 'revoked', data: { n: 2 } } }, { method: 'publish', payload: { channel: 'revoked', data: { n: 3 } } }]);
      await waitFor(() => /outbox consumer failed; retrying.*permission denied/.test(node.output()), 'the refused DELETE');
      // Retries come every 20 ms or more, doubling up to 5 s: a few seconds hold several.
      await new Promise((r) => setTimeout(r, 2500));
      assert.deepEqual(got, [1, 2, 3], 'each command applied once while its DELETE is refused');
      await sql(`GRANT DELETE ON ${table} TO ${role}`);
      const deadline = Date.now() + 10_000;
      while ((await sql(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!['n'] !== 0) {
        assert.ok(Date.now() < deadline, 'the rows are deleted once DELETE is granted again');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(got, [1, 2, 3]);
      assert.match(node.output(), /outbox rows applied by a batch that did not commit: deleted now, not applied again/);
    } finally {
      client.disconnect();
      await node.stop();
      await sql(`DROP OWNED BY ${role}`).catch(() => undefined);
      await sql(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    }
  });

  test('commands are applied in order per partition, across two processes, and deleted; bad ones are skipped', async () => {
    const engine = REDIS_URL ? { engine: redisEngine(uniquePrefix('outbox')) } : {};
    const config = { ...engine, ...consumerConfig(4) };
    const started = [await startNode({ ...config, shards: { count: 2 } })];
    if (REDIS_URL) started.push(await startNode({ ...config, shards: { count: 1 } }));
    nodes.push(...started);
    const client = sdkClient(started[0]!.wsUrl);
    cleanups.push(() => client.disconnect());
    const got = new Map<string, number[]>();
    for (let p = 0; p < 4; p++) {
      const list: number[] = [];
      got.set(`part${p}`, list);
      const sub = client.newSubscription(`part${p}`);
      sub.on('publication', (ctx) => list.push((ctx.data as { n: number }).n));
      sub.subscribe();
    }
    client.connect();
    await Promise.all([0, 1, 2, 3].map((p) => client.getSubscription(`part${p}`)!.ready(5000)));
    const commands: { method: string; payload: unknown; partition?: number }[] = [
      { method: 'no_such_method', payload: {} },
      { method: 'publish', payload: { channel: '', data: {} } },
    ];
    for (let n = 0; n < 100; n++) for (let p = 0; p < 4; p++) commands.push({ method: 'publish', payload: { channel: `part${p}`, data: { n } }, partition: p });
    await insert(commands);
    await waitFor(() => [...got.values()].every((list) => list.length >= 100), '400 consumed publications', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    for (const list of got.values()) assert.deepEqual(list, Array.from({ length: 100 }, (_, i) => i));
    assert.equal((await sql(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!['n'], 0);
    client.disconnect();
    await Promise.all(started.map((n) => n.stop()));
  });

  test('a restart in the middle loses nothing, and idempotency keys keep repeats out', { skip: REDIS_URL ? false : 'REDIS_URL is not set: history across a restart needs Redis' }, async () => {
    const prefix = uniquePrefix('outbox-restart');
    const config = {
      engine: redisEngine(prefix),
      ...consumerConfig(2),
      channel: { without_namespace: { history_size: 2000, history_ttl: '300s' } },
      shards: { count: 1 },
    };
    const first = await startNode(config);
    nodes.push(first);
    const total = 1000;
    await insert(Array.from({ length: total }, (_, n) => ({ method: 'publish', payload: { channel: 'restart', data: { n }, idempotency_key: `k${n}` }, partition: 1 })));
    const offset = async (node: ChildNode): Promise<number> => (await callApi(node.apiUrl, 'history', { channel: 'restart', limit: 0 })).body.result?.offset ?? 0;
    const deadline = Date.now() + 15_000;
    while ((await offset(first)) < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // No graceful end: the batch under way is neither committed nor finished.
    first.child.kill('SIGKILL');
    await first.exited;
    const leftAtKill = (await sql(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!['n'] as number;
    const second = await startNode(config);
    nodes.push(second);
    const until = Date.now() + 30_000;
    while (Date.now() < until && ((await sql(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!['n'] as number) > 0) await new Promise((r) => setTimeout(r, 200));
    assert.equal((await sql(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!['n'], 0, 'every row applied and deleted');
    const pubs = (await callApi(second.apiUrl, 'history', { channel: 'restart', limit: -1 })).body.result.publications as { data: { n: number } }[];
    assert.ok(leftAtKill > 0, 'the restart came in the middle');
    assert.deepEqual(
      pubs.map((p) => p.data.n),
      Array.from({ length: total }, (_, i) => i),
      'each command applied once, in order',
    );
    await second.stop();
  });

  test('losing the database connections at run time: a clear error, then the consumer goes on where it was', async () => {
    const node = await startNode({ ...consumerConfig(1), shards: { count: 1 } });
    nodes.push(node);
    const client = sdkClient(node.wsUrl);
    cleanups.push(() => client.disconnect());
    const got = new Set<number>();
    const sub = client.newSubscription('pgloss');
    sub.on('publication', (ctx) => got.add((ctx.data as { n: number }).n));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    let n = 0;
    const batch = (): { method: string; payload: unknown }[] => Array.from({ length: 20 }, () => ({ method: 'publish', payload: { channel: 'pgloss', data: { n: n++ } } }));
    await insert(batch());
    await waitFor(() => got.size >= 20, 'first batch');
    // Cut every connection of the consumer, as a database restart or a network cut would.
    await sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'switchyard-outbox-outbox'");
    await insert(batch());
    await waitFor(() => got.size >= 40, 'every row after the connections were cut', 15_000);
    assert.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
    assert.match(node.output(), /outbox (connection error|LISTEN connection lost|consumer failed)/);
    assert.equal(node.child.exitCode, null);
    await node.stop();
  });
});
