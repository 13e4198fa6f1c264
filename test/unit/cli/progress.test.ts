import { describe, expect, it } from 'vitest';
import { progressLine, progressWriter, type ProgressFigures } from '../../../bin/cli/progress.ts';

/** A stream that keeps what was written to it. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) };
}

/** A clock the test moves by hand. */
function fakeClock() {
  const clock = { t: 0, now: () => clock.t };
  return clock;
}

const figures = (done: number, total: number | undefined, events = 0, elapsedMs = 0): ProgressFigures => ({ done, total, events, elapsedMs });

describe('the progress line', () => {
  it('shows an empty bar, 0% and no estimate before the first lead is done', () => {
    // Act
    const line = progressLine(figures(0, 1000), 10);

    // Assess
    expect(line).toBe('[----------]   0% 0/1,000 leads · 0 events · 0 events/s');
  });

  it('fills the bar in proportion, gives the rate from elapsed time and estimates what is left', () => {
    // Act: a quarter done in 20 s
    const line = progressLine(figures(250, 1000, 50_000, 20_000), 10);

    // Assess: 2.5 of 10 rounds to 3 marks; 50,000 events / 20 s = 2,500/s; 750 left at 250 per 20 s = 60 s
    expect(line).toBe('[###-------]  25% 250/1,000 leads · 50,000 events · 2,500 events/s · about 1:00 left');
  });

  it('rounds the rate and the estimate to whole numbers and pads the seconds', () => {
    // Act: 620 of 1,000 after 14 s
    const line = progressLine(figures(620, 1000, 48_211, 14_000), 10);

    // Assess: 6.2 marks → 6; 48,211 / 14 = 3,443.6 → 3,444/s; 380 × 14 / 620 = 8.6 s → 0:09
    expect(line).toBe('[######----]  62% 620/1,000 leads · 48,211 events · 3,444 events/s · about 0:09 left');
  });

  it('shows a full bar at 100% and no estimate once done', () => {
    // Act
    const line = progressLine(figures(1000, 1000, 2000, 4000), 10);

    // Assess
    expect(line).toBe('[##########] 100% 1,000/1,000 leads · 2,000 events · 500 events/s');
  });

  it('stops at 100% when more leads are done than the estimated total', () => {
    // Act
    const line = progressLine(figures(1234, 1000, 2000, 4000), 10);

    // Assess
    expect(line).toBe('[##########] 100% 1,234/1,000 leads · 2,000 events · 500 events/s');
  });

  it('does not round the percentage up to 100 before the end', () => {
    // Act
    const line = progressLine(figures(999, 1000, 0, 1000), 10);

    // Assess: 99.9% shows as 99%; one lead left at 999 per second is 0 s
    expect(line).toBe('[##########]  99% 999/1,000 leads · 0 events · 0 events/s · about 0:00 left');
  });

  it('draws a 24-mark bar unless told another width', () => {
    // Act
    const line = progressLine(figures(1, 2));

    // Assess
    expect(line).toBe(`[${'#'.repeat(12)}${'-'.repeat(12)}]  50% 1/2 leads · 0 events · 0 events/s`);
  });

  it('has no bar, percentage or estimate when the total is not known, and separates thousands', () => {
    // Act
    const line = progressLine(figures(1_234_567, undefined, 9_876_543, 4000), 10);

    // Assess: 9,876,543 / 4 s = 2,469,135.75 → 2,469,136/s
    expect(line).toBe('1,234,567 leads · 9,876,543 events · 2,469,136 events/s');
  });

  it('treats a total of 0 as not known', () => {
    // Act
    const line = progressLine(figures(5, 0, 10, 1000), 10);

    // Assess
    expect(line).toBe('5 leads · 10 events · 10 events/s');
  });

  it('counts what it is told to, with the rate of that when no events are counted', () => {
    // Act: 40 of 250 rows in 8 s
    const line = progressLine({ done: 40, total: 250, elapsedMs: 8_000, unit: 'rows' }, 10);

    // Assess: 40 / 8 s = 5 rows/s; 210 left at 5/s = 42 s
    expect(line).toBe('[##--------]  16% 40/250 rows · 5 rows/s · about 0:42 left');
  });

  it('gives no rate and no estimate before any time has passed', () => {
    // Act
    const line = progressLine(figures(10, 100, 500, 0), 10);

    // Assess
    expect(line).toBe('[#---------]  10% 10/100 leads · 500 events · 0 events/s');
  });

  it.each([
    // done, total, elapsed ms, estimate
    [1, 361, 10_000, '1:00:00'], // 360 × 10 s = 3,600 s
    [1, 1000, 10_000, '2:46:30'], // 999 × 10 s = 9,990 s = 2 h 46 min 30 s
    [100, 200, 61_000, '1:01'], // 100 × 0.61 s = 61 s
    [10, 20, 605_000, '10:05'], // 10 × 60.5 s = 605 s
  ])('writes %i of %i after %i ms as about %s left', (done, total, elapsedMs, estimate) => {
    // Act
    const line = progressLine(figures(done, total, 0, elapsedMs), 10);

    // Assess
    expect(line.endsWith(` · about ${estimate} left`)).toBe(true);
  });
});

