/**
 * The reload switch of one shard (src/shards/config-switch.ts), without a
 * server: it switches at the commit or at the first peer marker, whichever
 * comes first; it posts its markers after switching; a peer's records are
 * handled with the previous settings until that peer's marker arrives; a
 * restarted peer is not waited for. Also the restart-only key rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigSwitch, type SwitchHost } from '../src/shards/config-switch';
import { createShardSettings, type ShardSettings } from '../src/shards/settings';
import { createLogger } from '../src/common/log';
import { changedKeys, keepRestartKeys, restartChanges } from '../src/config/restart-keys';
import { testConfig } from './helpers/server';

const log = createLogger('test');
const settings = (version: number, overrides: Record<string, unknown> = {}): ShardSettings => createShardSettings(version, testConfig(overrides), log);

function host(id: number, count: number) {
  const events: string[] = [];
  const h: SwitchHost = {
    id,
    count,
    installSettings: (next) => events.push(`install ${next.version}`),
    sendMarker: (to, version) => events.push(`marker ${version} to ${to}`),
    switchDone: (version) => events.push(`done ${version}`),
  };
  return { h, events };
}

test('the commit switches; markers go out first, then the install; done once every peer marker came', () => {
  const { h, events } = host(1, 3);
  const sw = new ConfigSwitch(h, settings(0));
  const v0 = sw.settings;
  sw.prepare(settings(1));
  assert.equal(sw.settings, v0, 'prepare alone switches nothing');
  sw.commit(1);
  assert.deepEqual(events, ['marker 1 to 0', 'marker 1 to 2', 'install 1']);
  assert.equal(sw.viewFor(0), v0, "peer 0's records still use the previous settings");
  sw.onMarker(0, 1);
  assert.equal(sw.viewFor(0), null);
  assert.equal(sw.viewFor(2), v0);
  sw.onMarker(2, 1);
  assert.equal(sw.viewFor(2), null);
  assert.deepEqual(events.slice(3), ['done 1']);
});

test('a peer marker before the commit switches at once; the late commit does nothing', () => {
  const { h, events } = host(0, 2);
  const sw = new ConfigSwitch(h, settings(0));
  sw.prepare(settings(1));
  sw.onMarker(1, 1);
  assert.equal(sw.settings.version, 1);
  assert.deepEqual(events, ['marker 1 to 1', 'install 1', 'done 1']);
  sw.commit(1);
  assert.equal(events.length, 3);
});

test('a restarted peer is not waited for; an older version is ignored', () => {
  const { h, events } = host(0, 3);
  const sw = new ConfigSwitch(h, settings(2));
  sw.prepare(settings(1));
  sw.commit(1);
  assert.equal(sw.settings.version, 2, 'older than the running version');
  sw.prepare(settings(3));
  sw.commit(3);
  sw.onMarker(1, 3);
  sw.peerRestarted(2);
  assert.deepEqual(events, ['marker 3 to 1', 'marker 3 to 2', 'install 3', 'done 3']);
});

test('restart-only keys: reported, kept at their running values; other keys change', () => {
  const running = testConfig({ shards: { count: 2 }, http_server: { port: 8000 } });
  const next = testConfig({ shards: { count: 4 }, http_server: { port: 9000, tls: { enabled: false } }, client: { channel_limit: 5 }, prometheus: { enabled: true } });
  assert.deepEqual(restartChanges(running, next).sort(), ['http_server.port', 'prometheus.enabled', 'shards.count']);
  const kept = keepRestartKeys(running, next);
  assert.equal(kept.shards.count, 2);
  assert.equal(kept.http_server.port, 8000);
  assert.equal(kept.prometheus.enabled, false);
  assert.equal(kept.client.channel_limit, 5);
  assert.ok(Object.isFrozen(kept.client));
  assert.deepEqual(changedKeys(running, kept), ['client.channel_limit']);
});
