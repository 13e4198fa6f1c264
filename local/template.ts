import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Reads the synthesized CloudFormation template and tells the local runtime
 * what to run: tables, functions (their bundled code and environment), HTTP
 * routes, stream mappings, schedules and state machines. Nothing here is written twice:
 * change the stack and the local run changes with it.
 */

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}
export interface Template {
  Resources: Record<string, Resource>;
}

export interface LocalTable {
  logicalId: string;
  name: string;
  keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  streamViewType?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
  /** the table's global secondary indexes, as CreateTable takes them */
  globalSecondaryIndexes?: LocalIndex[];
}

export interface LocalIndex {
  IndexName: string;
  KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
}

export interface LocalFunction {
  logicalId: string;
  name: string;
  arn: string;
  /** the bundled module in cdk.out, exactly what is deployed */
  codeFile: string;
  exportName: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memorySize: number;
}

export interface LocalRoute {
  method: string;
  path: string;
  routeKey: string;
  functionLogicalId: string;
}

export interface LocalStreamMapping {
  functionLogicalId: string;
  tableLogicalId: string;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** BisectBatchOnFunctionError */
  bisectOnError: boolean;
  /** MaximumRetryAttempts; -1 retries until the record is too old (or forever) */
  maxRetryAttempts: number;
  /** MaximumRecordAgeInSeconds; -1 is no limit */
  maxRecordAgeSeconds: number;
  /** the logical id of the on-failure destination (an SQS queue), if any */
  onFailureDestination?: string;
  /** FilterCriteria patterns (JSON text): a record reaches the function when one matches; none, every record does */
  filterPatterns: string[];
}

export interface LocalStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  definition: Record<string, unknown>;
}

export interface LocalCors {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  maxAgeSeconds?: number;
}

/** An EventBridge Scheduler schedule whose target is one of the stack's functions. */
export interface LocalSchedule {
  logicalId: string;
  /** `cron(...)` (the only kind run locally) */
  expression: string;
  /** IANA zone the expression is read in (ScheduleExpressionTimezone; UTC when absent) */
  timeZone: string;
  enabled: boolean;
  functionLogicalId: string;
  /** the target's Input (JSON text) with the scheduler's context attributes still in it; `{}` when absent */
  input: string;
  /** RetryPolicy.MaximumRetryAttempts (the scheduler's default: 185) */
  maxRetryAttempts: number;
}

/**
 * An SNS topic a configuration set sends SES events to (bounces, complaints, …),
 * with the functions subscribed to it: the local runtime delivers such events
 * to them as SNS would (see runtime.ts, /_local/ses-events).
 */
export interface LocalSesEventTopic {
  topicLogicalId: string;
  /** MatchingEventTypes, as SES names them (bounce, complaint, …) */
  eventTypes: string[];
  functionLogicalIds: string[];
}

export interface LocalApp {
  tables: LocalTable[];
  /** where SES events go, and who gets them */
  sesEventTopics: LocalSesEventTopic[];
  schedules: LocalSchedule[];
  functions: Map<string, LocalFunction>;
  routes: LocalRoute[];
  cors?: LocalCors;
  streamMappings: LocalStreamMapping[];
  stateMachines: LocalStateMachine[];
}

/** Values the template refers to that only exist at run time (the API's URL, stream ARNs). */
export interface RuntimeValues {
  apiUrl: string;
  streamArns: Map<string, string>;
}

export function functionArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

export function stateMachineArn(logicalId: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;
}

export function readTemplate(cdkOut: string, stackName = 'LeadLoop'): Template {
  return JSON.parse(readFileSync(path.join(cdkOut, `${stackName}.template.json`), 'utf8')) as Template;
}

class Resolver {
  private readonly template: Template;
  private readonly runtime: RuntimeValues;
  constructor(template: Template, runtime: RuntimeValues) {
    this.template = template;
    this.runtime = runtime;
  }

