import { describe, expect, it } from 'vitest';
import { renderEscalationEmail, renderHandoffEmail, type HandoffEmailInput } from '#core/emails.ts';
import type { Lead } from '#core/lead.ts';
import { scoringModelSchema, type ScoringModel } from '#core/scoring.ts';
import type { Manager, Rep } from '#core/teams.ts';

const now = new Date('2026-03-02T10:00:00.000Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();

/** Points never decay here, so the reasons read exactly as awarded. */
const model: ScoringModel = scoringModelSchema.parse({
  version: 'mail-test-1',
  engagement: {
    engagedThreshold: 10,
    rules: [
      { id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 5 },
      { id: 'demo', description: 'Requested a demo', match: { type: 'track', event: 'Demo Requested' }, points: 40 },
      { id: 'webinar', description: 'Attended a webinar', match: { type: 'track', event: 'Webinar Attended' }, points: 2 },
      { id: 'download', description: 'Downloaded content', match: { type: 'track', event: 'Content Downloaded' }, points: 1 },
      { id: 'careers', description: 'Looked at jobs', match: { type: 'page', urlPattern: '/careers' }, points: -10 },
    ],
  },
  fit: {
    rules: [
      { id: 'business-email', description: 'Uses a business email', trait: 'email', test: { notFreeMail: true }, points: 15 },
      { id: 'has-phone', description: 'Gave a phone number', trait: 'phone', test: { exists: true }, points: 10 },
    ],
    grades: { A: 40, B: 25, C: 10 },
  },
  qualification: { minGrade: 'B', minEngagement: 50 },
});

const rep: Rep = { id: 'rep-sam', name: 'Sam Seller', email: 'sam@example.com', timeZone: 'Europe/London' };
const manager: Manager = { id: 'mgr-ana', name: 'Ana Manager', email: 'ana@example.com' };

const ledgerEntry = (ruleId: string, messageId: string, points: number) => ({
  ruleId,
  messageId,
  points,
  at: minutesAgo(60),
  modelVersion: 'mail-test-1',
});

function aLead(overrides: Partial<Lead> = {}): Lead {
  return {
    leadId: 'lead-0123456789abcdef0123',
    email: 'jo@acme.io',
    identities: ['email:jo@acme.io'],
    traits: { firstName: 'Jo', lastName: 'Doe', email: 'jo@acme.io', phone: '+44 20 7946 0000', company: 'Acme', title: 'Head of Ops', plan: 'internal-only' },
    stage: 'mql',
    stageHistory: [],
    // 3 page views (15), a demo (40), 2 webinars (4), a download (1), a careers page (−10)
    ledger: [
      ledgerEntry('page-view', 'm-1', 5),
      ledgerEntry('page-view', 'm-2', 5),
      ledgerEntry('page-view', 'm-3', 5),
      ledgerEntry('demo', 'm-4', 40),
      ledgerEntry('webinar', 'm-5', 2),
      ledgerEntry('webinar', 'm-6', 2),
      ledgerEntry('download', 'm-7', 1),
      ledgerEntry('careers', 'm-8', -10),
    ],
    modelVersion: 'mail-test-1',
    engagement: 50,
    grade: 'B',
    scoredAt: minutesAgo(10),
    cycle: 1,
    touches: [
      { messageId: 'm-1', at: minutesAgo(120), source: 'newsletter', medium: 'email', campaign: 'spring-launch' },
      { messageId: 'm-4', at: minutesAgo(20), source: 'linkedin' },
    ],
    recentActivity: [
      { messageId: 'm-1', at: minutesAgo(120), type: 'page', label: 'Viewed Home', url: 'https://acme.io/' },
      { messageId: 'm-4', at: minutesAgo(20), type: 'track', label: 'Demo Requested' },
    ],
    createdAt: minutesAgo(120),
    ...overrides,
  };
}

function handoff(overrides: Partial<HandoffEmailInput> = {}) {
  return renderHandoffEmail({
    lead: aLead(),
    rep,
    model,
    acceptBy: '2026-03-02T14:00:00.000Z',
    acceptUrl: 'https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/1/accept?rep=rep-sam&sig=AAA',
    rejectUrl: 'https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/1/reject?rep=rep-sam&sig=BBB',
    contactedUrl: 'https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/1/contacted?rep=rep-sam&sig=CCC',
    linksExpireAt: new Date('2026-04-01T09:15:30.000Z'),
    now,
    ...overrides,
  });
}

describe('the hand-off email', () => {
  it('names the lead, company, grade and score in the subject', () => {
    // Prepare / Act
    const { subject } = handoff();

    // Assess
    expect(subject).toBe('New lead for you: Jo Doe (Acme), grade B, score 50');
  });

  it('greets the rep and gives the acceptance deadline', () => {
    // Prepare / Act
    const { text, html } = handoff();

    // Assess
    expect(text).toContain('Hi Sam Seller,');
    // the deadline in the rep's zone, in words (London is on GMT on 2 March)
    expect(text).toContain('A lead qualified and is yours. Please accept or reject it by Monday 2 March, 14:00 Europe/London.');
    expect(text).not.toContain('2026-03-02T14:00');
    expect(html).toContain('<p>Hi Sam Seller,</p>');
    expect(html).toContain('<strong>Monday 2 March, 14:00 Europe/London</strong>');
  });

  it('shows the contact traits a rep needs, in a fixed order, and no others', () => {
    // Prepare / Act
    const { text, html } = handoff();

    // Assess: email, phone, title, company are present; employees and country are not; plan is not shown
    expect(text).toContain('Jo Doe (Acme)\n  email: jo@acme.io\n  phone: +44 20 7946 0000\n  title: Head of Ops\n  company: Acme\n');
    expect(html).toContain('<tr><th align="left">phone</th><td>+44 20 7946 0000</td></tr>');
    expect(text).not.toContain('internal-only');
    expect(html).not.toContain('internal-only');
  });

  it('explains the score with the top three engagement reasons and every fit reason', () => {
    // Prepare / Act
    const { text, html } = handoff();

    // Assess: demo 40, page views 15 (3×), webinars 4 (2×); the download (1) is fourth and the careers penalty never shows
    expect(text).toContain(
      [
        'Grade B, engagement 50 (scoring model mail-test-1)',
        'Why it is hot:',
        '  - Requested a demo: 40 points (1×)',
        '  - Viewed a page: 15 points (3×)',
        '  - Attended a webinar: 4 points (2×)',
        '  - Fit: Uses a business email',
        '  - Fit: Gave a phone number',
      ].join('\n'),
    );
    expect(text).not.toContain('Downloaded content');
    expect(text).not.toContain('Looked at jobs');
    expect(html).toContain('<li>Requested a demo: 40 points (1×)</li>');
  });

  it('names the first touch with its source, medium and campaign', () => {
    // Prepare / Act
    const { text, html } = handoff();

    // Assess
    expect(text).toContain('First touch: newsletter / email / spring-launch');
    expect(html).toContain('<p>First touch: newsletter / email / spring-launch</p>');
  });

  it('leaves out the first touch when the lead has none', () => {
    // Prepare / Act
    const { text, html } = handoff({ lead: aLead({ touches: [] }) });

    // Assess
    expect(text).not.toContain('First touch');
    expect(html).not.toContain('First touch');
  });

  it('lists recent activity newest first, at most ten items', () => {
    // Prepare: twelve page views, the last the most recent
    const recentActivity = Array.from({ length: 12 }, (_, i) => ({
      messageId: `p-${i}`,
      at: minutesAgo(12 - i),
      type: 'page' as const,
      label: `Viewed page ${i}`,
    }));

    // Act
    const { text } = handoff({ lead: aLead({ recentActivity }) });

    // Assess: pages 11 down to 2
    const lines = text.split('\n');
    const start = lines.indexOf('Recent activity:');
    expect(lines.slice(start + 1, start + 11)).toEqual(
      Array.from({ length: 10 }, (_, k) => `  ${minutesAgo(1 + k)}  Viewed page ${11 - k}`),
    );
    expect(text).not.toContain('Viewed page 1\n');
    expect(text).not.toContain('Viewed page 0');
  });

  it('carries both one-click links, HTML-escaped in the markup', () => {
    // Prepare / Act
    const { text, html } = handoff();

    // Assess: & is written as &#38; inside href
    expect(text).toContain('Accept: https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/1/accept?rep=rep-sam&sig=AAA');
    expect(text).toContain('Reject: https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/1/reject?rep=rep-sam&sig=BBB');
    expect(html).toContain('<a href="https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/1/accept?rep=rep-sam&#38;sig=AAA">Accept</a>');
    expect(html).toContain('<a href="https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/1/reject?rep=rep-sam&#38;sig=BBB">Reject</a>');
  });

  it('carries the "I contacted them" link and says until when the links work', () => {
    // Prepare / Act
    const { text, html } = handoff();

    // Assess
    expect(text).toContain('Once accepted, tell us you contacted them: https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/1/contacted?rep=rep-sam&sig=CCC');
    expect(html).toContain('<a href="https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/1/contacted?rep=rep-sam&#38;sig=CCC">I contacted them</a>');
    // 1 April: London is on summer time (UTC+1)
    expect(text).toContain('These links work until Wednesday 1 April, 10:15 Europe/London.');
    expect(html).toContain('These links work until Wednesday 1 April, 10:15 Europe/London.');
  });

  it('says so when the lead was reassigned', () => {
    // Prepare / Act
    const { text } = handoff({ reassignedFrom: 'rep-kim' });

    // Assess
    expect(text).toContain('This lead was reassigned to you because it was not accepted in time.');
    expect(text).not.toContain('A lead qualified and is yours.');
  });

  it('HTML-escapes hostile trait values, activity labels and touches', () => {
    // Prepare
    const hostile = aLead({
      traits: {
        firstName: '<img src=x onerror=alert(1)>',
        email: 'jo@acme.io',
        company: '<script>alert("pwned")</script>',
        title: `"><a href='//evil'>`,
        phone: '1 & 2',
      },
      recentActivity: [{ messageId: 'm-9', at: minutesAgo(1), type: 'page', label: 'Viewed <b>bold</b>' }],
      touches: [{ messageId: 'm-9', at: minutesAgo(1), source: '<i>src</i>' }],
    });

    // Act
    const { html } = handoff({ lead: hostile });

    // Assess: every < > & " ' becomes a numeric character reference
    expect(html).not.toMatch(/<(script|img|a href='|b>|i>)/);
    expect(html).toContain('&#60;script&#62;alert(&#34;pwned&#34;)&#60;/script&#62;');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toContain('&#34;&#62;&#60;a href=&#39;//evil&#39;&#62;');
    expect(html).toContain('<td>1 &#38; 2</td>');
    expect(html).toContain('Viewed &#60;b&#62;bold&#60;/b&#62;');
    expect(html).toContain('First touch: &#60;i&#62;src&#60;/i&#62;');
  });

  it('names the lead by the name trait, else first and last name, else email, else lead id', () => {
    // Prepare
    const base = { email: 'jo@acme.io', company: 'Acme' };

    // Act
    const byName = handoff({ lead: aLead({ traits: { ...base, name: 'Joanna Doe', firstName: 'Jo' } }) }).subject;
    const byFirstName = handoff({ lead: aLead({ traits: { ...base, firstName: 'Jo' } }) }).subject;
    const byEmail = handoff({ lead: aLead({ traits: base }) }).subject;
    const { email: _email, ...withoutEmail } = aLead({ traits: {} });
    const byId = handoff({ lead: withoutEmail }).subject;

    // Assess
    expect(byName).toBe('New lead for you: Joanna Doe (Acme), grade B, score 50');
    expect(byFirstName).toBe('New lead for you: Jo (Acme), grade B, score 50');
    expect(byEmail).toBe('New lead for you: jo@acme.io (Acme), grade B, score 50');
    expect(byId).toBe('New lead for you: lead-0123456789abcdef0123, grade B, score 50');
  });
});

describe('the escalation email', () => {
  const escalation = (lead: Lead = aLead()) =>
    renderEscalationEmail({ lead, rep, manager, acceptBy: '2026-03-02T14:00:00.000Z', missed: 1 });

  it('names the rep, the lead and their grade and score in the subject', () => {
    // Prepare / Act
    const { subject } = escalation();

    // Assess
    expect(subject).toBe('Escalation: Sam Seller has not accepted Jo Doe (grade B, score 50)');
  });

  it('greets the manager and says which deadline was missed, and how many times', () => {
    // Prepare / Act
    const { text, html } = escalation();

    // Assess
    expect(text).toContain('Hi Ana Manager,');
    expect(text).toContain(
      'Sam Seller was handed Jo Doe and has not accepted or rejected it within the service agreement (deadline Monday 2 March, 14:00 Europe/London).',
    );
    expect(text).toContain('This is missed deadline number 1 for this lead.');
    expect(text).toContain('Lead: Jo Doe <jo@acme.io>, stage mql, grade B, engagement 50.');
    expect(html).toContain('<p>Hi Ana Manager,</p>');
    expect(html).toContain('<strong>Sam Seller</strong> was handed <strong>Jo Doe</strong>');
    expect(html).toContain('Lead: Jo Doe &lt;jo@acme.io&gt;, stage mql');
  });

  it('says "no email" for a lead without one', () => {
    // Prepare
    const { email: _email, ...withoutEmail } = aLead();

    // Act
    const { text } = escalation(withoutEmail);

    // Assess
    expect(text).toContain('Lead: Jo Doe <no email>');
  });

  it('HTML-escapes the lead name', () => {
    // Prepare
    const hostile = aLead({ traits: { name: '<script>x</script>' } });

    // Act
    const { html } = escalation(hostile);

    // Assess
    expect(html).not.toContain('<script>');
    expect(html).toContain('<strong>&#60;script&#62;x&#60;/script&#62;</strong>');
  });
});

describe('subjects built from what a lead typed', () => {
  it('never carry a line break into the email header', () => {
    // Prepare: a name with CR/LF, as a hostile form might send
    const lead = aLead({ traits: { ...aLead().traits, name: 'Jo\r\nBcc: victim@example.com' } });

    // Act
    const handoffSubject = handoff({ lead }).subject;
    const escalationSubject = renderEscalationEmail({ lead, rep, manager, acceptBy: '2026-03-02T14:00:00.000Z', missed: 1 }).subject;

    // Assess
    for (const subject of [handoffSubject, escalationSubject]) {
      expect(subject).not.toMatch(/[\r\n]/);
      expect(subject).toContain('Jo Bcc: victim@example.com');
    }
  });
});

describe('deadlines and scores as people read them', () => {
  it('shows a manager the deadline in their own zone when teams.json gives one, else in the rep’s', () => {
    // Prepare: Ana works from New York (UTC−5 on 2 March)
    const inNewYork = { ...manager, timeZone: 'America/New_York' };

    // Act
    const theirs = renderEscalationEmail({ lead: aLead(), rep, manager: inNewYork, acceptBy: '2026-03-02T14:00:00.000Z', missed: 1, now }).text;
    const reps = renderEscalationEmail({ lead: aLead(), rep, manager, acceptBy: '2026-03-02T14:00:00.000Z', missed: 1, now }).text;

    // Assess
    expect(theirs).toContain('(deadline Monday 2 March, 09:00 America/New_York)');
    expect(reps).toContain('(deadline Monday 2 March, 14:00 Europe/London)');
  });

  it('rounds a decayed score in subjects and bodies', () => {
    // Prepare: a score part-way through its decay
    const decayed = { ...aLead(), engagement: 49.6371 };

    // Act
    const handoffEmail = handoff({ lead: decayed });
    const escalation = renderEscalationEmail({ lead: decayed, rep, manager, acceptBy: '2026-03-02T14:00:00.000Z', missed: 1, now });

    // Assess
    expect(handoffEmail.subject).toMatch(/score 50$/);
    expect(handoffEmail.text).toContain('engagement 50 (scoring model');
    expect(escalation.subject).toContain('score 50)');
    expect(escalation.text).toContain('engagement 50.');
    for (const email of [handoffEmail, escalation]) expect(email.text).not.toContain('49.6');
  });
});
