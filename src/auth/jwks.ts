/**
 * A JSON Web Key Set fetched from `jwks_public_endpoint` and cached. Keys are
 * found by `kid`; the set is fetched again when a token names a `kid` the cache
 * does not hold, or when the cached set is older than its TTL (an hour, as in
 * Centrifugo). Concurrent lookups share one fetch. A fetch has a 1 s timeout
 * and one retry.
 *
 * Key types: RSA (RS256/384/512), EC (the ES algorithm of its curve) and OKP
 * Ed25519 (EdDSA). A key whose `alg` or `use` says otherwise is not used for a
 * token signed with a different algorithm.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { TokenError, invalidToken } from './errors';
import { HMAC_ALGORITHMS, RSA_ALGORITHMS, ecdsaAlgorithm } from '../common/pem-keys';

/** How a JwksCache fetches. */
export interface JwksOptions {
  /** The JWKS URL. */
  readonly url: string;
  /** One fetch attempt's timeout, ms. */
  readonly timeoutMs?: number;
  /** Fetch attempts before giving up (1 = no retry). */
  readonly attempts?: number;
  /** How long a fetched set is used before it is fetched again, ms. */
  readonly ttlMs?: number;
}

interface CachedKey {
  readonly key: KeyObject;
  /** The algorithms the key verifies. */
  readonly algorithms: readonly string[];
}

/** Fetched keys of one JWKS endpoint. */
export class JwksCache {
  private keys = new Map<string, CachedKey>();
  private fetchedAt = 0;
  private inflight: Promise<void> | null = null;
  /** Completed fetches, for tests and stats. */
  fetches = 0;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly ttlMs: number;

  constructor(private readonly options: JwksOptions) {
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.attempts = options.attempts ?? 2;
    this.ttlMs = options.ttlMs ?? 3_600_000;
  }

  /**
   * The key for `kid` that verifies `alg`. Throws TokenError: invalid when the
   * set has no such key, keys-unavailable when the set cannot be fetched.
   */
  async key(kid: string, alg: string): Promise<KeyObject> {
    if (kid === '') throw invalidToken('token has no kid, which a JWKS needs');
    if (Date.now() - this.fetchedAt > this.ttlMs || !this.keys.has(kid)) await this.refresh();
    const cached = this.keys.get(kid);
    if (!cached) throw invalidToken(`no key with kid ${JSON.stringify(kid)} in the JWKS`);
    if (!cached.algorithms.includes(alg)) throw invalidToken(`JWKS key ${JSON.stringify(kid)} does not verify ${alg}`);
    return cached.key;
  }

  /** Fetches the set once, however many callers ask at the same time. */
  private refresh(): Promise<void> {
    this.inflight ??= this.fetchSet().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async fetchSet(): Promise<void> {
    let lastError = '';
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      try {
        const response = await fetch(this.options.url, { signal: AbortSignal.timeout(this.timeoutMs) });
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        this.keys = parseKeySet(await response.json());
        this.fetchedAt = Date.now();
        this.fetches++;
        return;
      } catch (err) {
        lastError = (err as Error).message;
      }
    }
    throw new TokenError('SY_TOKEN_KEYS_UNAVAILABLE', `JWKS ${this.options.url} could not be fetched: ${lastError}`);
  }
}

/** The usable keys of a JWKS document, by kid; keys that cannot verify signatures are left out. */
export function parseKeySet(doc: unknown): Map<string, CachedKey> {
  const list = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('the JWKS has no "keys" array');
  const out = new Map<string, CachedKey>();
  for (const jwk of list as Record<string, unknown>[]) {
    if (typeof jwk !== 'object' || jwk === null || typeof jwk['kid'] !== 'string') continue;
    if (jwk['use'] !== undefined && jwk['use'] !== 'sig') continue;
    const parsed = importKey(jwk);
    if (parsed) out.set(jwk['kid'], parsed);
  }
  return out;
}

function importKey(jwk: Record<string, unknown>): CachedKey | null {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return null;
  }
  let algorithms: readonly string[];
  if (jwk['kty'] === 'RSA') algorithms = RSA_ALGORITHMS;
  else if (jwk['kty'] === 'EC') algorithms = [ecdsaAlgorithmOrNone(key)];
  else if (jwk['kty'] === 'OKP' && jwk['crv'] === 'Ed25519') algorithms = ['EdDSA', 'Ed25519'];
  else return null;
  const declared = jwk['alg'];
  if (typeof declared === 'string') algorithms = algorithms.filter((a) => a === declared);
  // A public JWKS never verifies HMAC tokens.
  algorithms = algorithms.filter((a) => a !== '' && !HMAC_ALGORITHMS.includes(a));
  return algorithms.length > 0 ? { key, algorithms } : null;
}

function ecdsaAlgorithmOrNone(key: KeyObject): string {
  try {
    return ecdsaAlgorithm(key);
  } catch {
    return '';
  }
}
