import { Agent, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { outlastClientKeepAlive } from '../../../local/ports.ts';

/** One GET over `agent`; resolves once the answer has been read. */
const fetchOver = (agent: Agent, port: number) =>
  new Promise<void>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    }).on('error', reject);
  });

/**
 * The stand-ins keep an idle connection open past Node's default 5 s, so a client reusing one a moment
 * before would have closed it on its side never races the server's close (ECONNRESET on a busy machine).
 */
describe('outlastClientKeepAlive', () => {
  it('keeps an idle keep-alive connection open past 7 s, so the next request reuses it', async () => {
    // Prepare
    let connections = 0;
    const server = outlastClientKeepAlive(createServer((_req, res) => res.end("ok")));
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });

    // Act: two requests 7 s apart, past Node's default keep-alive timeout (5 s, and a 1 s margin since Node 24)
    await fetchOver(agent, port);
    await new Promise((r) => setTimeout(r, 7_000));
    await fetchOver(agent, port);

    // Assess: one connection served both
    expect(connections).toBe(1);
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }, 20_000);
});
