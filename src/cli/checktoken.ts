/**
 * `switchyard checktoken TOKEN` and `switchyard checksubtoken TOKEN`: verify a
 * token the way the server would (keys, algorithms, audience, issuer, expiry,
 * claim types) and print its user and claims. Exit 0 when valid, 1 when not,
 * saying why.
 */
import { TokenError } from '../auth/errors';
import { TokenVerifier } from '../auth/token-verifier';
import type { Config } from '../config/types';
import { parseCommandArgs } from './args';
import { Exit, complain, say, usageError } from './output';
import { subscriptionTokenSection, tokenCommandConfig } from './token-config';

async function check(args: readonly string[], subscription: boolean): Promise<number> {
  const name = subscription ? 'checksubtoken' : 'checktoken';
  const parsed = parseCommandArgs(args, { '-c': 'value', '--config': 'value' });
  if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
  const token = parsed.positionals[0];
  if (token === undefined || parsed.positionals.length > 1) return usageError(`${name} needs exactly one TOKEN`);
  const config: Config | null = tokenCommandConfig(parsed.options.get('--config') ?? parsed.options.get('-c'));
  if (!config) return Exit.usage;
  const section = subscription ? subscriptionTokenSection(config).section : config.client.token;
  const verifier = new TokenVerifier(section, config.client.insecure_skip_token_signature_verify);
  try {
    if (subscription) {
      const claims = await verifier.subscriptionClaims(token);
      say(`valid subscription token for user ${JSON.stringify(claims.user)} and channel ${JSON.stringify(claims.channel)}`);
    } else {
      const claims = await verifier.connectionClaims(token);
      say(`valid token for ${claims.user === '' ? 'anonymous user' : `user ${JSON.stringify(claims.user)}`}`);
    }
  } catch (err) {
    if (!(err instanceof TokenError)) throw err;
    complain(`token is not valid: ${err.code === 'SY_TOKEN_EXPIRED' ? 'token expired' : err.message}`);
    return Exit.failure;
  }
  say(`payload: ${JSON.stringify((await verifier.verify(token)).payload)}`);
  return Exit.ok;
}

/** `checktoken`: a connection token. */
export const checktoken = (args: readonly string[]): Promise<number> => check(args, false);

/** `checksubtoken`: a subscription token. */
export const checksubtoken = (args: readonly string[]): Promise<number> => check(args, true);