describe('the progress writer on a terminal', () => {
  it('redraws the line in place at most every 100 ms', () => {
    // Prepare
    const stream = fakeStream(true);
    const clock = fakeClock();
    const writer = progressWriter(stream, clock.now);

    // Act
    writer.update(figures(0, 10));
    clock.t = 50;
    writer.update(figures(1, 10));
    clock.t = 99;
    writer.update(figures(2, 10));
    clock.t = 100;
    writer.update(figures(3, 10));
    clock.t = 199;
    writer.update(figures(4, 10));

    // Assess: only the draws at 0 and 100 ms
    expect(stream.writes).toEqual([
      `\r\x1b[2K[${'-'.repeat(24)}]   0% 0/10 leads · 0 events · 0 events/s`,
      `\r\x1b[2K[${'#'.repeat(7)}${'-'.repeat(17)}]  30% 3/10 leads · 0 events · 0 events/s`,
    ]);
  });

  it('draws when forced even within 100 ms, and counts the next 100 ms from there', () => {
    // Prepare
    const stream = fakeStream(true);
    const clock = fakeClock();
    const writer = progressWriter(stream, clock.now);
    writer.update(figures(0, undefined));

    // Act
    clock.t = 10;
    writer.update(figures(1, undefined), true);
    clock.t = 100;
    writer.update(figures(2, undefined));
    clock.t = 110;
    writer.update(figures(3, undefined));

    // Assess: 100 ms is within 100 ms of the forced draw at 10; 110 is not
    expect(stream.writes).toEqual([
      '\r\x1b[2K0 leads · 0 events · 0 events/s',
      '\r\x1b[2K1 leads · 0 events · 0 events/s',
      '\r\x1b[2K3 leads · 0 events · 0 events/s',
    ]);
  });

  it('ends the drawn line with a newline', () => {
    // Prepare
    const stream = fakeStream(true);
    const writer = progressWriter(stream, fakeClock().now);
    writer.update(figures(0, undefined));

    // Act
    writer.end();

    // Assess
    expect(stream.writes).toEqual(['\r\x1b[2K0 leads · 0 events · 0 events/s', '\n']);
  });

  it('writes nothing at the end when nothing was drawn', () => {
    // Prepare
    const stream = fakeStream(true);
    const writer = progressWriter(stream, fakeClock().now);

    // Act
    writer.end();

    // Assess
    expect(stream.writes).toEqual([]);
  });
});

