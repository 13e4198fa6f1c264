import type { Server } from 'node:http';
import { createServer } from 'node:net';

/**
 * A start-up problem the person starting LeadLoop can fix (a port in use, no
 * Java, a data directory that cannot be used): its message is one plain
 * sentence that says what to do, printed without a stack trace.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * Keeps a stand-in's idle keep-alive connections open longer than its clients keep theirs (undici's fetch lets
 * go of one after 4 s; Node's server closes it after 5 s by default). Otherwise a client may reuse a connection
 * in the moment the server closes it and get ECONNRESET, which a busy machine makes likely. AWS's endpoints
 * keep idle connections open for minutes. (server.close() still closes idle ones at once.)
 */
export function outlastClientKeepAlive<S extends Server>(server: S): S {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/** A free loopback port, for stand-ins that must be told their port up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** What to say when `what` cannot listen on `port`; `setting` is the variable that chooses the port. */
export function listenProblem(error: unknown, what: string, port: number, setting: string): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new StartupError(`Port ${port} (${what}) is already in use: stop whatever is using it, or set ${setting} to another port (0 picks a free one).`);
  }
  if (code === 'EACCES') {
    return new StartupError(`Port ${port} (${what}) may not be used by this user: set ${setting} to a port above 1023 (0 picks a free one).`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Fails at once with a StartupError when `port` cannot be listened on, for
 * stand-ins that do not report a failed listen themselves. Port 0 is always free.
 */
export async function ensurePortFree(port: number, what: string, setting: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => reject(listenProblem(error, what, port, setting)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/**
 * Retries `attempt` until it succeeds or `timeoutMs` passes. `fatal` is
 * checked before each attempt: a problem it returns (a stand-in that
 * exited) ends the wait at once.
 */
export async function waitFor<T>(
  what: string,
  attempt: () => Promise<T>,
  { timeoutMs = 30_000, intervalMs = 100, fatal }: { timeoutMs?: number; intervalMs?: number; fatal?: () => Error | undefined } = {},
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < until) {
    const problem = fatal?.();
    if (problem) throw problem;
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms: ${String(lastError)}`);
}
