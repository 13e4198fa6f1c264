import { scoringModelSchema, type EngagementRule, type Grade, type ScoringModel } from '#core/scoring.ts';
import { loadConfigFile } from './config-file.ts';

/**
 * `leadloop model check <file>`: a scoring model validated the way the
 * deployed functions validate it, with every problem at its line, or a
 * summary in words of what the model will do.
 */

export type LoadedModel = { ok: true; model: ScoringModel } | { ok: false; output: string };

/** Reads a scoring model from a file's text, or says what is wrong with it, line by line. */
export function loadModel(file: string, text: string): LoadedModel {
  const loaded = loadConfigFile(file, text, scoringModelSchema, 'scoring model');
  return loaded.ok ? { ok: true, model: loaded.config } : loaded;
}

const GRADES: readonly Grade[] = ['A', 'B', 'C', 'D'];

function signed(points: number): string {
  return points > 0 ? `+${points}` : String(points);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What an engagement rule listens for, in words. */
function matchInWords(match: EngagementRule['match']): string {
  const what =
    match.type === 'page'
      ? 'a page view'
      : match.type === 'identify'
        ? 'an identify call'
        : match.event === undefined
          ? 'any tracked event'
          : `the tracked event "${match.event}"`;
  const conditions = [
    ...(match.type !== 'track' && match.event !== undefined ? [`named "${match.event}"`] : []),
    ...(match.urlPattern !== undefined ? [`whose URL contains "${match.urlPattern}"`] : []),
    ...Object.entries(match.properties ?? {}).map(([key, value]) => `with ${key} = ${JSON.stringify(value)}`),
  ];
  return [what, ...conditions].join(' ');
}

function engagementRuleInWords(rule: EngagementRule): string[] {
  const decay = rule.halfLifeDays === undefined ? 'never decays' : `half-life ${plural(rule.halfLifeDays, 'day')}`;
  const cap = rule.cap ? `at most ${plural(rule.cap.points, 'point')} per ${plural(rule.cap.periodDays, 'day')}` : 'no cap';
  return [`  ${rule.id} (${rule.description}): ${signed(rule.points)} points`, `      on ${matchInWords(rule.match)}; ${decay}; ${cap}`];
}

function fitTestInWords(trait: string, test: ScoringModel['fit']['rules'][number]['test']): string {
  if ('exists' in test) return `${trait} is given`;
  if ('notFreeMail' in test) return `${trait} is not at a free-mail domain`;
  if ('keywords' in test) return `${trait} contains one of the words ${test.keywords.join(', ')}`;
  if ('oneOf' in test) return `${trait} is one of ${test.oneOf.join(', ')}`;
  if (test.min !== undefined && test.max !== undefined) return `${trait} is from ${test.min} to ${test.max}`;
  return test.min !== undefined ? `${trait} is at least ${test.min}` : `${trait} is at most ${test.max}`;
}

/** `B` → "B or better (A or B)". */
function gradeOrBetter(grade: Grade): string {
  const accepted = GRADES.slice(0, GRADES.indexOf(grade) + 1);
  if (accepted.length === 1) return grade;
  if (accepted.length === GRADES.length) return 'any grade';
  return `${grade} or better (${accepted.slice(0, -1).join(', ')} or ${grade})`;
}

/** A scoring model in words: what earns points, what makes a fit, and who qualifies. */
export function summarizeModel(model: ScoringModel): string {
  const { A, B, C } = model.fit.grades;
  const maxFit = model.fit.rules.reduce((sum, rule) => sum + Math.max(0, rule.points), 0);
  const minGrade = model.qualification.minGrade;
  const needed = minGrade === 'D' ? undefined : model.fit.grades[minGrade];
  const lines = [
    `Scoring model ${model.version}`,
    '',
    `Engagement rules (a known lead counts as engaged from ${plural(model.engagement.engagedThreshold, 'point')}):`,
    ...model.engagement.rules.flatMap(engagementRuleInWords),
    '',
    `Fit rules (at most ${plural(maxFit, 'point')} in all):`,
    ...(model.fit.rules.length === 0
      ? ['  none: every lead is grade D']
      : model.fit.rules.map((rule) => `  ${rule.id} (${rule.description}): ${signed(rule.points)} points when ${fitTestInWords(rule.trait, rule.test)}`)),
    `Grades: A from ${plural(A, 'fit point')}, B from ${B}, C from ${C}, D below ${C}`,
    '',
    `A lead qualifies (MQL) when its fit grade is ${gradeOrBetter(minGrade)} and its engagement is at least ${plural(model.qualification.minEngagement, 'point')}.`,
    ...(model.qualification.orActivity ?? []).map(
      (activity) =>
        `  or when it has at least ${plural(activity.atLeast, 'event')} of rule ${activity.rule} within ${plural(activity.withinDays, 'day')}` +
        `${activity.minGrade === undefined ? ', at any grade' : ` and its fit grade is ${gradeOrBetter(activity.minGrade)}`}.`,
    ),
  ];
  if (needed !== undefined && needed > maxFit) {
    lines.push(`Warning: no lead can qualify: grade ${minGrade} needs ${plural(needed, 'fit point')} and the fit rules give at most ${maxFit}.`);
  }
  return lines.join('\n');
}
