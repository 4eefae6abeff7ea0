/**
 * Node control: how switchyard processes (nodes) sharing a Redis reach each
 * other. Shard 0 of each process listens on the control channel (all nodes)
 * and on its own node channel, announces this node every ANNOUNCE_MS, keeps
 * the live nodes (gone after NODE_TTL_MS without an announcement), applies
 * user actions other nodes sent to every shard of its process (gather), and
 * answers surveys. Any shard may send: user actions are published by the
 * shard that took the API request; surveys and the node list go through
 * shard 0 (a LOCAL_ACTION), which holds the answers.
 *
 * Messages are JSON: {t:"action"|"info"|"survey", from, …} on the control
 * channel, {t:"emulate", from, id, session, data} on the target node's
 * channel (commands of an emulated session whose `POST /emulation` reached
 * another node), {t:"answer", from, id, result} on the asking node's channel.
 */
import { nodeMetrics, processStats, type NodeMetrics, type ProcessStats } from './process-stats';
import { hostname } from 'node:os';
import type { Logger } from '../../common/log';
import { VERSION } from '../../common/version';
import type { ShardStats } from '../stats';
import type { LocalAction } from '../messaging/messages';
import type { EmulatedCommands, EmulationOutcome } from '../messaging/messages';
import type { NodeBus } from '../../broker/node-bus';

/** How often a node announces itself, ms (Centrifugo: 3 s). */
export const ANNOUNCE_MS = 3_000;
/** A node not heard from for this long is gone, ms (Centrifugo: 7 s). */
export const NODE_TTL_MS = 7_000;

/** Identity of this process in `info`. */
export interface NodeIdentity {
  readonly uid: string;
  readonly name: string;
}

/** One node as the `info` API lists it. */
export interface NodeInfo {
  readonly uid: string;
  readonly name: string;
  readonly version: string;
  readonly num_clients: number;
  readonly num_users: number;
  readonly num_channels: number;
  readonly num_subs: number;
  /** Seconds since the node started. */
  readonly uptime: number;
  /** Node metrics under Centrifugo's names (api.proto `Metrics`). */
  readonly metrics: NodeMetrics;
  /** The process's CPU (percent of one core) and RSS (bytes) (api.proto `Process`). */
  readonly process: ProcessStats;
  readonly shards: readonly ShardStats[];
}

/** A survey other nodes answer: the `channels` API. */
export type SurveyRequest = Extract<LocalAction, { op: 'channels' }>;

type ControlMessage =
  | { readonly t: 'action'; readonly from: string; readonly action: LocalAction }
  | { readonly t: 'info'; readonly from: string; readonly node: NodeInfo }
  | { readonly t: 'survey'; readonly from: string; readonly id: number; readonly request: SurveyRequest }
  /** `data`: JSON commands as text, or Protobuf bytes as base64 (`binary`). */
  | { readonly t: 'emulate'; readonly from: string; readonly id: number; readonly session: string; readonly data: string; readonly binary?: true }
  | { readonly t: 'answer'; readonly from: string; readonly id: number; readonly result: unknown };

/** A node's summary from its shards' counts. */
export function nodeInfo(identity: NodeIdentity, shards: readonly ShardStats[]): NodeInfo {
  const sum = (key: 'num_clients' | 'num_users' | 'owned_channels' | 'num_subs'): number => shards.reduce((n, s) => n + s[key], 0);
  const uptime = Math.max(0, ...shards.map((s) => s.uptime));
  return {
    uid: identity.uid,
    name: identity.name || hostname(),
    version: VERSION,
    num_clients: sum('num_clients'),
    // A user with connections on several shards is counted once per shard.
    num_users: sum('num_users'),
    // Every channel with subscribers has exactly one owner per process, so owned channels count each once.
    num_channels: sum('owned_channels'),
    num_subs: sum('num_subs'),
    uptime,
    metrics: nodeMetrics(shards, uptime),
    process: processStats(),
    shards,
  };
}

/** Publishes a user action for every other node (their shard 0 applies it to their shards). */
export function broadcastAction(bus: NodeBus, from: string, action: LocalAction): Promise<void> {
  return bus.publish(null, JSON.stringify({ t: 'action', from, action } satisfies ControlMessage));
}

/** What NodeControl needs from its shard. */
export interface NodeControlHost {
  /** Applies an action on every shard of this process. */
  gather<T>(action: LocalAction): Promise<T[]>;
  /** Feeds emulated commands to a session of this process. */
  emulate(session: string, data: EmulatedCommands): Promise<EmulationOutcome>;
}