  private typeOf(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`the template refers to ${logicalId}, which it does not define`);
    return resource.Type;
  }

  ref(logicalId: string): string {
    switch (logicalId) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'LeadLoop';
    }
    const type = this.typeOf(logicalId);
    if (type === 'AWS::StepFunctions::StateMachine') return stateMachineArn(logicalId);
    // Tables, functions, configuration sets, …: their local name is their logical id.
    return logicalId;
  }

  getAtt(logicalId: string, attribute: string): string {
    const type = this.typeOf(logicalId);
    if (type === 'AWS::Lambda::Function' && attribute === 'Arn') return functionArn(logicalId);
    if (type === 'AWS::StepFunctions::StateMachine' && attribute === 'Arn') return stateMachineArn(logicalId);
    if (type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint') return this.runtime.apiUrl;
    if ((type === 'AWS::DynamoDB::GlobalTable' || type === 'AWS::DynamoDB::Table') && attribute === 'StreamArn') {
      const arn = this.runtime.streamArns.get(logicalId);
      if (!arn) throw new Error(`table ${logicalId} has no stream locally`);
      return arn;
    }
    if ((type === 'AWS::DynamoDB::GlobalTable' || type === 'AWS::DynamoDB::Table') && attribute === 'Arn') {
      return `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${logicalId}`;
    }
    throw new Error(`the local runtime cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
  }

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = value[fn] as Json;
      switch (fn) {
        case 'Ref':
          return this.ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
          return this.getAtt(id!, attribute!);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, Json[]];
          return parts.map((p) => String(this.resolve(p))).join(separator);
        }
        case 'Fn::Sub': {
          const text = Array.isArray(arg) ? String(arg[0]) : String(arg);
          const vars = Array.isArray(arg) ? ((arg[1] ?? {}) as Record<string, Json>) : {};
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
            name in vars ? String(this.resolve(vars[name]!)) : name.includes('.') ? this.getAtt(...(name.split('.') as [string, string])) : this.ref(name),
          );
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, Json];
          return (this.resolve(list) as Json[])[Number(index)] ?? null;
        }
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }
}

function integrationTarget(template: Template, target: Json): string {
  // Target: { Fn::Join: ['', ['integrations/', { Ref: <integration> }]] }
  const integrationId = JSON.stringify(target).match(/"Ref":"([^"]+)"/)?.[1];
  const integration = integrationId ? template.Resources[integrationId] : undefined;
  const uri = integration?.Properties?.IntegrationUri as Json;
  const functionId = JSON.stringify(uri).match(/"Fn::GetAtt":\["([^"]+)"/)?.[1];
  if (!functionId) throw new Error(`route target ${JSON.stringify(target)} is not a Lambda proxy integration`);
  return functionId;
}

/** The tables the template defines; needed before anything else can start. */
export function tablesOf(template: Template): LocalTable[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable' || r.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, { Properties: props = {} }]) => {
      const stream = props.StreamSpecification as { StreamViewType?: LocalTable['streamViewType'] } | undefined;
      // billing and throughput settings of an index are AWS's business: locally an index is its keys and projection
      const indexes = ((props.GlobalSecondaryIndexes ?? []) as unknown as LocalIndex[]).map(({ IndexName, KeySchema, Projection }) => ({
        IndexName,
        KeySchema,
        Projection: { ProjectionType: Projection.ProjectionType, ...(Projection.NonKeyAttributes && { NonKeyAttributes: Projection.NonKeyAttributes }) },
      }));
      return {
        logicalId,
        name: logicalId,
        keySchema: props.KeySchema as LocalTable['keySchema'],
        attributeDefinitions: props.AttributeDefinitions as LocalTable['attributeDefinitions'],
        ...(stream?.StreamViewType && { streamViewType: stream.StreamViewType }),
        ...(indexes.length > 0 && { globalSecondaryIndexes: indexes }),
      };
    });
}

/**
 * What the local runtime runs, from the template. Runtime values (API URL,
 * stream ARNs) are looked up when resolved, so call this after tables exist.
 */
export function describeApp(template: Template, cdkOut: string, runtime: RuntimeValues): LocalApp {
  const resolver = new Resolver(template, runtime);
  const app: LocalApp = { tables: tablesOf(template), sesEventTopics: sesEventTopicsOf(template), schedules: [], functions: new Map(), routes: [], streamMappings: [], stateMachines: [] };

  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::ApiGatewayV2::Api': {
        const cors = props.CorsConfiguration as
          | { AllowOrigins?: string[]; AllowMethods?: string[]; AllowHeaders?: string[]; MaxAge?: number }
          | undefined;
        if (cors) {
          app.cors = {
            allowOrigins: cors.AllowOrigins ?? [],
            allowMethods: cors.AllowMethods ?? [],
            allowHeaders: cors.AllowHeaders ?? [],
            ...(cors.MaxAge !== undefined && { maxAgeSeconds: Number(cors.MaxAge) }),
          };
        }
        break;
      }
      case 'AWS::ApiGatewayV2::Route': {
        const routeKey = String(props.RouteKey);
        const [method, routePath] = routeKey.split(' ') as [string, string];
        app.routes.push({ method, path: routePath, routeKey, functionLogicalId: integrationTarget(template, props.Target as Json) });
        break;
      }
      case 'AWS::Scheduler::Schedule': {
        const target = (props.Target ?? {}) as { Arn?: Json; Input?: Json; RetryPolicy?: { MaximumRetryAttempts?: number } };
        const fn = JSON.stringify(target.Arn).match(/^\{"Fn::GetAtt":\["([^"]+)","Arn"\]\}$/)?.[1];
        if (!fn || template.Resources[fn]?.Type !== 'AWS::Lambda::Function') {
          throw new Error(`schedule ${logicalId}: the local runtime only fires schedules whose target is one of the stack's functions, not ${JSON.stringify(target.Arn)}`);
        }
        if (target.Input !== undefined && typeof target.Input !== 'string') throw new Error(`schedule ${logicalId}: the local runtime needs the target's Input as plain text, got ${JSON.stringify(target.Input)}`);
        app.schedules.push({
          logicalId,
          expression: String(props.ScheduleExpression),
          timeZone: String(props.ScheduleExpressionTimezone ?? 'UTC'),
          enabled: (props.State ?? 'ENABLED') === 'ENABLED',
          functionLogicalId: fn,
          input: target.Input ?? '{}',
          maxRetryAttempts: Number(target.RetryPolicy?.MaximumRetryAttempts ?? 185),
        });
        break;
      }
      case 'AWS::Lambda::EventSourceMapping': {
        const source = JSON.stringify(props.EventSourceArn).match(/"Fn::GetAtt":\["([^"]+)","StreamArn"\]/)?.[1];
        const fn = JSON.stringify(props.FunctionName).match(/"Ref":"([^"]+)"/)?.[1];
        if (!source || !fn) throw new Error(`event source mapping ${logicalId} is not a DynamoDB stream to a function`);
        app.streamMappings.push({
          functionLogicalId: fn,
          tableLogicalId: source,
          batchSize: Number(props.BatchSize ?? 100),
          maxBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
          reportBatchItemFailures: ((props.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
          startingPosition: (props.StartingPosition as 'TRIM_HORIZON' | 'LATEST') ?? 'TRIM_HORIZON',
          bisectOnError: props.BisectBatchOnFunctionError === true,
          maxRetryAttempts: Number(props.MaximumRetryAttempts ?? -1),
          maxRecordAgeSeconds: Number(props.MaximumRecordAgeInSeconds ?? -1),
          filterPatterns: ((props.FilterCriteria as { Filters?: { Pattern?: Json }[] } | undefined)?.Filters ?? []).map(({ Pattern }) => {
            if (typeof Pattern !== 'string') throw new Error(`event source mapping ${logicalId}: the local runtime needs each filter's Pattern as plain text, got ${JSON.stringify(Pattern)}`);
            return Pattern;
          }),
        });
        const destination = (props.DestinationConfig as { OnFailure?: { Destination?: Json } } | undefined)?.OnFailure?.Destination;
        if (destination !== undefined) {
          const queue = JSON.stringify(destination).match(/"Fn::GetAtt":\["([^"]+)","Arn"\]/)?.[1];
          if (!queue || template.Resources[queue]?.Type !== 'AWS::SQS::Queue') {
            throw new Error(`event source mapping ${logicalId}: the local runtime only knows SQS queues as on-failure destinations, not ${JSON.stringify(destination)}`);
          }
          app.streamMappings.at(-1)!.onFailureDestination = queue;
        }
        break;
      }
    }
  }

  // Functions and state machines refer to runtime values; resolve them last.
  const lazy: (() => void)[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::Lambda::Function') {
      lazy.push(() => {
        const assetPath = resource.Metadata?.['aws:asset:path'];
        if (typeof assetPath !== 'string') throw new Error(`function ${logicalId} has no asset metadata; synthesize with asset metadata enabled`);
        const [file, exportName] = String(props.Handler ?? 'index.handler').split('.') as [string, string];
        const env = resolver.resolve(((props.Environment as { Variables?: Json } | undefined)?.Variables ?? {}) as Json) as Record<string, Json>;
        app.functions.set(logicalId, {
          logicalId,
          name: logicalId,
          arn: functionArn(logicalId),
          codeFile: path.join(cdkOut, assetPath, `${file}.mjs`),
          exportName,
          environment: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
          timeoutSeconds: Number(props.Timeout ?? 3),
          memorySize: Number(props.MemorySize ?? 128),
        });
      });
    }
    if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      lazy.push(() => {
        const definition = props.DefinitionString
          ? JSON.parse(String(resolver.resolve(props.DefinitionString as Json)))
          : resolver.resolve(props.Definition as Json);
        app.stateMachines.push({ logicalId, name: logicalId, arn: stateMachineArn(logicalId), definition });
      });
    }
  }
  for (const resolveLater of lazy) resolveLater();
  return app;
}

