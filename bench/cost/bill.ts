import { AWS_PRICES, lambdaGbSecondPrice, type Price } from '../lib/aws-prices.ts';
import type { FunctionWork, StreamWork } from './meter.ts';
import type { BillPath, FunctionFacts } from './setup.ts';

/**
 * The cost model: counted work × public prices (bench/lib/aws-prices.ts).
 * Pure. Each line belongs to one path: the events' (HTTP API requests of the
 * visitors, the ingest and scoring functions and their DynamoDB units, the
 * stream reads) is billed per 1,000,000 events; the hand-off's (the links,
 * the journey's functions, Step Functions, SES) per 1,000 leads handed off.
 */

export interface CountedWork {
  /** tracking events the API accepted */
  events: number;
  /** leads handed off: journeys that sent a hand-off */
  handoffs: number;
  /** HTTP API requests: the visitors' events, their loads of the tracker script, the reps' hand-off links */
  apiRequests: { events: number; trackerScripts: number; links: number };
  functions: { facts: FunctionFacts; work: FunctionWork }[];
  stream: StreamWork;
  /** Step Functions state transitions: states entered and retries, over every execution */
  transitions: number;
  /** SES recipients over every email sent */
  emailRecipients: number;
}

export interface BillLine {
  path: BillPath;
  service: string;
  /** what was counted, in the price's unit */
  what: string;
  quantity: number;
  usd: number;
  price: Price;
  note?: string;
}

function line(path: BillPath, price: Price, what: string, quantity: number, note?: string, usd = quantity * price.usd): BillLine {
  return { path, service: price.service, what, quantity, usd, price, ...(note && { note }) };
}

function lambdaLines(path: BillPath, functions: CountedWork['functions']): BillLine[] {
  const mine = functions.filter((f) => f.facts.path === path);
  const sum = (pick: (f: (typeof mine)[number]) => number) => mine.reduce((s, f) => s + pick(f), 0);
  const architectures = [...new Set(mine.map((f) => f.facts.architecture))];
  const gbPrice = lambdaGbSecondPrice(architectures.length === 1 ? architectures[0]! : 'x86_64');
  return [
    line(path, AWS_PRICES.lambdaRequest, 'Lambda requests', sum((f) => f.work.invocations)),
    line(path, gbPrice, 'Lambda GB-seconds', sum((f) => f.work.gbSeconds), undefined, sum((f) => f.work.gbSeconds * lambdaGbSecondPrice(f.facts.architecture).usd)),
    line(path, AWS_PRICES.dynamodbWriteUnit, 'DynamoDB write units', sum((f) => f.work.writeUnits)),
    line(path, AWS_PRICES.dynamodbReadUnit, 'DynamoDB read units', sum((f) => f.work.readUnits)),
  ];
}

export function bill(work: CountedWork): BillLine[] {
  return [
    line('events', AWS_PRICES.httpApiRequest, 'HTTP API requests, events', work.apiRequests.events),
    line('events', AWS_PRICES.httpApiRequest, 'HTTP API requests, tracker script', work.apiRequests.trackerScripts, 'one per visitor'),
    ...lambdaLines('events', work.functions),
    line('events', AWS_PRICES.streamsReadRequest, 'stream GetRecords calls', work.stream.calls, 'free: made by the Lambda event source mapping', 0),
    line('hand-offs', AWS_PRICES.httpApiRequest, 'HTTP API requests, hand-off links', work.apiRequests.links),
    ...lambdaLines('hand-offs', work.functions),
    line('hand-offs', AWS_PRICES.stepFunctionsTransition, 'state transitions', work.transitions),
    line('hand-offs', AWS_PRICES.sesEmail, 'emails (recipients)', work.emailRecipients),
  ];
}

/** What one line comes to per unit of its path: per 1,000,000 events or per 1,000 leads handed off. */
export function perUnit(work: CountedWork, path: BillPath): number {
  return path === 'events' ? 1e6 / work.events : 1e3 / work.handoffs;
}

export const PER_UNIT_LABEL: Record<BillPath, string> = { events: 'per 1M events', 'hand-offs': 'per 1k hand-offs' };
