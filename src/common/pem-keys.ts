/**
 * PEM public keys and the JWT algorithms they enable: an RSA key
 * RS256/384/512, an ECDSA key the one ES algorithm of its curve, an HMAC
 * secret HS256/384/512. Config validation and token verification both read
 * keys through here.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

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
