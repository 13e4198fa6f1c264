import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../functions/commons/errors.ts';
import { parseJsonBody } from '../../../functions/commons/http.ts';
import { httpEvent } from './http-event.ts';

const LIMIT = 32 * 1024;
const payload = { type: 'track', anonymousId: 'anon-1', event: 'Signed Up', properties: { plan: 'pro' } };

/** A request as API Gateway hands it over: binary (compressed) bodies base64-encoded. */
function compressed(bytes: Buffer, encoding: string) {
  return httpEvent({ path: '/v1/track', body: bytes.toString('base64'), isBase64Encoded: true, headers: { 'content-encoding': encoding } });
}

function refusal(parse: () => unknown): { statusCode: number; issues: readonly { path: string; message: string }[] | undefined } {
  try {
    parse();
  } catch (error) {
    if (error instanceof HttpError) return { statusCode: error.statusCode, issues: error.issues };
    throw error;
  }
  throw new Error('expected the body to be refused');
}

describe('compressed request bodies', () => {
  const json = Buffer.from(JSON.stringify(payload));

  it('reads gzip, deflate (zlib and raw), br and identity, in any letter case', () => {
    // Prepare
    const events = [
      compressed(gzipSync(json), 'gzip'),
      compressed(gzipSync(json), 'X-GZIP'),
      compressed(deflateSync(json), 'deflate'),
      compressed(deflateRawSync(json), 'deflate'),
      compressed(brotliCompressSync(json), 'br'),
      httpEvent({ path: '/v1/track', body: json.toString(), headers: { 'content-encoding': 'identity' } }),
    ];

    // Act
    const bodies = events.map((event) => parseJsonBody(event, LIMIT));

    // Assess
    for (const body of bodies) expect(body).toEqual(payload);
  });

  it('undoes several codings in the reverse of the order they are listed', () => {
    const event = compressed(brotliCompressSync(gzipSync(json)), 'gzip, br');

    expect(parseJsonBody(event, LIMIT)).toEqual(payload);
  });

  it('applies the size limit to the decompressed body: a small gzip that expands past it is a 413', () => {
    // Prepare: 10 MB of one character compresses to about 10 KB
    const bomb = gzipSync(Buffer.from(JSON.stringify({ ...payload, properties: { blob: 'x'.repeat(10 * 1024 * 1024) } })));
    expect(bomb.length).toBeLessThan(LIMIT);

    // Act
    const { statusCode, issues } = refusal(() => parseJsonBody(compressed(bomb, 'gzip'), LIMIT));

    // Assess
    expect(statusCode).toBe(413);
    expect(issues).toEqual([{ path: 'body', message: `must be at most ${LIMIT} bytes` }]);
  });

  it('accepts a decompressed body of exactly the limit', () => {
    const exact = JSON.stringify({ ...payload, properties: { blob: '' } });
    const padded = JSON.stringify({ ...payload, properties: { blob: 'y'.repeat(LIMIT - Buffer.byteLength(exact)) } });
    expect(Buffer.byteLength(padded)).toBe(LIMIT);

    expect(parseJsonBody(compressed(gzipSync(padded), 'gzip'), LIMIT)).toMatchObject({ event: 'Signed Up' });
  });

  it('refuses an unknown Content-Encoding with 415 naming the header', () => {
    const { statusCode, issues } = refusal(() => parseJsonBody(compressed(json, 'compress'), LIMIT));

    expect(statusCode).toBe(415);
    expect(issues?.map((i) => i.path)).toEqual(['headers.content-encoding']);
  });

  it('refuses a body that is not what its Content-Encoding says with 400 naming the body', () => {
    const { statusCode, issues } = refusal(() => parseJsonBody(compressed(json, 'gzip'), LIMIT));

    expect(statusCode).toBe(400);
    expect(issues?.map((i) => i.path)).toEqual(['body']);
    expect(issues?.[0]?.message).toMatch(/^not valid gzip data/);
  });
});
