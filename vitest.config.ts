import { defineConfig } from 'vitest/config';

/** Integration files whose assertions hang on a short real window of a fast local clock (see the `clocks` project). */
const CLOCK_TIMED = ['test/integration/business-hours.test.ts', 'test/integration/deadline.test.ts', 'test/integration/deadline-late.test.ts', 'test/integration/follow-up.test.ts'];

/**
 * The local runtimes of these files load each function on its first call, as Lambda does (local/runtime.ts
 * `loadFunctions`): a start-up costs only the stand-ins, and the functions a file never calls cost nothing.
 * The clock-timed files load every function at start: a cold start there is virtual hours late.
 */
const FUNCTIONS_ON_FIRST_CALL = { LEADLOOP_LOCAL_FUNCTIONS: 'on-first-call' };

export default defineConfig({
  test: {
    // Two test files at a time (vitest's default on two cores is one), the
    // integration files among them: each starts its own local runtime on free
    // ports and mostly waits on its clock, so two of them share the cores.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/unit/setup.ts'],
          // the property tests run hundreds of cases: well under a second alone, several beside the runtimes of the
          // integration files on a 2-core machine; a slow machine is not a failure
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          globalSetup: ['test/infra/synth.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: CLOCK_TIMED,
          env: FUNCTIONS_ON_FIRST_CALL,
          globalSetup: ['test/infra/synth.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        // After every other file: on a fast clock a second of delay is an hour, and these assert
        // what happens within one virtual hour (a reminder before its deadline), so they run
        // only beside each other (mostly waiting), never beside the files that load both cores.
        test: {
          name: 'clocks',
          include: CLOCK_TIMED,
          globalSetup: ['test/infra/synth.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          env: FUNCTIONS_ON_FIRST_CALL,
          globalSetup: ['test/infra/synth.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
