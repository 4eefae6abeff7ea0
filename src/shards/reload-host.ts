/**
 * What a shard does at its reload switch point (config-switch.ts calls it):
 * install the new settings as the shard's view, hand the new config to
 * keepalive and the logger, end the subscriptions the new rules no longer
 * permit (unsubscribe 2000), and post CONFIG_SWITCH markers to its peers.
 */
import { configureLog, type Logger } from '../common/log';
import { revokeNotPermitted, type RevokeHost } from './access/revoke';
import type { SwitchHost } from './config-switch';
import { MessageType } from './messaging/messages';
import type { Postman } from './messaging/postman';
import type { Keepalive } from './session/keepalive';
import type { ShardSettings } from './settings';

/** What the last switch did, and whom to tell when one is complete. */
export interface SwitchReport {
  /** Subscriptions the last switch ended. */
  revoked: number;
  /** Called once every peer's marker arrived for `version` (the worker tells the acceptor). */
  onDone: ((version: number) => void) | null;
}

/** The shard parts a switch touches. */
export interface ReloadedShard extends RevokeHost {
  readonly id: number;
  readonly count: number;
  readonly log: Logger;
  readonly keepalive: Keepalive;
  readonly postman: Postman;
}

/** The SwitchHost of `shard`; `install` makes `next` the shard's view. */
export function reloadHost(shard: ReloadedShard, report: SwitchReport, install: (next: ShardSettings) => void): SwitchHost {
  return {
    id: shard.id,
    count: shard.count,
    installSettings(next) {
      install(next);
      shard.keepalive.config = next.config;
      const log = next.config.log;
      try {
        configureLog({ level: log.level, format: log.format, file: log.file });
      } catch (err) {
        shard.log.error('log.file cannot be opened; logging where it did', { file: log.file, error: (err as Error).message });
      }
      report.revoked = revokeNotPermitted(shard, next.rules);
    },
    sendMarker(to, version) {
      // In ring order behind everything sent before it; a full mailbox only delays it.
      shard.postman.sendNotice(to, { t: MessageType.CONFIG_SWITCH, from: shard.id, v: version });
    },
    switchDone(version) {
      report.onDone?.(version);
    },
  };
}
