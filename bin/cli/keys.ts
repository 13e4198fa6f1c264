import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createKeyRegistry } from '#adapters/key-registry.ts';
import { createDocumentClient } from '#commons/clients.ts';
import { SETTINGS } from '#commons/settings.ts';
import { describeKeyEntry, isKeyId, KEY_CACHE_SECONDS, type KeyEntry, type KeyKind } from '#core/key-registry.ts';
import { issueKey, KeyRequestError, listKeys, revokeKey, rotateKey, UnknownKeyError, type ManageKeysPorts } from '../../functions/keys/manage-keys.ts';
import { clientConfig, findTarget, TARGET_OPTIONS, TARGET_USAGE } from './connect.ts';
import type { CliIo } from './run.ts';

export const KEYS_USAGE = `Usage: leadloop keys <create | list | revoke | rotate> [--local | --stack <name>]

Manages the API keys of a LeadLoop without writing to its table by hand.

  create --kind write --source <id> [--name <text>] [--origin <origin>]...
  create --kind server --source <id> [--name <text>]
                       Issue a key. A write key sends events; with --origin (repeatable,
                       e.g. https://www.example.com, or * for any) browsers on those
                       origins may use it, without any only servers may. A server key reads
                       leads and reports and records outcomes, never from a browser.
                       --source names where the events come from (stored with each event);
                       --name is for people (default: the source).
                       The key is printed once and stored only as its SHA-256 hash:
                       keep it now, it cannot be shown again.
  list                 Every key: id, kind, source, name, origins, the start of its hash,
                       created, revoked. Never the key.
  revoke <id>          Revoke a key (its id from list).
  rotate <id> [--keep-old]
                       Issue a new key with the old one's kind, source, name and origins, and
                       revoke the old one at once. With --keep-old the old key stays active
                       (your grace period): revoke its id once its clients use the new key.

  --json               create, list: print JSON (create's includes the key)

${TARGET_USAGE}

A revoked key stops working within ${KEY_CACHE_SECONDS} seconds: each function container caches
the answer for a key (found or not) for ${KEY_CACHE_SECONDS} s, so a container that has just
seen it may go on accepting it until its cached answer expires.

Exit status: 0 when done, 1 on an error (unknown id, refused request, unreachable LeadLoop), 2 for a usage error.`;

export type KeysCommand =
  | { action: 'create'; kind: KeyKind; sourceId: string; name: string; allowedOrigins: string[]; json: boolean }
  | { action: 'list'; json: boolean }
  | { action: 'revoke'; id: string }
  | { action: 'rotate'; id: string; keepOld: boolean };

export type ParsedKeysArgs = { ok: true; command: KeysCommand; target: { local?: boolean; stack?: string } } | { ok: false; help: true } | { ok: false; help: false; message: string };

