/**
 * JWT verification for one token section, with the checks every token gets,
 * in Centrifugo's order: the token parses; `iss`/`aud` match `issuer_regex`/
 * `audience_regex`; the signature verifies with a configured key (static keys,
 * or the JWKS when `jwks_public_endpoint` is set); `aud`/`iss` equal
 * `audience`/`issuer`; then `exp` and `nbf`. The claims that depend on the
 * token kind (connection or subscription) are checked by claims.ts, before
 * expiry is reported, as Centrifugo does.
 *
 * Signatures are verified by `jose`. `alg: none`, and any algorithm no key
 * enables, is refused.
 */
import type { KeyObject } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import type { TokenConfig } from '../config/types';
import { connectClaims, subscribeClaims, type ConnectClaims, type SubscribeClaims } from './claims';
import { TokenError, invalidToken } from './errors';
import { JwksCache } from './jwks';
import { StaticKeys } from './static-keys';
import { compileConfigRegex } from '../common/config-regex';

/** A token whose signature and common claims were checked. */
export interface VerifiedToken {
  /** The claims. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** `exp` has passed or `nbf` is not reached yet: the caller answers "token expired" after its own checks. */
  readonly expired: boolean;
}

/** Verifies tokens against one token section. */
export class TokenVerifier {
  private readonly keys: StaticKeys;
  private readonly jwks: JwksCache | null;
  private readonly audienceRegex: RegExp | null;
  private readonly issuerRegex: RegExp | null;

  /**
   * `skipSignature` is `client.insecure_skip_token_signature_verify`: claims
   * are still checked, signatures are not.
   */
  constructor(
    private readonly config: TokenConfig,
    private readonly skipSignature = false,
  ) {
    this.keys = new StaticKeys(config);
    this.jwks = config.jwks_public_endpoint !== '' ? new JwksCache({ url: config.jwks_public_endpoint }) : null;
    this.audienceRegex = config.audience_regex !== '' ? compileConfigRegex(config.audience_regex) : null;
    this.issuerRegex = config.issuer_regex !== '' ? compileConfigRegex(config.issuer_regex) : null;
  }

  /**
   * Verifies a connection token and reads its claims. Throws TokenError;
   * "expired" only after every other check passed, as Centrifugo orders them.
   */
  async connectionClaims(token: string, nowMs = Date.now()): Promise<ConnectClaims> {
    const { payload, expired } = await this.verify(token, nowMs);
    const claims = connectClaims(payload, this.config.user_id_claim);
    if (expired) throw new TokenError('SY_TOKEN_EXPIRED', 'token expired');
    return claims;
  }

  /** Verifies a subscription token and reads its claims; throws TokenError like connectionClaims. */
  async subscriptionClaims(token: string, nowMs = Date.now()): Promise<SubscribeClaims> {
    const { payload, expired } = await this.verify(token, nowMs);
    const claims = subscribeClaims(payload, this.config.user_id_claim);
    if (expired) throw new TokenError('SY_TOKEN_EXPIRED', 'token expired');
    return claims;
  }

  /** The JWKS cache, when keys come from a JWKS. */
  get keySet(): JwksCache | null {
    return this.jwks;
  }

  /** Verifies `token` at time `nowMs`; throws TokenError when it is not acceptable. */
  async verify(token: string, nowMs = Date.now()): Promise<VerifiedToken> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let payload: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token);
      payload = decodeJwt(token);
    } catch (err) {
      throw invalidToken(`malformed token: ${(err as Error).message}`);
    }
    const audiences = audienceList(payload['aud']);
    const issuer = payload['iss'];
    if (issuer !== undefined && typeof issuer !== 'string') throw invalidToken('iss must be a string');
    if (this.issuerRegex && !this.issuerRegex.test(issuer ?? '')) throw invalidToken('iss does not match issuer_regex');
    if (this.audienceRegex && !audiences.some((a) => this.audienceRegex!.test(a))) throw invalidToken('aud does not match audience_regex');

    const alg = typeof header.alg === 'string' ? header.alg : '';
    if (alg === '' || alg.toLowerCase() === 'none') throw invalidToken('unsigned token (alg none)');
    if (!this.skipSignature) await this.checkSignature(token, alg, typeof header.kid === 'string' ? header.kid : '', nowMs);

    if (this.config.audience !== '' && !audiences.includes(this.config.audience)) throw invalidToken('aud is not the configured audience');
    if (this.config.issuer !== '' && issuer !== this.config.issuer) throw invalidToken('iss is not the configured issuer');

    const exp = numericClaim(payload, 'exp');
    const nbf = numericClaim(payload, 'nbf');
    numericClaim(payload, 'iat');
    // Valid while now < exp and nbf < now (second-precision claims against the exact clock).
    const expired = (exp !== undefined && exp * 1000 <= nowMs) || (nbf !== undefined && nbf * 1000 >= nowMs);
    return { payload, expired };
  }

  private async checkSignature(token: string, alg: string, kid: string, nowMs: number): Promise<void> {
    const candidates: KeyObject[] = this.jwks ? [await this.jwks.key(kid, alg)] : this.keys.candidates(alg, nowMs);
    if (candidates.length === 0) throw invalidToken(`algorithm ${alg} is not configured`);
    for (const key of candidates) {
      try {
        await compactVerify(token, key, { algorithms: [alg] });
        return;
      } catch {
        // Try the next key (the previous HMAC secret during a rotation).
      }
    }
    throw invalidToken('bad signature');
  }
}

/** `aud` as a list: absent → [], a string → [it]; anything else is an invalid token. */
function audienceList(aud: unknown): string[] {
  if (aud === undefined) return [];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud as string[];
  throw invalidToken('aud must be a string or an array of strings');
}

/** A NumericDate claim (seconds), or undefined when absent; a non-number is an invalid token. */
function numericClaim(payload: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidToken(`${name} must be a number`);
  return value;
}
