import { describe, expect, it } from 'vitest';
import { keysCommand, parseKeysArgs, KEYS_USAGE } from '../../../bin/cli/keys.ts';
import type { CliIo } from '../../../bin/cli/run.ts';
import { run } from '../../../bin/cli/run.ts';
import type { KeyEntry } from '#core/key-registry.ts';
import { keyHash } from '#core/keys.ts';
import type { ManageKeysPorts } from '../../../functions/keys/manage-keys.ts';

const ENV = { LEADS_TABLE: 'leads', EVENTS_TABLE: 'events', JOURNEY_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:1:stateMachine:j' };

/** An in-memory registry with the adapter's rules: a key or id is added once, revoking twice changes nothing. */
function memoryPorts() {
  const entries = new Map<string, KeyEntry>();
  let counter = 0;
  const ports: ManageKeysPorts = {
    registry: {
      addKey: async (entry) => {
        if (entries.has(entry.id) || [...entries.values()].some((e) => e.keyHash === entry.keyHash)) throw new Error('already registered');
        entries.set(entry.id, { ...entry });
      },
      listKeys: async () => [...entries.values()],
      getKey: async (id) => entries.get(id),
      revokeKey: async (entry, at) => {
        const stored = entries.get(entry.id)!;
        if (stored.revokedAt) return false;
        stored.revokedAt = at.toISOString();
        return true;
      },
    },
    // distinct bytes per call, so ids and keys differ
    randomBytes: (size) => new Uint8Array(size).fill(++counter),
    now: () => new Date('2026-12-01T12:00:00Z'),
  };
  return { ports, entries };
}

function cli(env: Record<string, string> = ENV) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { readFile: () => '', out: (t) => out.push(t), err: (t) => err.push(t), env, progress: { write: () => true }, onInterrupt: () => () => undefined };
  return { io, out, err };
}

describe('leadloop keys arguments', () => {
  it('reads a write key request with repeated origins and a target', () => {
    expect(parseKeysArgs(['create', '--kind', 'write', '--source', 'website', '--origin', 'https://a.example', '--origin', 'https://b.example', '--local'])).toEqual({
      ok: true,
      command: { action: 'create', kind: 'write', sourceId: 'website', name: 'website', allowedOrigins: ['https://a.example', 'https://b.example'], json: false },
      target: { local: true },
    });
    expect(parseKeysArgs(['rotate', 'key_0a0b0c0d0e0f', '--keep-old', '--stack', 'leadloop-dev'])).toEqual({ ok: true, command: { action: 'rotate', id: 'key_0a0b0c0d0e0f', keepOld: true }, target: { stack: 'leadloop-dev' } });
  });

  it('refuses what does not make sense, saying why', () => {
    const message = (args: string[]) => {
      const parsed = parseKeysArgs(args);
      return parsed.ok || parsed.help ? undefined : parsed.message;
    };
    expect(message([])).toBe('keys needs a subcommand: create, list, revoke or rotate');
    expect(message(['delete'])).toBe('unknown keys subcommand "delete"');
    expect(message(['create', '--source', 'x'])).toBe('keys create needs --kind write or --kind server');
    expect(message(['create', '--kind', 'admin', '--source', 'x'])).toBe('--kind must be write or server, got "admin"');
    expect(message(['create', '--kind', 'write'])).toBe('keys create needs --source <id>, the source its events are recorded under');
    expect(message(['list', '--origin', 'https://a.example'])).toBe('keys list does not take --origin');
    expect(message(['revoke', 'key_0a0b0c0d0e0f', '--keep-old'])).toBe('keys revoke does not take --keep-old');
    expect(message(['revoke'])).toBe('keys revoke needs a key id (leadloop keys list shows them)');
    expect(message(['revoke', 'wk_secretsecretsecret'])).toBe('"wk_secretsec…" is not a key id: give the id from leadloop keys list (key_…), not the key');
    expect(message(['list', '--local', '--stack', 'x'])).toBe('use --local or --stack, not both');
  });

  it('shows its help, which states how soon a revocation takes effect', async () => {
    const { io, out } = cli();
    expect(await run(['keys', '--help'], io)).toBe(0);
    expect(out.join('')).toBe(KEYS_USAGE);
    expect(KEYS_USAGE).toContain('A revoked key stops working within 60 seconds');
  });

  it('exits 2 on a usage error and touches nothing', async () => {
    const { io, err } = cli();
    const { ports, entries } = memoryPorts();
    expect(await keysCommand(['create', '--kind', 'write'], io, () => ports)).toBe(2);
    expect(err[0]).toMatch(/^leadloop: keys create needs --source/);
    expect(entries.size).toBe(0);
  });
});

