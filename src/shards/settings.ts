/**
 * Everything a shard derives from its config, built together and swapped as
 * one value on reload: the config itself, the channel rules, the token
 * verifiers and proxies, the connect authenticator, the headers kept per
 * connection and the command rate limits. A shard reads them only through its current ShardSettings, so a
 * switch is one assignment and nothing ever sees rules of one config with
 * keys of another.
 */
import { createAuthServices, type AuthServices } from '../auth/services';
import type { Logger } from '../common/log';
import { deepFreeze } from '../config/freeze';
import type { Config } from '../config/types';
import { createAuthenticator, keptHeaderNames, type Authenticator } from './access/authenticator';
import { ChannelRules } from './access/channel-rules';
import { CommandLimits } from './access/command-limits';

/** One config and what a shard derives from it. */
export interface ShardSettings {
  /** Reload version: 0 for the config the process started with, then 1, 2, … */
  readonly version: number;
  readonly config: Config;
  readonly rules: ChannelRules;
  /** Token verifiers and proxies. */
  readonly auth: AuthServices;
  readonly authenticator: Authenticator;
  /** Lower-case names of the upgrade-request headers each connection keeps. */
  readonly keptHeaders: readonly string[];
  /** The per-connection command and error rate limits (`client.rate_limit`). */
  readonly commandLimits: CommandLimits;
}

/**
 * Builds the settings of a validated config. `authenticate` replaces the
 * default authenticator (tests); `auth` reuses services already built.
 */
export function createShardSettings(
  version: number,
  config: Config,
  log: Logger,
  options: { readonly auth?: AuthServices; readonly authenticate?: Authenticator } = {},
): ShardSettings {
  // A config that came through postMessage is a structured clone: freeze it again.
  const frozen = Object.isFrozen(config) ? config : deepFreeze(config);
  const rules = new ChannelRules(frozen);
  const auth = options.auth ?? createAuthServices(frozen);
  return Object.freeze({
    version,
    config: frozen,
    rules,
    auth,
    authenticator: options.authenticate ?? createAuthenticator(frozen, auth, rules, log),
    keptHeaders: Object.freeze(keptHeaderNames(frozen, auth)),
    commandLimits: new CommandLimits(frozen.client.rate_limit),
  });
}
