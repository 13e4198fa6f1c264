import { describe, expect, it } from 'vitest';
import { emailDifferences } from '../../support/fault-workload.ts';

/** How a faulted run's emails are judged against the fault-free run's (the faults test and bench/faults.ts). */
describe('the emails of a faulted run', () => {
  const calm = { 'New lead for you': 1 };

  it('must be the fault-free run’s, each as many times', () => {
    expect(emailDifferences(calm, { 'New lead for you': 1 })).toEqual([]);
    expect(emailDifferences(calm, {})).toEqual(['New lead for you: 0 instead of 1']);
    expect(emailDifferences(calm, { 'New lead for you': 2 })).toEqual(['New lead for you: 2 instead of 1']);
  });

  it('may add only the won deal’s feedback ask, once, which the follow-up clock sends later in time', () => {
    expect(emailDifferences(calm, { 'New lead for you': 1, 'How was Ann storm? The lead was won': 1 })).toEqual([]);
    expect(emailDifferences(calm, { 'New lead for you': 1, 'How was Ann storm? The lead was won': 2 })).toEqual(['How was Ann storm? The lead was won: 2, never sent fault-free']);
    expect(emailDifferences(calm, { 'New lead for you': 1, 'Reminder: accept Ann': 1 })).toEqual(['Reminder: accept Ann: 1, never sent fault-free']);
  });
});