describe('leadloop keys on a LeadLoop', () => {
  it('creates a key, prints it once, and stores only its hash', async () => {
    const { io, out } = cli();
    const { ports, entries } = memoryPorts();

    expect(await keysCommand(['create', '--kind', 'write', '--source', 'website', '--origin', 'https://www.example.com', '--json'], io, () => ports)).toBe(0);

    const printed = JSON.parse(out[0]!) as { key: string; id: string };
    expect(printed.key).toMatch(/^wk_/);
    const [entry] = [...entries.values()];
    expect(entry).toMatchObject({ id: printed.id, kind: 'write', sourceId: 'website', allowedOrigins: ['https://www.example.com'], keyHash: keyHash(printed.key) });
    expect(JSON.stringify(entry)).not.toContain(printed.key);
    expect(out[0]).not.toContain(entry!.keyHash);
  });

  it('refuses a bad origin naming the field, and stores nothing', async () => {
    const { io, err } = cli();
    const { ports, entries } = memoryPorts();
    expect(await keysCommand(['create', '--kind', 'write', '--source', 'website', '--origin', 'https://www.example.com/'], io, () => ports)).toBe(1);
    expect(err.join('\n')).toContain('origin: "https://www.example.com/" is not an origin as browsers send it');
    expect(entries.size).toBe(0);
  });

  it('lists keys without the key, revokes once, and rotates to a key of the same kind and origins', async () => {
    const { ports, entries } = memoryPorts();
    const created = cli();
    await keysCommand(['create', '--kind', 'write', '--source', 'website', '--name', 'Site', '--origin', 'https://www.example.com', '--json'], created.io, () => ports);
    const { key, id } = JSON.parse(created.out[0]!) as { key: string; id: string };

    const listed = cli();
    expect(await keysCommand(['list'], listed.io, () => ports)).toBe(0);
    expect(listed.out[0]).toContain(`${id}  write  website  "Site"  https://www.example.com`);
    expect(listed.out[0]).not.toContain(key);

    const rotated = cli();
    expect(await keysCommand(['rotate', id], rotated.io, () => ports)).toBe(0);
    expect(rotated.out[0]).toContain(`Revoked the old key ${id}. It stops working within 60 s`);
    const successor = [...entries.values()].find((e) => e.replaces === id);
    expect(successor).toMatchObject({ kind: 'write', sourceId: 'website', name: 'Site', allowedOrigins: ['https://www.example.com'] });
    expect(rotated.out[0]).toMatch(/\n {2}wk_\S+\n/);
    expect(entries.get(id)?.revokedAt).toBe('2026-12-01T12:00:00.000Z');

    const again = cli();
    expect(await keysCommand(['revoke', id], again.io, () => ports)).toBe(0);
    expect(again.out[0]).toContain(`Key ${id} was already revoked`);

    const rotateRevoked = cli();
    expect(await keysCommand(['rotate', id], rotateRevoked.io, () => ports)).toBe(1);
    expect(rotateRevoked.err[0]).toContain('create a new key instead');
  });

  it('keeps the old key active on rotate --keep-old, and says how to end the grace period', async () => {
    const { ports, entries } = memoryPorts();
    const created = cli();
    await keysCommand(['create', '--kind', 'server', '--source', 'crm', '--json'], created.io, () => ports);
    const { id } = JSON.parse(created.out[0]!) as { id: string };

    const rotated = cli();
    expect(await keysCommand(['rotate', id, '--keep-old'], rotated.io, () => ports)).toBe(0);
    expect(entries.get(id)?.revokedAt).toBeUndefined();
    expect(rotated.out[0]).toContain(`leadloop keys revoke ${id}`);
  });

  it('says so when an id is unknown', async () => {
    const { io, err } = cli();
    expect(await keysCommand(['revoke', 'key_000000000000'], io, () => memoryPorts().ports)).toBe(1);
    expect(err[0]).toBe('leadloop: no key has the id key_000000000000 (leadloop keys list shows them)');
  });
});
