import { describe, expect, it } from 'vitest';
import { loadModel, summarizeModel } from '../../../bin/cli/model-check.ts';
import { MODEL_USAGE, run, USAGE, type CliIo } from '../../../bin/cli/run.ts';
import { scoringModelSchema, type ScoringModel } from '#core/scoring.ts';

/** A small model; each test changes what it is about. */
function modelInput() {
  return {
    version: 'cli-test-3',
    engagement: {
      engagedThreshold: 15,
      rules: [
        {
          id: 'pricing',
          description: 'Viewed pricing',
          match: { type: 'page', urlPattern: '/pricing' },
          points: 10,
          halfLifeDays: 7,
          cap: { points: 20, periodDays: 30 },
        },
        {
          id: 'webinar',
          description: 'Attended a webinar',
          match: { type: 'track', event: 'Webinar Attended', properties: { live: true } },
          points: 25,
        },
        { id: 'careers', description: 'Looked at jobs', match: { type: 'page', urlPattern: '/careers' }, points: -5, halfLifeDays: 1 },
      ],
    },
    fit: {
      rules: [
        { id: 'has-phone', description: 'Gave a phone number', trait: 'phone', test: { exists: true }, points: 10 },
        { id: 'country', description: 'Target country', trait: 'country', test: { oneOf: ['DE', 'AT'] }, points: 20 },
        { id: 'student', description: 'Student address', trait: 'title', test: { keywords: ['student'] }, points: -30 },
      ],
      grades: { A: 30, B: 20, C: 10 },
    },
    qualification: { minGrade: 'C', minEngagement: 45 },
  };
}

const model = (change: (m: ReturnType<typeof modelInput>) => void = () => undefined): ScoringModel => {
  const input = modelInput();
  change(input);
  return scoringModelSchema.parse(input);
};

describe('the model summary', () => {
  it('names the version and each engagement rule with its points, what it listens for, half-life and cap', () => {
    // Act
    const lines = summarizeModel(model()).split('\n');

    // Assess
    expect(lines[0]).toBe('Scoring model cli-test-3');
    expect(lines).toContain('Engagement rules (a known lead counts as engaged from 15 points):');
    expect(lines).toContain('  pricing (Viewed pricing): +10 points');
    expect(lines).toContain('      on a page view whose URL contains "/pricing"; half-life 7 days; at most 20 points per 30 days');
    expect(lines).toContain('  webinar (Attended a webinar): +25 points');
    expect(lines).toContain('      on the tracked event "Webinar Attended" with live = true; never decays; no cap');
    expect(lines).toContain('  careers (Looked at jobs): -5 points');
    expect(lines).toContain('      on a page view whose URL contains "/careers"; half-life 1 day; no cap');
  });

  it('lists the fit rules in words, the most fit points there are, and the grade thresholds', () => {
    // Act
    const lines = summarizeModel(model()).split('\n');

    // Assess: phone 10 + country 20 = 30; the student rule only takes points away
    expect(lines).toContain('Fit rules (at most 30 points in all):');
    expect(lines).toContain('  has-phone (Gave a phone number): +10 points when phone is given');
    expect(lines).toContain('  country (Target country): +20 points when country is one of DE, AT');
    expect(lines).toContain('  student (Student address): -30 points when title contains one of the words student');
    expect(lines).toContain('Grades: A from 30 fit points, B from 20, C from 10, D below 10');
  });

  it.each([
    ['A', 'A'],
    ['B', 'B or better (A or B)'],
    ['C', 'C or better (A, B or C)'],
    ['D', 'any grade'],
  ] as const)('says who qualifies in words when the minimum grade is %s', (minGrade, words) => {
    // Act
    const summary = summarizeModel(model((m) => (m.qualification.minGrade = minGrade)));

    // Assess
    expect(summary).toContain(`A lead qualifies (MQL) when its fit grade is ${words} and its engagement is at least 45 points.`);
  });

  it('says the other ways to qualify by activity, with their grade', () => {
    // Prepare
    const withActivity = model((m) => {
      (m.qualification as Record<string, unknown>).orActivity = [
        { rule: 'pricing', atLeast: 3, withinDays: 7 },
        { rule: 'pricing', atLeast: 1, withinDays: 1, minGrade: 'B' },
      ];
    });

    // Act
    const lines = summarizeModel(withActivity).split('\n');

    // Assess
    expect(lines).toContain('  or when it has at least 3 events of rule pricing within 7 days, at any grade.');
    expect(lines).toContain('  or when it has at least 1 event of rule pricing within 1 day and its fit grade is B or better (A or B).');
  });

  it('says a fit band in words, open or closed', () => {
    // Prepare
    const banded = model((m) => {
      m.fit.rules.push(
        { id: 'mid-market', description: 'Mid-market', trait: 'employees', test: { min: 50, max: 500 }, points: 5 } as never,
        { id: 'small', description: 'Small', trait: 'employees', test: { max: 10 }, points: -5 } as never,
      );
    });

    // Act
    const lines = summarizeModel(banded).split('\n');

    // Assess
    expect(lines).toContain('  mid-market (Mid-market): +5 points when employees is from 50 to 500');
    expect(lines).toContain('  small (Small): -5 points when employees is at most 10');
  });

  it('warns when the fit rules cannot give the grade qualification needs, and only then', () => {
    // Prepare: grade A needs 40 and the fit rules give at most 30
    const unreachable = model((m) => {
      m.fit.grades = { A: 40, B: 20, C: 10 };
      m.qualification.minGrade = 'A';
    });

    // Act / Assess
    expect(summarizeModel(unreachable)).toContain('Warning: no lead can qualify: grade A needs 40 fit points and the fit rules give at most 30.');
    expect(summarizeModel(model())).not.toContain('Warning');
  });
});

