import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { LocalCors, LocalRoute } from './template.ts';

/**
 * Stands in for the HTTP API: matches the template's routes (with path
 * parameters), builds the payload-v2 event API Gateway would send, invokes
 * the same function, and maps its result back, CORS included.
 */

export type Invoke = (functionName: string, event: unknown) => Promise<unknown>;

interface CompiledRoute extends LocalRoute {
  pattern: RegExp;
  params: string[];
  literalSegments: number;
}

function compile(route: LocalRoute): CompiledRoute {
  const params: string[] = [];
  const segments = route.path.split('/').filter(Boolean);
  const source = segments
    .map((segment) => {
      const param = /^\{([^}+]+)(\+?)\}$/.exec(segment);
      if (!param) return '/' + segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(param[1]!);
      return param[2] ? '/(.+)' : '/([^/]+)';
    })
    .join('');
  return { ...route, pattern: new RegExp(`^${source || '/'}$`), params, literalSegments: segments.filter((s) => !s.startsWith('{')).length };
}

export class HttpRouter {
  private readonly routes: CompiledRoute[];
  private readonly cors: LocalCors | undefined;
  private readonly invoke: Invoke;

  constructor(routes: readonly LocalRoute[], cors: LocalCors | undefined, invoke: Invoke) {
    // Most specific first, as API Gateway matches.
    this.routes = routes.map(compile).sort((a, b) => b.literalSegments - a.literalSegments);
    this.cors = cors;
    this.invoke = invoke;
  }

  private corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (!this.cors || !origin) return {};
    const allowed = this.cors.allowOrigins.includes('*') || this.cors.allowOrigins.includes(origin);
    if (!allowed) return {};
    return {
      'access-control-allow-origin': this.cors.allowOrigins.includes('*') ? '*' : origin,
      'access-control-allow-methods': this.cors.allowMethods.join(','),
      'access-control-allow-headers': this.cors.allowHeaders.join(','),
    };
  }

  /** Handles the request if a route matches; returns false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS' && this.cors && req.headers['access-control-request-method']) {
      const headers = this.corsHeaders(req);
      if (headers['access-control-allow-origin'] && this.cors.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(this.cors.maxAgeSeconds);
      res.writeHead(204, headers);
      res.end();
      return true;
    }
    let matched: { route: CompiledRoute; values: string[] } | undefined;
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method === method || route.method === 'ANY') {
        matched = { route, values: m.slice(1) };
        break;
      }
    }
    if (!matched) {
      if (!pathMatched) return false;
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Not Found' }));
      return true;
    }

    const { route, values } = matched;
    const headers: Record<string, string> = {};
    const cookies: string[] = [];
    for (const [key, value] of Object.entries(req.headers)) {
      if (key === 'cookie') cookies.push(...String(value).split(/;\s*/));
      else if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
    }
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
    const text = body.toString('utf8');
    const isText = Buffer.from(text, 'utf8').equals(body);
    const now = new Date();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(cookies.length > 0 && { cookies }),
      ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
      ...(route.params.length > 0 && {
        pathParameters: Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(values[i]!)])),
      }),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(body.length > 0 && { body: isText ? text : body.toString('base64') }),
      isBase64Encoded: body.length > 0 && !isText,
    };

    let result: unknown;
    try {
      result = await this.invoke(route.functionLogicalId, event);
    } catch (error) {
      // What API Gateway answers when the integration fails.
      console.error(`[${route.functionLogicalId}]`, error);
      res.writeHead(500, { 'content-type': 'application/json', ...this.corsHeaders(req) });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
      return true;
    }
    const structured =
      result && typeof result === 'object' && 'statusCode' in result
        ? (result as APIGatewayProxyStructuredResultV2)
        : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: typeof result === 'string' ? result : JSON.stringify(result) };
    const responseHeaders: Record<string, string | string[]> = { ...this.corsHeaders(req) };
    for (const [key, value] of Object.entries(structured.headers ?? {})) responseHeaders[key.toLowerCase()] = String(value);
    if (structured.cookies?.length) responseHeaders['set-cookie'] = structured.cookies;
    res.writeHead(structured.statusCode ?? 200, responseHeaders);
    // A HEAD (routed like any method, as API Gateway does) and a 304 never carry a body.
    const bodyless = method === 'HEAD' || structured.statusCode === 304 || structured.statusCode === 204;
    res.end(structured.body === undefined || bodyless ? undefined : structured.isBase64Encoded ? Buffer.from(structured.body, 'base64') : structured.body);
    return true;
  }
}
