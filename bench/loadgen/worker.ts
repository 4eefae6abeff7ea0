/**
 * A load-generator worker (a piscina task that lives as long as the
 * benchmark): it holds its share of each session's WebSocket connections and
 * answers the main thread's requests on its MessagePort (messages.ts).
 */
import { threadId } from 'node:worker_threads';
import type { CommandMap, CommandName, Envelope, Reply, WorkerSummary, WorkerTask } from './messages';
import { WorkerSession } from './session';

type Handlers = { [N in CommandName]: (request: CommandMap[N]['request']) => CommandMap[N]['answer'] | Promise<CommandMap[N]['answer']> };

/** Serves requests until told to exit; resolves with this worker's identity. */
export default function serve(task: WorkerTask): Promise<WorkerSummary> {
  const sessions = new Map<number, WorkerSession>();
  const session = (id: number): WorkerSession => {
    const found = sessions.get(id);
    if (!found) throw new Error(`no session ${id} in worker ${task.index}`);
    return found;
  };
  return new Promise((resolve) => {
    const handlers: Handlers = {
      open: (request) => {
        const created = new WorkerSession();
        sessions.set(request.session, created);
        return created.open(request);
      },
      window: (request) => {
        session(request.session).setWindow(request);
        return null;
      },
      progress: (request) => session(request.session).progress(),
      collect: (request) => session(request.session).collect(),
      close: (request) => {
        session(request.session).close();
        sessions.delete(request.session);
        return null;
      },
      exit: () => {
        for (const open of sessions.values()) open.close();
        sessions.clear();
        setImmediate(() => {
          task.port.close();
          resolve({ index: task.index, threadId });
        });
        return null;
      },
    };
    task.port.on('message', (envelope: Envelope) => {
      const handler = handlers[envelope.name] as (request: unknown) => unknown;
      Promise.resolve()
        .then(() => handler(envelope.request))
        .then(
          (answer) => task.port.postMessage({ rid: envelope.rid, answer } satisfies Reply),
          (err: unknown) => task.port.postMessage({ rid: envelope.rid, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
        );
    });
  });
}