describe('the progress writer to a log (not a terminal)', () => {
  /** The default 24-mark bar with this many marks filled. */
  const bar = (filled: number) => `[${'#'.repeat(filled)}${'-'.repeat(24 - filled)}]`;

  it('writes one line per 10% step, also when a step is skipped', () => {
    // Prepare
    const stream = fakeStream(false);
    const clock = fakeClock();
    const writer = progressWriter(stream, clock.now);

    // Act: a second apart, well within 30 s of each other
    for (const done of [0, 5, 9, 10, 15, 35, 39, 100]) {
      writer.update(figures(done, 100));
      clock.t += 1000;
    }

    // Assess: steps 0, 1, 3 and 10
    expect(stream.writes).toEqual([
      `${bar(0)}   0% 0/100 leads · 0 events · 0 events/s\n`,
      `${bar(2)}  10% 10/100 leads · 0 events · 0 events/s\n`,
      `${bar(8)}  35% 35/100 leads · 0 events · 0 events/s\n`,
      `${bar(24)} 100% 100/100 leads · 0 events · 0 events/s\n`,
    ]);
  });

  it('writes nothing more past the estimated total until 30 s have passed', () => {
    // Prepare
    const stream = fakeStream(false);
    const clock = fakeClock();
    const writer = progressWriter(stream, clock.now);
    writer.update(figures(100, 100));

    // Act
    clock.t = 1000;
    writer.update(figures(120, 100));
    clock.t = 30_000;
    writer.update(figures(130, 100));

    // Assess
    expect(stream.writes).toEqual([
      `${bar(24)} 100% 100/100 leads · 0 events · 0 events/s\n`,
      `${bar(24)} 100% 130/100 leads · 0 events · 0 events/s\n`,
    ]);
  });

  it('writes within a step once 30 s have passed since the last line', () => {
    // Prepare
    const stream = fakeStream(false);
    const clock = fakeClock();
    const writer = progressWriter(stream, clock.now);
    clock.t = 5000;
    writer.update(figures(0, 100));

    // Act
    clock.t = 34_999;
    writer.update(figures(1, 100));
    clock.t = 35_000;
    writer.update(figures(2, 100));
    clock.t = 64_999;
    writer.update(figures(3, 100));

    // Assess: 29,999 ms after the first line is too early, 30,000 ms is not; the next 30 s count from there
    expect(stream.writes).toEqual([
      `${bar(0)}   0% 0/100 leads · 0 events · 0 events/s\n`,
      `${bar(0)}   2% 2/100 leads · 0 events · 0 events/s\n`,
    ]);
  });

  it('writes every 30 s when the total is not known', () => {
    // Prepare
    const stream = fakeStream(false);
    const clock = fakeClock();
    const writer = progressWriter(stream, clock.now);

    // Act
    writer.update(figures(1, undefined));
    clock.t = 20_000;
    writer.update(figures(2, undefined));
    clock.t = 30_000;
    writer.update(figures(3, undefined));
    clock.t = 59_999;
    writer.update(figures(4, undefined));

    // Assess
    expect(stream.writes).toEqual(['1 leads · 0 events · 0 events/s\n', '3 leads · 0 events · 0 events/s\n']);
  });

  it('writes within a step when forced', () => {
    // Prepare
    const stream = fakeStream(false);
    const clock = fakeClock();
    const writer = progressWriter(stream, clock.now);
    writer.update(figures(0, 100));

    // Act
    clock.t = 1;
    writer.update(figures(1, 100), true);

    // Assess
    expect(stream.writes).toEqual([
      `${bar(0)}   0% 0/100 leads · 0 events · 0 events/s\n`,
      `${bar(0)}   1% 1/100 leads · 0 events · 0 events/s\n`,
    ]);
  });

  it('writes nothing at the end, each line having ended already', () => {
    // Prepare
    const stream = fakeStream(false);
    const writer = progressWriter(stream, fakeClock().now);
    writer.update(figures(0, 100));

    // Act
    writer.end();

    // Assess
    expect(stream.writes).toEqual([`${bar(0)}   0% 0/100 leads · 0 events · 0 events/s\n`]);
  });
});
