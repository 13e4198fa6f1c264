import { activityKinds, type ActivityKind } from './activities.ts';
import { escapeHtml, htmlPage, readableTime, type Page } from './html.ts';

/** The page of the rep's "I contacted them" link: a button (call, email or meeting), and what it recorded. */

export type ContactPageView =
  /** the link was opened: the button, nothing recorded yet (mail scanners open links too) */
  | { kind: 'form' }
  /** the contact, recorded just now */
  | { kind: 'recorded'; activity: { kind: ActivityKind; at: string } }
  /** the rep already said so today: that one stands */
  | { kind: 'duplicate' }
  /** the link does not apply now (another rep, not accepted yet, closed, an earlier cycle) */
  | { kind: 'refused'; reason: string };

const FORM = `<form method="post"><fieldset><legend>How?</legend>
${activityKinds.map((k) => `<label><input type="radio" name="kind" value="${k}"${k === 'call' ? ' checked' : ''}> ${k}</label>`).join('\n')}
</fieldset><p><button type="submit">I contacted them</button></p></form>`;

export function renderContactPage(view: ContactPageView): Page {
  switch (view.kind) {
    case 'form':
      return { statusCode: 200, title: 'Did you contact this lead?', html: htmlPage('Did you contact this lead?', FORM) };
    case 'recorded': {
      const title = 'Contact recorded';
      const text = `Thanks. Your ${view.activity.kind} at ${readableTime(view.activity.at)} counts for the service agreement.`;
      return { statusCode: 200, title, html: htmlPage(title, `<p>${escapeHtml(text)}</p>`) };
    }
    case 'duplicate': {
      const title = 'Already recorded today';
      return { statusCode: 200, title, html: htmlPage(title, '<p>You already told us you contacted this lead today. Nothing changed.</p>') };
    }
    case 'refused': {
      const title = 'This link no longer applies';
      const reason = view.reason.charAt(0).toUpperCase() + view.reason.slice(1);
      return { statusCode: 409, title, html: htmlPage(title, `<p>${escapeHtml(reason)}. Nothing was recorded.</p>`) };
    }
  }
}
