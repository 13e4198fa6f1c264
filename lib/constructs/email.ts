import { Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { ConfigurationSet, EmailIdentity, type IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

export interface EmailProps {
  /** The From address of every LeadLoop email, e.g. `LeadLoop <leadloop@example.com>`. */
  readonly sender: string;
}

/** SES sending: a configuration set for delivery events, and the verified identity mail is sent from. */
export class Email extends Construct {
  readonly configurationSet: ConfigurationSet;
  readonly identity: IEmailIdentity;
  readonly sender: string;

  constructor(scope: Construct, id: string, props: EmailProps) {
    super(scope, id);
    const address = /<([^>]+)>/.exec(props.sender)?.[1] ?? props.sender;
    const domain = address.split('@')[1];
    if (!domain) throw new Error(`sender must be an email address, got "${props.sender}"`);
    this.sender = props.sender;
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet');
    // The domain is verified in SES once per account (see README); mail may come from any address in it.
    this.identity = EmailIdentity.fromEmailIdentityName(this, 'Identity', domain);
  }

  /** SendEmail (SES v2) on the identity and the configuration set: the one call the mailer makes. */
  grantSend(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail'],
      resourceArns: [
        this.identity.emailIdentityArn,
        Stack.of(this).formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName }),
      ],
    });
  }
}
