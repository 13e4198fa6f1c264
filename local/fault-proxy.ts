import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorAnswer, operationOf, type AwsService, type FaultKind, type FaultPlan } from './fault-plan.ts';
import { outlastClientKeepAlive } from './ports.ts';

/**
 * An endpoint proxy in front of one AWS stand-in (DynamoDB Local, the Step
 * Functions endpoint, the SES capture) that the functions reach instead of it,
 * injecting the faults its plan chooses (see local/fault-plan.ts). The
 * calling function is named by the endpoint's path prefix `/_fn/<logicalId>`,
 * which the proxy strips before forwarding.
 */

export interface FaultProxySettings {
  service: AwsService;
  /** the stand-in's endpoint, e.g. http://127.0.0.1:8000 */
  target: string;
  /** which plan applies now (tests switch plans between runs) */
  plan: () => FaultPlan | undefined;
  /** how long a `timeout` call is held before it is forwarded: longer than the clients' request timeout */
  holdMs: number;
}

export interface FaultProxy {
  url: string;
  /** the endpoint a function uses */
  endpointFor: (functionLogicalId: string) => string;
  stop: () => Promise<void>;
}

const PREFIX = /^\/_fn\/([^/]+)(\/.*)?$/;

function forward(target: URL, req: IncomingMessage, path: string, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const upstream = httpRequest({ hostname: target.hostname, port: target.port, method: req.method, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    upstream.on('error', reject);
    upstream.end(body);
  });
}

async function handle(settings: FaultProxySettings, target: URL, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
  const prefixed = PREFIX.exec(req.url ?? '/');
  const functionId = prefixed ? decodeURIComponent(prefixed[1]!) : 'unknown';
  const path = prefixed ? (prefixed[2] ?? '/') : (req.url ?? '/');
  const target_ = req.headers['x-amz-target'];
  const operation = operationOf(settings.service, { method: req.method ?? 'GET', path, target: typeof target_ === 'string' ? target_ : undefined });
  const fault: FaultKind | undefined = settings.plan()?.choose({ functionId, service: settings.service, operation });

  if (fault === 'fail-before' || fault === 'throttle') {
    const answer = errorAnswer(settings.service, fault);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    return;
  }
  if (fault === 'timeout') {
    // The client gives up first (its request timeout); the call still lands, late, as a slow network would deliver it.
    await new Promise((r) => setTimeout(r, settings.holdMs));
    await forward(target, req, path, body).catch(() => undefined);
    res.destroy();
    return;
  }
  const answer = await forward(target, req, path, body);
  if (fault === 'lost-response') {
    // done, and the caller never hears: the connection drops before any byte of the answer
    res.destroy();
    return;
  }
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

export async function startFaultProxy(settings: FaultProxySettings): Promise<FaultProxy> {
  const target = new URL(settings.target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(settings, target, req, res, Buffer.concat(chunks)).catch(() => {
        // the stand-in itself failed (stopping): the caller sees a dropped connection
        res.destroy();
      });
    });
  });
  outlastClientKeepAlive(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    endpointFor: (functionLogicalId) => `${url}/_fn/${encodeURIComponent(functionLogicalId)}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
