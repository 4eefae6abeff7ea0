/**
 * The start-up check that the NATS user may use the subjects switchyard
 * uses. A NATS account with subject permissions refuses a SUB or PUB outside
 * them with an asynchronous "Permissions Violation", and the connection stays
 * up: without this check the server would start, its subscriptions would
 * stay silent and its publications would go nowhere. Before the shards
 * start, the probe's connection subscribes to the node bus subjects and to a
 * channel subject no client can have, publishes on that one and on a node
 * subject nobody listens to (so no running node sees anything), and waits
 * for the server to have processed them (a flush).
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { NatsConfig } from '../../config/types';
import { natsSubject } from './broker';
import { asNatsRefusal, type NatsRefusal } from './refusal';

/** A channel subject (the channel "\u0000switchyard-probe", which no client can subscribe to). */
function channelProbeSubject(config: NatsConfig): string | null {
  // In raw mode channel subjects are the application's own: nothing safe to publish on.
  return config.raw_mode.enabled ? null : natsSubject(config, '\u0000switchyard-probe');
}

/** The problems found on a connected probe connection; none when every subject switchyard uses is allowed. */
export async function natsPermissionProblems(nc: NatsConnection, config: NatsConfig, label: string): Promise<string[]> {
  const refusals: NatsRefusal[] = [];
  const watching = (async () => {
    for await (const status of nc.status()) {
      const refusal = status.type === 'error' ? asNatsRefusal(status.error) : null;
      if (refusal) refusals.push(refusal);
    }
  })();
  const channel = channelProbeSubject(config);
  const silentNode = `${config.prefix}.node.switchyard-probe-${process.pid}`;
  const subscribed = [`${config.prefix}.control`, silentNode, ...(channel ? [channel] : [])];
  const published = [silentNode, ...(channel ? [channel] : [])];
  const subs = subscribed.map((subject) => nc.subscribe(subject, { callback: () => undefined }));
  for (const subject of published) nc.publish(subject, '');
  await nc.flush();
  // The violations arrived before the flush's answer; their status events are delivered in microtasks.
  await new Promise((resolve) => setImmediate(resolve));
  for (const sub of subs) sub.unsubscribe();
  void watching;
  const need = config.raw_mode.enabled ? `"${config.prefix}.>"` : `"${config.prefix}.>" (channels on "${config.prefix}.client.>", nodes on "${config.prefix}.control" and "${config.prefix}.node.>")`;
  const seen = new Set<string>();
  return refusals
    .filter((r) => {
      const key = `${r.operation} ${r.subject}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => `broker.nats: NATS at ${label} refused to let the user ${r.operation === 'publish' ? 'publish on' : 'subscribe to'} "${r.subject}" (${r.message}); the user needs publish and subscribe permission for ${need}`);
}
