import { App, CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LeadLoopStack } from '../../lib/leadloop-stack.ts';

export const SENDER = 'LeadLoop <leadloop@example.com>';

/** A CloudFormation resource as it appears in the template. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

interface PolicyStatement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

const PSEUDO_PARAMETERS = new Set(['AWS::Partition', 'AWS::Region', 'AWS::AccountId', 'AWS::URLSuffix', 'AWS::StackName']);

/**
 * The LeadLoop stack built in-process and its template, with lookups by
 * construct path (the construct IDs are the resources' identity, so tests
 * name resources the way lib/ does).
 */
export class LeadLoopTemplate {
  readonly stack: Stack;
  readonly template: Template;
  readonly resources: Record<string, CfnResource>;
  private readonly pathByLogicalId = new Map<string, string>();

  constructor() {
    // No stack is bundled: NodejsFunction skips esbuild, which keeps synthesis to a couple of seconds.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    this.stack = new LeadLoopStack(app, 'Test', { sender: SENDER });
    this.template = Template.fromStack(this.stack);
    this.resources = this.template.toJSON().Resources as Record<string, CfnResource>;
    const prefix = `${this.stack.node.path}/`;
    for (const construct of this.stack.node.findAll()) {
      if (!CfnElement.isCfnElement(construct)) continue;
      const logicalId = this.stack.resolve(construct.logicalId) as string;
      this.pathByLogicalId.set(logicalId, construct.node.path.slice(prefix.length).replace(/\/Resource$/, ''));
    }
  }

  /** The logical ID of the construct at `path` (relative to the stack, e.g. `Api/Ingest`). */
  logicalId(path: string): string {
    for (const [logicalId, p] of this.pathByLogicalId) if (p === path) return logicalId;
    throw new Error(`no CloudFormation resource at construct path "${path}"`);
  }

  /** The construct path of a logical ID, e.g. `Tables/Events`. */
  pathOf(logicalId: string): string {
    const path = this.pathByLogicalId.get(logicalId);
    if (path === undefined) throw new Error(`unknown logical ID "${logicalId}"`);
    return path;
  }

  resource(logicalId: string, type: string): CfnResource {
    const resource = this.resources[logicalId];
    if (!resource) throw new Error(`no resource "${logicalId}" in the template`);
    if (resource.Type !== type) throw new Error(`"${logicalId}" is a ${resource.Type}, not a ${type}`);
    return resource;
  }

  /** Logical IDs of every resource of a type. */
  logicalIdsOfType(type: string): string[] {
    return Object.keys(this.template.findResources(type));
  }

  /**
   * A readable form of a resource reference: `Tables/Events.Arn` for a GetAtt,
   * `Journey/StateMachine` for a Ref, `${AWS::Region}` for a pseudo parameter,
   * a Select of a Split as `….split(':')[6]`, and a Join spelled out. Anything else is refused, so no reference is misread.
   */
  describe(value: unknown): string {
    if (typeof value === 'string') return value;
    if (isObject(value)) {
      const ref = value.Ref;
      if (typeof ref === 'string') return PSEUDO_PARAMETERS.has(ref) ? `\${${ref}}` : this.pathOf(ref);
      const getAtt = value['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
        return `${this.pathOf(getAtt[0])}.${getAtt[1]}`;
      }
      // grantExecution names a state machine's executions by the machine's name, cut from its ARN
      const select = value['Fn::Select'];
      const split = Array.isArray(select) && isObject(select[1]) ? select[1]['Fn::Split'] : undefined;
      if (Array.isArray(select) && typeof select[0] === 'number' && Array.isArray(split) && typeof split[0] === 'string') {
        return `${this.describe(split[1])}.split('${split[0]}')[${select[0]}]`;
      }
      const join = value['Fn::Join'];
      if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
        return join[1].map((part: unknown) => this.describe(part)).join(join[0]);
      }
    }
    throw new Error(`cannot describe ${JSON.stringify(value)}`);
  }

  /** The role a function runs as (its logical ID), following `Role: { Fn::GetAtt: [role, Arn] }`. */
  roleOf(functionLogicalId: string): string {
    const role = this.resource(functionLogicalId, 'AWS::Lambda::Function').Properties?.Role;
    const getAtt = isObject(role) ? role['Fn::GetAtt'] : undefined;
    if (!Array.isArray(getAtt) || typeof getAtt[0] !== 'string' || getAtt[1] !== 'Arn') {
      throw new Error(`${functionLogicalId} does not take its role from a role in this stack: ${JSON.stringify(role)}`);
    }
    this.resource(getAtt[0], 'AWS::IAM::Role');
    return getAtt[0];
  }

  /**
   * Everything a function's role is allowed to do, as sorted
   * `action on resource` lines, gathered from the role's inline policies and
   * every AWS::IAM::Policy attached to it. Deny, NotAction, NotResource and
   * conditions are refused rather than misread.
   */
  grantsOf(functionLogicalId: string): string[] {
    const roleId = this.roleOf(functionLogicalId);
    const documents: unknown[] = [];
    const inline = this.resources[roleId]?.Properties?.Policies;
    if (Array.isArray(inline)) documents.push(...inline.map((p: unknown) => (isObject(p) ? p.PolicyDocument : undefined)));
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const [policyId, policy] of Object.entries(this.template.findResources(type))) {
        const roles: unknown = policy.Properties?.Roles;
        if (!Array.isArray(roles) || !roles.some((r) => isObject(r) && r.Ref === roleId)) continue;
        if (type === 'AWS::IAM::ManagedPolicy') throw new Error(`${policyId}: customer managed policies are not read by this helper`);
        documents.push(policy.Properties?.PolicyDocument);
      }
    }
    const grants = new Set<string>();
    for (const document of documents) {
      const statements = isObject(document) ? document.Statement : undefined;
      if (!Array.isArray(statements)) throw new Error(`policy document without statements: ${JSON.stringify(document)}`);
      for (const statement of statements as PolicyStatement[]) {
        if (statement.Effect !== 'Allow' || statement.NotAction || statement.NotResource || statement.Condition) {
          throw new Error(`unsupported statement: ${JSON.stringify(statement)}`);
        }
        for (const action of asList(statement.Action)) {
          if (typeof action !== 'string') throw new Error(`unsupported action: ${JSON.stringify(action)}`);
          for (const resource of asList(statement.Resource)) grants.add(`${action} on ${this.describe(resource)}`);
        }
      }
    }
    return [...grants].sort();
  }

  /** The actions alone, sorted and without repeats. */
  actionsOf(functionLogicalId: string): string[] {
    return [...new Set(this.grantsOf(functionLogicalId).map((grant) => grant.split(' on ')[0] ?? ''))].sort();
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asList(value: unknown): unknown[] {
  if (value === undefined) throw new Error('a statement without Action or Resource');
  return Array.isArray(value) ? value : [value];
}
