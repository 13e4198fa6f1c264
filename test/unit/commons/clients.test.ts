import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterEach, describe, expect, it } from 'vitest';
import { requestTimeouts, withoutBlindResends } from '../../../functions/commons/clients.ts';

/**
 * SendEmail has no idempotency token: the SES client must not send again a request that got no answer,
 * and must still retry SES's own refusals. Against a loopback server that answers as told.
 */
let server: Server | undefined;

async function sesAnswering(answer: (res: import('node:http').ServerResponse) => void): Promise<{ endpoint: string; requests: () => number }> {
  let requests = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      answer(res);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

const send = (endpoint: string) =>
  withoutBlindResends(new SESv2Client({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })).send(
    new SendEmailCommand({ FromEmailAddress: 'a@example.com', Destination: { ToAddresses: ['b@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } }),
  );

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('the SES client without blind resends', () => {
  it('sends once and fails with EmailUnansweredError when the connection drops before the answer', async () => {
    const ses = await sesAnswering((res) => res.destroy());

    await expect(send(ses.endpoint)).rejects.toMatchObject({ name: 'EmailUnansweredError' });
    expect(ses.requests()).toBe(1);
  });

  it('still retries a throttle SES answered (nothing was sent), as the SDK does', async () => {
    const ses = await sesAnswering((res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' });
      res.end(JSON.stringify({ message: 'Maximum sending rate exceeded' }));
    });

    await expect(send(ses.endpoint)).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    expect(ses.requests()).toBe(3);
  });

  it('retries a send that never connected (nothing can have left), and fails as SES would not answer, not as unanswered', async () => {
    // a port nobody listens on: the connection is refused every time
    const ses = await sesAnswering((res) => res.end());
    const port = (server!.address() as AddressInfo).port;
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    let attempts = 0;
    const client = withoutBlindResends(new SESv2Client({ endpoint: `http://127.0.0.1:${port}`, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 3 }));
    client.middlewareStack.add((next) => (args) => ((attempts += 1), next(args)), { step: 'finalizeRequest', priority: 'high', name: 'countAttempts' });

    const sent = client.send(new SendEmailCommand({ FromEmailAddress: 'a@example.com', Destination: { ToAddresses: ['b@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } }));

    await expect(sent).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(attempts).toBe(3);
    expect(ses.requests()).toBe(0);
  });
});

describe('the request timeout', () => {
  it('is 1 s to connect and 3 s to answer unless the environment sets one time for both, and a setting that is not a whole number of ms is refused at start', () => {
    expect(requestTimeouts(undefined)).toEqual({ connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true });
    expect(requestTimeouts('10000')).toEqual({ connectionTimeout: 10_000, requestTimeout: 10_000, throwOnRequestTimeout: true });
    expect(() => requestTimeouts('3s')).toThrow(/LEADLOOP_AWS_REQUEST_TIMEOUT_MS.*"3s"/);
  });
});
