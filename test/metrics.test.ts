/**
 * Prometheus metrics (`prometheus.enabled`): Centrifugo's names and labels,
 * summed over shards; ours with a `shard` label; process metrics and the
 * build; the same numbers as a JSON snapshot; 404 when disabled. Also the
 * quantile estimate behind the derived summaries.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketQuantile } from '../src/metrics/gather';
import { callApi } from './helpers/api';
import { subscribedClient, waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';

/** The value of one sample line `name{labels} value` (labels as written, in order), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('/metrics: Centrifugo names summed over shards, per-shard switchyard_shard_*, process metrics', async () => {
  const server = await startTestServer({ prometheus: { enabled: true }, shards: { count: 2 } });
  const clients: Awaited<ReturnType<typeof subscribedClient>>[] = [];
  try {
    clients.push(...(await Promise.all(Array.from({ length: 4 }, () => subscribedClient(server.wsUrl, 'metered')))));
    for (let i = 0; i < 3; i++) await callApi(server.apiUrl, 'publish', { channel: 'metered', data: { i } });
    await waitFor(() => clients.every((c) => c.received.length === 3), 'publications');
    const res = await fetch(`${server.opsUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.equal(sample(text, 'centrifugo_node_num_clients'), 4);
    assert.equal(sample(text, 'centrifugo_node_num_subscriptions'), 4);
    assert.equal(sample(text, 'centrifugo_node_num_channels'), 1);
    assert.equal(sample(text, 'centrifugo_node_messages_sent_count{type="publication",channel_namespace=""}'), 3);
    assert.equal(sample(text, 'centrifugo_node_messages_received_count{type="publication",channel_namespace=""}'), 3);
    assert.equal(sample(text, 'centrifugo_transport_messages_sent{transport="websocket",frame_type="publication",channel_namespace=""}'), 12);
    assert.equal(sample(text, 'centrifugo_transport_messages_received{transport="websocket",frame_type="subscribe",channel_namespace=""}'), 4);
    assert.equal(sample(text, 'centrifugo_client_command_duration_seconds_histogram_count{method="connect",channel_namespace=""}'), 4);
    assert.equal(sample(text, 'centrifugo_api_command_duration_seconds_histogram_count{protocol="http",method="publish"}'), 3);
    assert.match(text, /^centrifugo_client_command_duration_seconds\{method="subscribe",channel_namespace="",quantile="0.5"\} [0-9.e-]+$/m);
    assert.match(text, /^centrifugo_node_build\{version="[^"]+"\} 1$/m);
    assert.match(text, /^process_cpu_seconds_total [0-9.e+-]+$/m);
    assert.match(text, /^process_resident_memory_bytes [0-9.e+]+$/m);
    const perShard = [0, 1].map((s) => sample(text, `switchyard_shard_connections{shard="${s}"}`) ?? NaN);
    assert.equal(perShard[0]! + perShard[1]!, 4);
    assert.equal(sample(text, 'switchyard_shard_publish_to_write_seconds_count{shard="0"}')! + sample(text, 'switchyard_shard_publish_to_write_seconds_count{shard="1"}')! >= 3, true);
    for (const name of ['switchyard_shard_mailbox_queued_bytes', 'switchyard_shard_mailbox_full_total', 'switchyard_shard_mailbox_wakeups_total', 'switchyard_shard_fanout_dropped_total', 'switchyard_shard_owned_channels', 'switchyard_shard_restarts_total']) {
      assert.ok(sample(text, `${name}{shard="1"}`) !== undefined, name);
    }
    // The same numbers as JSON, per shard.
    const snapshot = await server.metricsSnapshot();
    assert.deepEqual(snapshot.shards.map((s) => s.shard), [0, 1]);
    const clientsJson = snapshot.shards.map((s) => s.metrics.find((m) => m.name === 'switchyard_shard_connections')?.values[0]?.value ?? 0);
    assert.equal(clientsJson[0]! + clientsJson[1]!, 4);
  } finally {
    for (const c of clients) c.client.disconnect();
    await server.close();
  }
});

test('/metrics: publications fanned out by the shard that took them count in publish_to_write', async () => {
  // One shard: the API request, the owner and every subscriber share it, so no record crosses a ring.
  const server = await startTestServer({ prometheus: { enabled: true }, shards: { count: 1 } });
  const clients: Awaited<ReturnType<typeof subscribedClient>>[] = [];
  try {
    clients.push(await subscribedClient(server.wsUrl, 'self-fanout'));
    for (let i = 0; i < 3; i++) await callApi(server.apiUrl, 'publish', { channel: 'self-fanout', data: { i } });
    await waitFor(() => clients[0]!.received.length === 3, 'publications');
    const text = await (await fetch(`${server.opsUrl}/metrics`)).text();
    assert.equal(sample(text, 'switchyard_shard_publish_to_write_seconds_count{shard="0"}'), 3);
  } finally {
    for (const c of clients) c.client.disconnect();
    await server.close();
  }
});

test('/metrics is 404 when prometheus.enabled is false', async () => {
  const server = await startTestServer({ shards: { count: 1 } });
  try {
    assert.equal((await fetch(`${server.opsUrl}/metrics`)).status, 404);
  } finally {
    await server.close();
  }
});

test('quantiles of a histogram are interpolated within buckets', () => {
  const buckets = [
    { le: 0.1, count: 50 },
    { le: 0.2, count: 100 },
    { le: Infinity, count: 100 },
  ];
  assert.equal(bucketQuantile(0.5, buckets), 0.1);
  assert.ok(Math.abs(bucketQuantile(0.75, buckets) - 0.15) < 1e-9);
  assert.ok(Number.isNaN(bucketQuantile(0.5, [{ le: Infinity, count: 0 }])));
});
