/*
 * src/auth/: who a client is and what a token or proxy grants: JWT
 * verification (static keys, JWKS), claims, grants, and the proxies to the
 * application backend over HTTP or gRPC (proxy/, proxy/grpc/). May import:
 * common, protocol, config.
 */
/**
 * Everything a shard needs to authenticate and authorize: the token verifiers
 * and the proxies. Each shard builds its own (JWKS caches, HTTP keep-alive
 * pools and gRPC proxy channels are per thread).
 */
import type { Config } from '../config/types';
import { ProxyRegistry } from './proxy/proxy-registry';
import { TokenVerifier } from './token-verifier';

/** A shard's authentication services. */
export interface AuthServices {
  /** Verifies connection tokens (`client.token`). */
  readonly connectionTokens: TokenVerifier;
  /** Verifies subscription tokens: `client.subscription_token` when enabled, else the same keys as connection tokens. */
  readonly subscriptionTokens: TokenVerifier;
  readonly proxies: ProxyRegistry;
}

/** Builds the services of a validated config. */
export function createAuthServices(config: Config): AuthServices {
  const skip = config.client.insecure_skip_token_signature_verify;
  const connectionTokens = new TokenVerifier(config.client.token, skip);
  const sub = config.client.subscription_token;
  return {
    connectionTokens,
    subscriptionTokens: sub.enabled ? new TokenVerifier(sub, skip) : connectionTokens,
    proxies: new ProxyRegistry(config),
  };
}
