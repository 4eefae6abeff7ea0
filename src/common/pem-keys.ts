/**
 * The keys configured in a token section (`client.token`,
 * `client.subscription_token`): which algorithms they enable and which key
 * verifies a token signed with a given algorithm. As in Centrifugo, an HMAC
 * secret enables HS256/384/512, an RSA key RS256/384/512, and an ECDSA key the
 * one ES algorithm of its curve. Every other algorithm, `none` included, is
 * refused.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { TokenConfig } from '../config/types';

/** HMAC algorithms an `hmac_secret_key` enables. */
export const HMAC_ALGORITHMS: readonly string[] = Object.freeze(['HS256', 'HS384', 'HS512']);
/** RSA algorithms an `rsa_public_key` enables. */
export const RSA_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'RS384', 'RS512']);

/** The ES algorithm of each curve (a key verifies only its own curve's algorithm). */
const ECDSA_ALGORITHM_BY_CURVE: Readonly<Record<string, string>> = Object.freeze({
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
});

/** Parses a PEM public key of the given type; throws an Error saying what is wrong. */
export function parsePublicKey(pem: string, type: 'rsa' | 'ec'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new Error(`is not a PEM public key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== type) {
    throw new Error(`is ${keyTypeName(key.asymmetricKeyType ?? 'unknown')} key, not ${keyTypeName(type)} key`);
  }
  if (type === 'ec') ecdsaAlgorithm(key);
  return key;
}

/** "an RSA", "an ECDSA", "an Ed25519"…: a key type as a message names it. */
function keyTypeName(type: string): string {
  const names: Readonly<Record<string, string>> = { rsa: 'an RSA', ec: 'an ECDSA', ed25519: 'an Ed25519', ed448: 'an Ed448' };
  return names[type] ?? `a ${type}`;
}

/** The ES algorithm of an EC public key; throws for a curve JWT does not use. */
export function ecdsaAlgorithm(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
  const alg = ECDSA_ALGORITHM_BY_CURVE[curve];
  if (alg === undefined) throw new Error(`uses curve ${curve || 'unknown'}; JWT needs P-256, P-384 or P-521`);
  return alg;
}

/** The static keys of one token section. */
export class StaticKeys {
  private readonly hmac: KeyObject | null;
  private readonly previousHmac: KeyObject | null;
  /** Unix ms after which the previous HMAC key is refused; 0 = never. */
  private readonly previousValidUntil: number;
  private readonly rsa: KeyObject | null;
  private readonly ecdsa: KeyObject | null;
  private readonly ecdsaAlg: string;

  /** Builds the keys; the config was validated, so the PEMs parse. */
  constructor(config: TokenConfig) {
    this.hmac = config.hmac_secret_key !== '' ? createSecretKey(Buffer.from(config.hmac_secret_key)) : null;
    this.previousHmac = config.hmac_previous_secret_key !== '' ? createSecretKey(Buffer.from(config.hmac_previous_secret_key)) : null;
    this.previousValidUntil = config.hmac_previous_secret_key_valid_until * 1000;
    this.rsa = config.rsa_public_key !== '' ? parsePublicKey(config.rsa_public_key, 'rsa') : null;
    this.ecdsa = config.ecdsa_public_key !== '' ? parsePublicKey(config.ecdsa_public_key, 'ec') : null;
    this.ecdsaAlg = this.ecdsa ? ecdsaAlgorithm(this.ecdsa) : '';
  }

  /** Every algorithm some key enables. */
  get algorithms(): string[] {
    return [
      ...(this.hmac ? HMAC_ALGORITHMS : []),
      ...(this.rsa ? RSA_ALGORITHMS : []),
      ...(this.ecdsa ? [this.ecdsaAlg] : []),
    ];
  }

  /**
   * The keys to try, in order, for a token signed with `alg` at time `nowMs`:
   * the HMAC secret then the previous one while it is valid; [] when no key
   * enables `alg`.
   */
  candidates(alg: string, nowMs: number): KeyObject[] {
    if (HMAC_ALGORITHMS.includes(alg)) {
      const out: KeyObject[] = this.hmac ? [this.hmac] : [];
      if (this.previousHmac && (this.previousValidUntil === 0 || nowMs <= this.previousValidUntil)) out.push(this.previousHmac);
      return out;
    }
    if (RSA_ALGORITHMS.includes(alg)) return this.rsa ? [this.rsa] : [];
    if (this.ecdsa && alg === this.ecdsaAlg) return [this.ecdsa];
    return [];
  }
}
