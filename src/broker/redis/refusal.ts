/**
 * Redis's answers that refuse rather than fail: the command was answered,
 * with an error, so sending it again unchanged would be refused again.
 */

/**
 * Whether Redis answered the command with an error (its ACL refused it, a
 * wrong password, an unknown database), as opposed to the command never
 * being answered (connection lost, timeout).
 */
export function isRedisRefusal(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}

/**
 * Whether Redis's ACL refused the command (`NOPERM`): the user may not use a
 * channel, key or command in it. Other answered errors (a cluster's
 * CLUSTERDOWN or TRYAGAIN during a failover) are passing states, not refusals.
 */
export function isAclRefusal(err: unknown): boolean {
  return isRedisRefusal(err) && /^NOPERM\b/.test((err as Error).message);
}

/**
 * Whether an answered error is a passing state of the server (a cluster
 * failing over, a dataset still loading, a busy script), which a start-up
 * check must not report as something the config gets wrong.
 */
export function isPassingState(err: unknown): boolean {
  return isRedisRefusal(err) && /^(CLUSTERDOWN|TRYAGAIN|MOVED|ASK|LOADING|BUSY|MASTERDOWN)\b/.test((err as Error).message);
}
