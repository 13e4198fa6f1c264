import { describe, expect, it } from 'vitest';
import { loadFunctionsOf } from '../../../local/runtime.ts';
import { StartupError } from '../../../local/ports.ts';

/** When the local runtime's functions load their code: the option, else LEADLOOP_LOCAL_FUNCTIONS, else at start. */
describe('loadFunctionsOf', () => {
  it('loads every function at start when nothing says otherwise, as npm start does', () => {
    expect(loadFunctionsOf({}, {})).toBe('at-start');
    expect(loadFunctionsOf({}, { LEADLOOP_LOCAL_FUNCTIONS: '' })).toBe('at-start');
  });

  it('takes LEADLOOP_LOCAL_FUNCTIONS, and the option over it', () => {
    expect(loadFunctionsOf({}, { LEADLOOP_LOCAL_FUNCTIONS: 'on-first-call' })).toBe('on-first-call');
    expect(loadFunctionsOf({ loadFunctions: 'at-start' }, { LEADLOOP_LOCAL_FUNCTIONS: 'on-first-call' })).toBe('at-start');
    expect(loadFunctionsOf({ loadFunctions: 'on-first-call' }, {})).toBe('on-first-call');
  });

  it('refuses any other value, naming the variable and what it may be', () => {
    expect(() => loadFunctionsOf({}, { LEADLOOP_LOCAL_FUNCTIONS: 'lazy' })).toThrow(StartupError);
    expect(() => loadFunctionsOf({}, { LEADLOOP_LOCAL_FUNCTIONS: 'lazy' })).toThrow('LEADLOOP_LOCAL_FUNCTIONS must be at-start or on-first-call, not "lazy".');
  });
});