/** Shard 0's side of node control. */
export class NodeControl {
  private readonly nodes = new Map<string, { info: NodeInfo; seenAt: number }>();
  private readonly surveys = new Map<number, { answers: unknown[]; expected: number; done: () => void }>();
  private nextSurvey = 1;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: NodeBus,
    private readonly identity: NodeIdentity,
    private readonly host: NodeControlHost,
    /** How long a survey waits for answers, ms. */
    private readonly surveyTimeout: number,
    private readonly log: Logger,
  ) {}

  /** Starts listening and announcing. */
  async start(): Promise<void> {
    this.timer = setInterval(() => this.announce(), ANNOUNCE_MS);
    this.timer.unref();
    try {
      await this.bus.listen((text) => this.onMessage(text));
    } catch (err) {
      this.log.warn('node control could not subscribe yet; retrying with the next announcement', { error: (err as Error).message });
      this.listenLater();
    }
    this.announce();
  }

  private listenLater(): void {
    const retry = setTimeout(() => {
      this.bus.listen((text) => this.onMessage(text)).catch(() => this.listenLater());
    }, ANNOUNCE_MS);
    retry.unref();
  }

  /** Stops announcing. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The other live nodes, by uid order. */
  liveNodes(): NodeInfo[] {
    const now = Date.now();
    const out: NodeInfo[] = [];
    for (const [uid, node] of this.nodes) {
      if (now - node.seenAt > NODE_TTL_MS) this.nodes.delete(uid);
      else out.push(node.info);
    }
    return out.sort((a, b) => a.uid.localeCompare(b.uid));
  }

  /** Asks every other live node; resolves with the answers that came within the survey timeout. */
  survey(request: SurveyRequest): Promise<unknown[]> {
    const expected = this.liveNodes().length;
    if (expected === 0) return Promise.resolve([]);
    return this.collect(null, expected, (id) => ({ t: 'survey', from: this.identity.uid, id, request }));
  }

  /**
   * Sends emulated commands to a session on node `node`: `no_node` when the
   * node is not live, else the node's outcome; rejects when it does not
   * answer within the survey timeout.
   */
  async emulate(node: string, session: string, data: EmulatedCommands): Promise<EmulationOutcome> {
    if (!this.liveNodes().some((n) => n.uid === node)) return 'no_node';
    const body =
      typeof data === 'string' ? { data } : { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), binary: true as const };
    const answers = await this.collect(node, 1, (id) => ({ t: 'emulate', from: this.identity.uid, id, session, ...body }));
    if (answers.length === 0) throw new Error(`node ${node} did not answer the emulation request in time`);
    return answers[0] as EmulationOutcome;
  }

  /** Sends a message that expects answers (to one node, or all with `to` null); resolves with those that came in time. */
  private collect(to: string | null, expected: number, build: (id: number) => ControlMessage): Promise<unknown[]> {
    const id = this.nextSurvey++;
    return new Promise<unknown[]>((resolve) => {
      const answers: unknown[] = [];
      const done = (): void => {
        clearTimeout(timer);
        this.surveys.delete(id);
        resolve(answers);
      };
      const timer = setTimeout(done, this.surveyTimeout);
      this.surveys.set(id, { answers, expected, done });
      this.send(to, build(id));
    });
  }

  private announce(): void {
    this.host.gather<ShardStats>({ op: 'stats' }).then(
      (shards) => this.send(null, { t: 'info', from: this.identity.uid, node: nodeInfo(this.identity, shards) }),
      () => undefined,
    );
  }

  private send(to: string | null, message: ControlMessage): void {
    // A failed send (Redis down) is covered by the next announcement; surveys time out.
    this.bus.publish(to, JSON.stringify(message)).catch(() => undefined);
  }

  private onMessage(text: string): void {
    let message: ControlMessage;
    try {
      message = JSON.parse(text) as ControlMessage;
    } catch {
      this.log.warn('malformed node control message ignored');
      return;
    }
    if (message.from === this.identity.uid) return;
    switch (message.t) {
      case 'info':
        this.nodes.set(message.from, { info: message.node, seenAt: Date.now() });
        return;
      case 'action':
        this.host.gather(message.action).catch((err: unknown) => this.log.warn('node control action failed', { error: (err as Error).message }));
        return;
      case 'survey':
        this.host.gather(message.request).then(
          (result) => this.send(message.from, { t: 'answer', from: this.identity.uid, id: message.id, result }),
          () => undefined,
        );
        return;
      case 'emulate':
        this.host.emulate(message.session, message.binary ? Buffer.from(message.data, 'base64') : message.data).then(
          (result) => this.send(message.from, { t: 'answer', from: this.identity.uid, id: message.id, result }),
          (err: unknown) => this.log.warn('emulation request from another node failed', { error: (err as Error).message }),
        );
        return;
      case 'answer': {
        const survey = this.surveys.get(message.id);
        if (!survey) return;
        survey.answers.push(message.result);
        if (survey.answers.length >= survey.expected) survey.done();
        return;
      }
      default: {
        const never: never = message;
        this.log.warn('unknown node control message', { message: never });
      }
    }
  }
}
