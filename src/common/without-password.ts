/**
 * Server addresses as logs and errors show them: a password in a URL is
 * replaced by `***` ("redis://user:***@host:6379/0"), so neither a log line
 * nor a start-up error gives it away. Every URL of a comma-separated list is
 * covered (NATS's `nats://a:b@h1,nats://h2`).
 */
export function withoutPassword(address: string): string {
  return address.replace(/([a-z][a-z0-9+.-]*:\/\/)([^@/,\s]*)@/gi, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon < 0) return `${scheme}${userinfo}@`;
    return `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}
