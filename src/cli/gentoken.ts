/**
 * `switchyard gentoken -u USER [-t TTL]` and `switchyard gensubtoken -u USER
 * -s CHANNEL [-t TTL]`: sign an HS256 token with the configured HMAC secret,
 * for trying a server out. TTL is in seconds (default a week); 0 or -1 gives a
 * token without `exp`. `-q` prints only the token.
 */
import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { formatDuration } from '../config/duration';
import type { Config, TokenConfig } from '../config/types';
import { parseCommandArgs } from './args';
import { Exit, complain, say, usageError } from './output';
import { subscriptionTokenSection, tokenCommandConfig } from './token-config';

/** Default token lifetime, seconds (a week, as Centrifugo). */
export const DEFAULT_TOKEN_TTL = 7 * 24 * 3600;

const OPTIONS = {
  '-c': 'value',
  '--config': 'value',
  '-u': 'value',
  '--user': 'value',
  '-t': 'value',
  '--ttl': 'value',
  '-q': 'switch',
  '--quiet': 'switch',
} as const;

/** Sets `value` at a dotted claim path, creating objects on the way. */
function setClaim(claims: Record<string, unknown>, path: string, value: string): void {
  const parts = path.split('.');
  let node = claims;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** Signs the claims with the section's HMAC secret (HS256). */
function signHs256(section: TokenConfig, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(createSecretKey(Buffer.from(section.hmac_secret_key)));
}

async function generate(args: readonly string[], subscription: boolean): Promise<number> {
  const name = subscription ? 'gensubtoken' : 'gentoken';
  const parsed = parseCommandArgs(args, subscription ? { ...OPTIONS, '-s': 'value', '--channel': 'value' } : OPTIONS);
  if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
  if (parsed.positionals.length > 0) return usageError(`${name} takes no arguments besides its options`);
  const opt = (short: string, long: string): string | undefined => parsed.options.get(long) ?? parsed.options.get(short);
  const user = opt('-u', '--user') ?? '';
  const channel = opt('-s', '--channel') ?? '';
  if (subscription && channel === '') return usageError('gensubtoken needs a channel: -s CHANNEL');
  const ttlText = opt('-t', '--ttl') ?? String(DEFAULT_TOKEN_TTL);
  if (!/^-?\d+$/.test(ttlText)) return usageError(`-t must be a whole number of seconds (-1 for no expiry), got "${ttlText}"`);
  const ttl = Number(ttlText);
  const config: Config | null = tokenCommandConfig(opt('-c', '--config'));
  if (!config) return Exit.usage;
  const { path, section } = subscription ? subscriptionTokenSection(config) : { path: 'client.token', section: config.client.token };
  if (section.hmac_secret_key === '') {
    complain(`${name} signs HMAC tokens, but ${path}.hmac_secret_key is empty; tokens for RSA, ECDSA or JWKS keys come from your own tooling`);
    return Exit.failure;
  }
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { sub: user, iat: now, ...(ttl > 0 ? { exp: now + ttl } : {}), ...(subscription ? { channel } : {}) };
  if (section.user_id_claim !== '') setClaim(claims, section.user_id_claim, user);
  const token = await signHs256(section, claims);
  if (parsed.options.has('-q') || parsed.options.has('--quiet')) {
    process.stdout.write(token);
    return Exit.ok;
  }
  const who = user === '' ? 'anonymous user' : `user ${JSON.stringify(user)}`;
  const where = subscription ? ` and channel ${JSON.stringify(channel)}` : '';
  const expiry = ttl > 0 ? `with expiration TTL ${formatDuration(ttl * 1000)}` : 'without expiration';
  say(`HMAC SHA-256 JWT for ${who}${where} ${expiry}:\n${token}`);
  return Exit.ok;
}

/** `gentoken`: a connection token. */
export const gentoken = (args: readonly string[]): Promise<number> => generate(args, false);

/** `gensubtoken`: a subscription token. */
export const gensubtoken = (args: readonly string[]): Promise<number> => generate(args, true);