/** The SNS topics configuration sets send SES events to, with their Lambda subscribers. */
export function sesEventTopicsOf(template: Template): LocalSesEventTopic[] {
  const resources = Object.entries(template.Resources);
  const refOf = (value: Json | undefined) => JSON.stringify(value ?? null).match(/^\{"Ref":"([^"]+)"\}$/)?.[1];
  return resources
    .filter(([, r]) => r.Type === 'AWS::SES::ConfigurationSetEventDestination')
    .flatMap(([, r]) => {
      const destination = (r.Properties?.EventDestination ?? {}) as { SnsDestination?: { TopicARN?: Json }; MatchingEventTypes?: string[]; Enabled?: boolean };
      const topicLogicalId = refOf(destination.SnsDestination?.TopicARN);
      if (!topicLogicalId || destination.Enabled === false) return [];
      const functionLogicalIds = resources
        .filter(([, s]) => s.Type === 'AWS::SNS::Subscription' && s.Properties?.Protocol === 'lambda' && refOf(s.Properties?.TopicArn) === topicLogicalId)
        .flatMap(([, s]) => JSON.stringify(s.Properties?.Endpoint).match(/^\{"Fn::GetAtt":\["([^"]+)","Arn"\]\}$/)?.[1] ?? []);
      return [{ topicLogicalId, eventTypes: (destination.MatchingEventTypes ?? []).map((t) => t.toLowerCase()), functionLogicalIds }];
    });
}
