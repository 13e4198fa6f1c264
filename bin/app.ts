import { App } from 'aws-cdk-lib';
import { teams } from '../config/index.ts';
import { LeadLoopStack } from '../lib/leadloop-stack.ts';

const app = new App();
const sender = app.node.tryGetContext('sender') ?? teams.sender;
new LeadLoopStack(app, app.node.tryGetContext('stackName') ?? 'LeadLoop', {
  sender,
  description: 'LeadLoop: closed-loop marketing-to-sales lead pipeline',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
