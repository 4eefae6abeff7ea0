/**
 * `broker.nats.url` as the NATS client takes it: the servers without
 * credentials, and the credentials a URL carries, as Centrifugo's client
 * reads them (`nats://user:pass@host:4222` a user and password,
 * `nats://token@host:4222` a token). The JavaScript client ignores
 * credentials inside a server URL, so they are passed as options.
 */

/** The servers to connect to and the credentials to connect with. */
export interface NatsServers {
  /** Server URLs (or host:port), credentials removed, in config order. */
  readonly servers: string[];
  /** The user of `nats://user:pass@host` (URL-decoded). */
  readonly user?: string;
  /** Its password (URL-decoded). */
  readonly pass?: string;
  /** The token of `nats://token@host` (URL-decoded). */
  readonly token?: string;
}

const WITH_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@(.*)$/i;

/** Splits the comma-separated `url`; the first URL with credentials gives them (one connection has one identity). */
export function natsServers(url: string): NatsServers {
  let credentials: Omit<NatsServers, 'servers'> | null = null;
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((server) => {
      const match = WITH_CREDENTIALS.exec(server);
      if (!match) return server;
      const [, scheme, userinfo, rest] = match as unknown as [string, string, string, string];
      if (credentials === null && userinfo !== '') {
        const colon = userinfo.indexOf(':');
        credentials =
          colon < 0
            ? { token: decodeURIComponent(userinfo) }
            : { user: decodeURIComponent(userinfo.slice(0, colon)), pass: decodeURIComponent(userinfo.slice(colon + 1)) };
      }
      return `${scheme}${rest}`;
    });
  return { servers, ...(credentials ?? {}) };
}
