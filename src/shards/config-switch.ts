/**
 * How one shard switches to a reloaded config at a well-defined point of its
 * mailbox streams (docs/architecture.md, "Reload").
 *
 * The acceptor first sends every shard the new config (`prepare`): each
 * builds its ShardSettings aside. Once all are prepared it sends `commit`.
 * A shard switches at whichever comes first: the commit, or the first
 * CONFIG_SWITCH marker from a peer that switched already. At that point,
 * in one synchronous step, it posts a marker to every peer and installs the
 * new settings. Every record a peer posted
 * before its marker was produced under the old config, so until that
 * peer's marker arrives its records are handled with the previous settings
 * (`viewFor`); records after it with the new ones. A command that crosses
 * shards is therefore handled on both sides with the config of the shard
 * that started it, never with half of each.
 */
import type { ShardSettings } from './settings';

/** What the switch needs from its shard. */
export interface SwitchHost {
  readonly id: number;
  readonly count: number;
  /** Install `next` as the shard's settings (called once per version, synchronously at the switch point). */
  installSettings(next: ShardSettings, previous: ShardSettings): void;
  /** Post a CONFIG_SWITCH marker for `version` to peer `to`, after everything posted to it so far. */
  sendMarker(to: number, version: number): void;
  /** Every peer's marker arrived: the previous settings are no longer used. */
  switchDone(version: number): void;
}

/** One shard's side of the reload protocol. */
export class ConfigSwitch {
  private prepared: ShardSettings | null = null;
  private previous: ShardSettings | null = null;
  /** Peers whose marker for the current version has not arrived. */
  private readonly waiting = new Set<number>();

  constructor(
    private readonly host: SwitchHost,
    private current: ShardSettings,
  ) {}

  /** The settings in force on this shard. */
  get settings(): ShardSettings {
    return this.current;
  }

  /** Keeps the next settings aside until the commit or a peer's marker. */
  prepare(next: ShardSettings): void {
    if (next.version <= this.current.version) return;
    this.finish(); // a switch whose markers never all came (a peer restarted) ends here
    this.prepared = next;
  }

  /** The acceptor's commit for `version`. */
  commit(version: number): void {
    if (this.prepared?.version === version) this.switchNow();
  }

  /** A peer's marker: switch now if not yet, and handle that peer's records with the new settings from here on. */
  onMarker(from: number, version: number): void {
    if (this.prepared?.version === version) this.switchNow();
    if (version !== this.current.version) return;
    this.waiting.delete(from);
    if (this.waiting.size === 0) this.finish();
  }

  /** The settings for a record from `from`: the previous ones while its marker is still on the way, else null (current). */
  viewFor(from: number): ShardSettings | null {
    return this.previous !== null && this.waiting.has(from) ? this.previous : null;
  }

  /** A peer restarted: its new worker started with the newest config and sends no marker for this switch. */
  peerRestarted(peer: number): void {
    if (!this.waiting.delete(peer)) return;
    if (this.waiting.size === 0) this.finish();
  }

  private switchNow(): void {
    const next = this.prepared!;
    this.prepared = null;
    this.previous = this.current;
    this.current = next;
    this.waiting.clear();
    for (let peer = 0; peer < this.host.count; peer++) if (peer !== this.host.id) this.waiting.add(peer);
    // Markers first: whatever installing posts (unsubscribes of revoked subscriptions) comes after them, under the new config.
    for (let peer = 0; peer < this.host.count; peer++) if (peer !== this.host.id) this.host.sendMarker(peer, next.version);
    this.host.installSettings(next, this.previous);
    if (this.waiting.size === 0) this.finish();
  }

  private finish(): void {
    if (this.previous === null) return;
    this.previous = null;
    this.waiting.clear();
    this.host.switchDone(this.current.version);
  }
}