describe('loading a model file', () => {
  it('passes a valid model and answers it', () => {
    // Prepare
    const text = JSON.stringify(modelInput(), null, 2);

    // Act
    const result = loadModel('model.json', text);

    // Assess
    expect(result).toEqual({ ok: true, model: model() });
  });

  it('refuses an invalid model with every problem at its field and line', () => {
    // Prepare: lines as JSON.stringify(…, null, 2) lays the model out
    const input = modelInput() as Record<string, unknown> & ReturnType<typeof modelInput>;
    input.engagement.rules[1]!.points = 0;
    delete (input.engagement.rules[2] as Partial<(typeof input.engagement.rules)[number]>).description;
    (input.fit.rules[0] as Record<string, unknown>).weight = 2;
    const text = JSON.stringify(input, null, 2);
    const lineOf = (needle: string, from = 0) => text.slice(0, text.indexOf(needle, from)).split('\n').length;

    // Act
    const result = loadModel('model.json', text);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.output.split('\n')).toEqual([
      'model.json is not a valid scoring model (3 problems):',
      `model.json:${lineOf('"points": 0')}: engagement.rules[1].points: points must not be 0`,
      // a missing field is shown where its rule begins
      `model.json:${lineOf('{', text.lastIndexOf('{', text.indexOf('"id": "careers"')))}: engagement.rules[2].description: is missing (a string is required)`,
      `model.json:${lineOf('"weight"')}: fit.rules[0].weight: not a known field`,
    ]);
  });

  it('refuses grade thresholds out of order, at the grades', () => {
    // Prepare
    const input = modelInput();
    input.fit.grades = { A: 10, B: 20, C: 5 };
    const text = JSON.stringify(input, null, 2);

    // Act
    const result = loadModel('model.json', text);

    // Assess
    const gradesLine = text.slice(0, text.indexOf('"grades"')).split('\n').length;
    expect(!result.ok && result.output).toContain(`model.json:${gradesLine}: fit.grades: grade thresholds must satisfy A > B > C`);
  });

  it('refuses text that is not JSON, at the line of the mistake', () => {
    // Act
    const result = loadModel('model.json', '{\n  "version": "1",\n  "engagement" {}\n}\n');

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.output).toMatch(/^model\.json:3: not valid JSON: /);
  });

  it('refuses a JSON document that is not an object, naming the root', () => {
    const result = loadModel('model.json', '[]');

    expect(result.ok).toBe(false);
    expect(!result.ok && result.output).toContain('model.json:1: (root): ');
  });
});

describe('the leadloop command line', () => {
  async function runWith(args: string[], files: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      readFile: (file) => {
        const text = files[file];
        if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
        return text;
      },
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      env: {},
      progress: { write: () => undefined },
      onInterrupt: () => () => undefined,
    };
    const status = await run(args, io);
    return { status, out: out.join('\n'), err: err.join('\n') };
  }

  it.each([['--help'], ['-h'], ['help']])('prints the usage for %s', async (flag) => {
    expect(await runWith([flag])).toEqual({ status: 0, out: USAGE, err: '' });
  });

  it.each([[['model', '--help']], [['model', 'check', '--help']]])('prints the model usage for %j', async (args) => {
    expect(await runWith(args)).toEqual({ status: 0, out: MODEL_USAGE, err: '' });
  });

  it.each([
    [[], 'a command is required'],
    [['deploy'], 'unknown command "deploy"'],
    [['model'], 'model needs a subcommand'],
    [['model', 'lint'], 'unknown model subcommand "lint"'],
    [['model', 'check'], 'model check needs a file'],
    [['model', 'check', 'a.json', 'b.json'], 'model check takes one file, got also b.json'],
  ])('exits 2 with the problem and the usage for %j', async (args, problem) => {
    const { status, out, err } = await runWith(args);

    expect(status).toBe(2);
    expect(out).toBe('');
    expect(err.split('\n')[0]).toBe(`leadloop: ${problem}`);
    expect(err).toContain('Usage: leadloop');
  });

  it('exits 0 and prints the summary for a valid model file', async () => {
    const { status, out, err } = await runWith(['model', 'check', 'm.json'], { 'm.json': JSON.stringify(modelInput()) });

    expect(status).toBe(0);
    expect(out).toBe(summarizeModel(model()));
    expect(err).toBe('');
  });

  it('exits 1 with the problems on stderr for an invalid model file', async () => {
    const input = modelInput();
    input.version = '';
    const { status, out, err } = await runWith(['model', 'check', 'm.json'], { 'm.json': JSON.stringify(input, null, 2) });

    expect(status).toBe(1);
    expect(out).toBe('');
    expect(err).toContain('m.json:2: version: ');
  });

  it('exits 1 naming the file it cannot read', async () => {
    const { status, err } = await runWith(['model', 'check', 'nowhere.json']);

    expect(status).toBe(1);
    expect(err).toMatch(/^leadloop: cannot read nowhere\.json: ENOENT/);
  });
});
