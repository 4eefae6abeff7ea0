/**
 * The keys configured in a token section (`client.token`,
 * `client.subscription_token`): which algorithms they enable and which key
 * verifies a token signed with a given algorithm. As in Centrifugo, an HMAC
 * secret enables HS256/384/512, an RSA key RS256/384/512, and an ECDSA key the
 * one ES algorithm of its curve. Every other algorithm, `none` included, is
 * refused.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import type { TokenConfig } from '../config/types';
import { ecdsaAlgorithm, HMAC_ALGORITHMS, parsePublicKey, RSA_ALGORITHMS } from '../common/pem-keys';

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
