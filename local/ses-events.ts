import { randomUUID } from 'node:crypto';
import { virtualNow, type ClockSettings } from './clock.ts';
import type { Invoke } from './step-functions.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalSesEventTopic } from './template.ts';

/**
 * SES events (bounces, complaints), locally: the SES capture delivers
 * nothing, so nothing bounces by itself. An event of the shape SES publishes
 * to a configuration set's SNS destination is handed in (POST
 * /_local/ses-events, or `sesEvents` in tests) and delivered, as SNS would, to
 * the functions subscribed to the topics that receive its type: the same
 * handler code as on AWS.
 */
export type DeliverSesEvent = (event: unknown) => Promise<{ delivered: number }>;

export class SesEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SesEventError';
  }
}

export function sesEventDelivery(topics: readonly LocalSesEventTopic[], invoke: Invoke, clock: ClockSettings): DeliverSesEvent {
  return async (event) => {
    const type = typeof event === 'object' && event !== null ? (event as { eventType?: unknown }).eventType : undefined;
    if (typeof type !== 'string') throw new SesEventError('an SES event needs its eventType (Bounce, Complaint, …)');
    let delivered = 0;
    for (const topic of topics.filter((t) => t.eventTypes.includes(type.toLowerCase()))) {
      const topicArn = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${topic.topicLogicalId}`;
      const record = {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: randomUUID(),
          TopicArn: topicArn,
          Subject: null,
          Message: JSON.stringify(event),
          Timestamp: new Date(virtualNow(clock, Date.now())).toISOString(),
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      };
      for (const fn of topic.functionLogicalIds) {
        await invoke(fn, { Records: [record] });
        delivered += 1;
      }
    }
    return { delivered };
  };
}
