import { describe, expect, it } from 'vitest';
import { anyFilter, compileFilter } from '../../../local/event-filter.ts';

/** A stream record as the poller hands it to a function (the parts filters read). */
const record = (eventName: string, pk: string, extra: Record<string, unknown> = {}) => ({ eventName, eventSource: 'aws:dynamodb', dynamodb: { Keys: { pk: { S: pk }, sk: { S: 'REP' } }, ...extra } });

describe('Lambda event filtering, locally', () => {
  // the queue drain's filter, as CDK writes it into the template
  const repItems = '{"eventName":["MODIFY"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"REP#"}]}}}}';

  it('lets a modified rep item through, and neither a new one nor another item', () => {
    const filter = compileFilter(repItems);
    expect(filter(record('MODIFY', 'REP#rep-ada'))).toBe(true);
    expect(filter(record('INSERT', 'REP#rep-ada'))).toBe(false);
    expect(filter(record('MODIFY', 'LEAD#l-1'))).toBe(false);
    expect(filter(record('MODIFY', 'ROTATION#sales-emea'))).toBe(false);
    expect(filter({ eventName: 'MODIFY' })).toBe(false);
  });

  it('matches literals, exists and anything-but; a list value when one member matches', () => {
    expect(compileFilter('{"a":[1,"x"]}')({ a: 1 })).toBe(true);
    expect(compileFilter('{"a":[1,"x"]}')({ a: 2 })).toBe(false);
    expect(compileFilter('{"a":[{"exists":false}]}')({ b: 1 })).toBe(true);
    expect(compileFilter('{"a":[{"exists":false}]}')({ a: 1 })).toBe(false);
    expect(compileFilter('{"a":{"b":[{"exists":false}]}}')({})).toBe(true);
    expect(compileFilter('{"a":[{"exists":true}]}')({ a: null })).toBe(true);
    expect(compileFilter('{"a":[{"anything-but":["x","y"]}]}')({ a: 'z' })).toBe(true);
    expect(compileFilter('{"a":[{"anything-but":"x"}]}')({ a: 'x' })).toBe(false);
    expect(compileFilter('{"a":["x"]}')({ a: ['w', 'x'] })).toBe(true);
  });

  it('passes every record without filters, and a record any filter matches with several', () => {
    expect(anyFilter([])({ anything: true })).toBe(true);
    const either = anyFilter(['{"a":["x"]}', '{"b":["y"]}']);
    expect(either({ b: 'y' })).toBe(true);
    expect(either({ a: 'y', b: 'x' })).toBe(false);
  });

  it('refuses a rule it cannot apply, rather than letting every record through', () => {
    expect(() => compileFilter('{"a":[{"numeric":[">",1]}]}')).toThrow(/does not apply "numeric"/);
    expect(() => compileFilter('{"a":[{"prefix":1}]}')).toThrow(/prefix takes a string/);
    expect(() => compileFilter('{"a":"x"}')).toThrow(/expected an object or an array of rules/);
  });
});