const OPTIONS = {
  ...TARGET_OPTIONS,
  kind: { type: 'string' },
  source: { type: 'string' },
  name: { type: 'string' },
  origin: { type: 'string', multiple: true },
  'keep-old': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which options each action takes (besides --local, --stack, --help). */
const ACTION_OPTIONS: Record<KeysCommand['action'], readonly string[]> = {
  create: ['kind', 'source', 'name', 'origin', 'json'],
  list: ['json'],
  revoke: [],
  rotate: ['keep-old'],
};

/** Reads `leadloop keys …`'s arguments (after `keys`) into what to do, or the usage problem. */
export function parseKeysArgs(args: readonly string[]): ParsedKeysArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return { ok: false, help: false, message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { ok: false, help: true };
  const [action, ...operands] = positionals;
  if (action === undefined) return { ok: false, help: false, message: 'keys needs a subcommand: create, list, revoke or rotate' };
  if (!(action in ACTION_OPTIONS)) return { ok: false, help: false, message: `unknown keys subcommand "${action}"` };
  const act = action as KeysCommand['action'];
  const given = Object.keys(values).filter((name) => !['local', 'stack', 'help'].includes(name));
  const foreign = given.filter((name) => !ACTION_OPTIONS[act].includes(name));
  if (foreign.length > 0) return { ok: false, help: false, message: `keys ${act} does not take ${foreign.map((n) => `--${n}`).join(', ')}` };
  if (values.local && values.stack !== undefined) return { ok: false, help: false, message: 'use --local or --stack, not both' };
  const target = { ...(values.local && { local: true }), ...(values.stack !== undefined && { stack: values.stack }) };

  if (act === 'create' || act === 'list') {
    if (operands.length > 0) return { ok: false, help: false, message: `keys ${act} takes no operands, got ${operands.join(' ')}` };
    if (act === 'list') return { ok: true, command: { action: 'list', json: values.json === true }, target };
    if (values.kind !== 'write' && values.kind !== 'server') {
      return { ok: false, help: false, message: values.kind === undefined ? 'keys create needs --kind write or --kind server' : `--kind must be write or server, got "${values.kind}"` };
    }
    if (values.source === undefined) return { ok: false, help: false, message: 'keys create needs --source <id>, the source its events are recorded under' };
    return {
      ok: true,
      command: { action: 'create', kind: values.kind, sourceId: values.source, name: values.name ?? values.source, allowedOrigins: values.origin ?? [], json: values.json === true },
      target,
    };
  }
  const [id, ...extra] = operands;
  if (id === undefined) return { ok: false, help: false, message: `keys ${act} needs a key id (leadloop keys list shows them)` };
  if (extra.length > 0) return { ok: false, help: false, message: `keys ${act} takes one key id, got also ${extra.join(' ')}` };
  if (!isKeyId(id)) return { ok: false, help: false, message: `"${id.slice(0, 12)}…" is not a key id: give the id from leadloop keys list (key_…), not the key` };
  return { ok: true, command: act === 'revoke' ? { action: 'revoke', id } : { action: 'rotate', id, keepOld: values['keep-old'] === true }, target };
}

const REVOCATION_DELAY = `It stops working within ${KEY_CACHE_SECONDS} s (each function caches keys for ${KEY_CACHE_SECONDS} s).`;

function origins(entry: KeyEntry): string {
  if (entry.kind === 'server') return 'from servers only';
  return entry.allowedOrigins.length > 0 ? `from servers and browsers on ${entry.allowedOrigins.join(', ')}` : 'from servers only (no origins)';
}

function issuedText(key: string, entry: KeyEntry): string {
  return `Created ${entry.kind} key ${entry.id} for source ${entry.sourceId} (${JSON.stringify(entry.name)}), usable ${origins(entry)}.
The key, shown this once (only its hash is stored):

  ${key}
`;
}

export const entryJson = ({ keyHash: _hash, ...entry }: KeyEntry) => entry;

/** `leadloop keys …`: reads the arguments, finds the LeadLoop, and runs the use case on its leads table. */
export async function keysCommand(args: readonly string[], io: CliIo, makePorts?: (leadsTable: string, env: Record<string, string | undefined>) => ManageKeysPorts): Promise<number> {
  const parsed = parseKeysArgs(args);
  if (!parsed.ok) {
    if (parsed.help) {
      io.out(KEYS_USAGE);
      return 0;
    }
    io.err(`leadloop: ${parsed.message}\n\n${KEYS_USAGE}`);
    return 2;
  }
  const target = await findTarget(io, parsed.target, KEYS_USAGE);
  if (typeof target === 'number') return target;
  const leadsTable = target.env[SETTINGS.leadsTable];
  if (!leadsTable) return (io.err(`leadloop: ${target.description} names no ${SETTINGS.leadsTable}`), 1);
  // Wiring: the target's settings → the registry adapter → the use case's ports.
  const ports: ManageKeysPorts = makePorts?.(leadsTable, target.env) ?? {
    registry: createKeyRegistry({ client: createDocumentClient(clientConfig(target.env, 'DYNAMODB')), leadsTable }),
    randomBytes: (size) => randomBytes(size),
    now: () => new Date(),
  };

  const { command } = parsed;
  try {
    switch (command.action) {
      case 'create': {
        const { key, entry } = await issueKey(command, ports);
        io.out(command.json ? JSON.stringify({ key, ...entryJson(entry) }) : issuedText(key, entry));
        return 0;
      }
      case 'list': {
        const entries = await listKeys(ports);
        if (command.json) io.out(JSON.stringify(entries.map(entryJson)));
        else io.out(entries.length === 0 ? `No keys in ${target.description}.` : entries.map(describeKeyEntry).join('\n'));
        return 0;
      }
      case 'revoke': {
        const { entry, revokedNow } = await revokeKey(command.id, ports);
        io.out(revokedNow ? `Revoked ${entry.kind} key ${entry.id} (${JSON.stringify(entry.name)}). ${REVOCATION_DELAY}` : `Key ${entry.id} was already revoked (at ${entry.revokedAt}); nothing changed.`);
        return 0;
      }
      case 'rotate': {
        const { issued, old, oldRevoked } = await rotateKey(command.id, ports, { keepOld: command.keepOld });
        const then = oldRevoked ? `Revoked the old key ${old.id}. ${REVOCATION_DELAY}` : `The old key ${old.id} stays active: revoke it (leadloop keys revoke ${old.id}) once its clients use the new one.`;
        io.out(`${issuedText(issued.key, issued.entry)}\n${then}`);
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof KeyRequestError) {
      io.err(`leadloop: the key was not created:\n${error.problems.map((p) => `  ${p}`).join('\n')}`);
      return 1;
    }
    if (error instanceof UnknownKeyError) return (io.err(`leadloop: ${error.message}`), 1);
    io.err(`leadloop: keys ${command.action} failed: ${(error as Error).message}`);
    return 1;
  }
}
