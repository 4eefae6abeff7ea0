/** Raw-protocol helpers for authentication tests: connect with a token, send one command, read its reply or the close code. */
import { RawClient } from './clients';

/** What the server did with a command: a reply frame (parsed) or a close code. */
export type Outcome = { readonly reply: any } | { readonly closed: number };

/** Opens a raw client and connects with `connect` (the request object); returns the client and the outcome. */
export async function rawConnect(wsUrl: string, connect: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ client: RawClient; outcome: Outcome }> {
  const client = new RawClient(wsUrl, { headers });
  await client.opened();
  client.send(JSON.stringify({ id: 1, connect }));
  return { client, outcome: await nextOutcome(client, 5000, 1) };
}

/** Sends one command (`{id, <method>: …}`) and waits for its outcome (pushes and pings before the reply are skipped). */
export async function rawCommand(client: RawClient, command: Record<string, unknown>): Promise<Outcome> {
  client.send(JSON.stringify(command));
  return nextOutcome(client, 5000, typeof command['id'] === 'number' ? command['id'] : undefined);
}

/**
 * The next frame, parsed, or the close code when the server closes first.
 * With `id`, frames that are not the reply to that command id are skipped.
 */
export async function nextOutcome(client: RawClient, timeoutMs = 5000, id?: number): Promise<Outcome> {
  try {
    for (;;) {
      const frames = (await client.nextFrame(timeoutMs)).split('\n').map((f) => JSON.parse(f));
      const reply = id === undefined ? frames[0] : frames.find((f) => f.id === id);
      if (reply !== undefined) return { reply };
    }
  } catch (err) {
    if (client.closeCode !== 0) return { closed: client.closeCode };
    throw err;
  }
}

/** The error code of a reply outcome (0 when it succeeded), or throws when the connection closed. */
export function errorCode(outcome: Outcome): number {
  if ('closed' in outcome) throw new Error(`expected a reply, the connection closed with ${outcome.closed}`);
  return outcome.reply.error?.code ?? 0;
}

/** The close code of a closed outcome, or throws when there was a reply. */
export function closeCode(outcome: Outcome): number {
  if ('reply' in outcome) throw new Error(`expected a close, got ${JSON.stringify(outcome.reply)}`);
  return outcome.closed;
}
