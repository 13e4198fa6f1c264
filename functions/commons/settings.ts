/**
 * The environment variables LeadLoop's functions read: one list, used by the
 * constructs that set them (lib/constructs) and by the wiring that reads
 * them (handlers, the CLI). Adapters never read the environment: they are
 * built from the values read here.
 */
export const SETTINGS = {
  /** the leads table: profiles, markers, identity links, cycles, keys, counters */
  leadsTable: 'LEADS_TABLE',
  /** the events table: every tracking event and outcome, once per messageId */
  eventsTable: 'EVENTS_TABLE',
  /** the journey state machine a new MQL's hand-off runs in */
  journeyStateMachineArn: 'JOURNEY_STATE_MACHINE_ARN',
  /** the nurture state machine: one execution per lead, program and cycle */
  nurtureStateMachineArn: 'NURTURE_STATE_MACHINE_ARN',
  /** the public URL of the HTTP API, where hand-off links point */
  apiUrl: 'API_URL',
  /** the From address of LeadLoop's emails */
  senderAddress: 'SENDER_ADDRESS',
  /** the SES configuration set emails are sent with */
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  /** how long an AWS call may take before the SDK gives up and retries, in ms (optional: 3000; the local runtime sets it) */
  awsRequestTimeoutMs: 'LEADLOOP_AWS_REQUEST_TIMEOUT_MS',
} as const;

export type SettingName = keyof typeof SETTINGS;
export type Settings<K extends SettingName> = { readonly [P in K]: string };

/** A setting the environment lacks; names the variable, so the fix is obvious. */
export class MissingSettingError extends Error {
  readonly variables: readonly string[];
  constructor(variables: readonly string[]) {
    super(variables.length === 1 ? `environment variable ${variables[0]} is required` : `environment variables ${variables.join(', ')} are required`);
    this.name = 'MissingSettingError';
    this.variables = variables;
  }
}

/**
 * Reads the named settings from the environment, once (at a cold start, or
 * when the CLI starts), failing with every variable that is missing or empty.
 */
export function readSettings<const K extends SettingName>(names: readonly K[], env: Readonly<Record<string, string | undefined>> = process.env): Settings<K> {
  const missing = names.filter((name) => !env[SETTINGS[name]]);
  if (missing.length > 0) throw new MissingSettingError(missing.map((name) => SETTINGS[name]));
  return Object.fromEntries(names.map((name) => [name, env[SETTINGS[name]]!])) as Settings<K>;
}

/** The environment block that gives a function these settings (what a construct sets on it). */
export function settingsEnvironment(values: Partial<Record<SettingName, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [SETTINGS[name as SettingName], value as string]));
}
