/** Signing test tokens with `jose`: HMAC, RSA, ECDSA and Ed25519 keys, and deliberately broken tokens. */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, base64url, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';

/** The HMAC secret test servers use in `client.token.hmac_secret_key`. */
export const HMAC_SECRET = 'switchyard-test-secret';

/** `client` settings of a server that takes only tokens signed with HMAC_SECRET (spread into more settings). */
export const TOKENS_ONLY = Object.freeze({ allow_anonymous_connect_without_token: false, token: Object.freeze({ hmac_secret_key: HMAC_SECRET }) });

/** Claims of a test token. */
export type Claims = Record<string, unknown>;

/** Unix seconds `seconds` from now. */
export function inSeconds(seconds: number): number {
  return Math.floor(Date.now() / 1000) + seconds;
}

/** Signs `claims` with `key` and `alg` (kid in the header when given). */
export function sign(claims: Claims, key: KeyObject, alg: string, kid?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', ...(kid !== undefined ? { kid } : {}) }).sign(key);
}

/** An HMAC token (HS256 unless `alg` says otherwise) with the test secret or `secret`. */
export function hmacToken(claims: Claims, alg = 'HS256', secret = HMAC_SECRET): Promise<string> {
  return sign(claims, createSecretKey(Buffer.from(secret)), alg);
}

/** An asymmetric key pair with its public key as PEM and JWK. */
export interface TestKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly pem: string;
  readonly jwk: JWK;
}

/** Generates a key pair for `alg` (RS256, ES256, ES384, EdDSA, …). */
export async function keyPair(alg: string): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const priv = privateKey as unknown as KeyObject;
  const pub = publicKey as unknown as KeyObject;
  return { privateKey: priv, publicKey: pub, pem: await exportSPKI(pub), jwk: await exportJWK(pub) };
}

/** An unsigned token: `alg: none` and no signature. */
export function unsignedToken(claims: Claims): string {
  const part = (value: unknown): string => base64url.encode(JSON.stringify(value));
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/** `token` with its signature replaced by another valid-looking one. */
export function withBadSignature(token: string): string {
  const [header, payload] = token.split('.');
  return `${header}.${payload}.${base64url.encode('not the signature at all, 32 bytes')}`;
}
