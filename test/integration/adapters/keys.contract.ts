import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../../functions/adapters/keys.ts';
import { keyItemKey } from '../../../functions/core/keys.ts';
import { createKeyRegistry, KeyAlreadyRegisteredError } from '../../../functions/adapters/key-registry.ts';
import { newKeyEntry, type KeyRequest } from '../../../functions/core/key-registry.ts';
import { KEY_REGISTRY_PARTITION } from '../../../functions/core/table-layout.ts';

/** A registry id of this run's own (ids are key_ and hex). */
const uniqueKeyId = () => `key_${randomBytes(8).toString('hex')}`;
import { uniqueId, type TestTables } from '../../support/tables.ts';

/** The keys adapter's contract: keys found by their hash, and one link-signing secret per table. */
let tables: TestTables;
const keysOf = () => createKeys({ client: tables.client, leadsTable: tables.leadsTable });

export function keysContract(getTables: () => TestTables): void {
  beforeAll(async () => {
    tables = getTables();
  });

  describe('API keys', () => {
    it('finds a registered key by its value, with its source, kind and origins', async () => {
      const key = uniqueId('wk');
      await keysOf().registerKey(key, { sourceId: 'website', kind: 'write', allowedOrigins: ['https://www.example.com'] });

      expect(await keysOf().findKey(key)).toEqual({ sourceId: 'website', kind: 'write', allowedOrigins: ['https://www.example.com'] });
    });

    it('does not find a key never registered, nor one switched off', async () => {
      const revoked = uniqueId('sk');
      await tables.client.send(new PutCommand({ TableName: tables.leadsTable, Item: { ...keyItemKey(revoked), sourceId: 'crm', kind: 'server', active: false } }));

      expect(await keysOf().findKey(uniqueId('never'))).toBeUndefined();
      expect(await keysOf().findKey(revoked)).toBeUndefined();
    });

    it('stores only the key’s hash', async () => {
      const key = uniqueId('sk');
      await keysOf().registerKey(key, { sourceId: 'crm', kind: 'server' });

      const { Item } = await tables.client.send(new GetCommand({ TableName: tables.leadsTable, Key: keyItemKey(key), ConsistentRead: true }));
      expect(Item).toMatchObject({ sourceId: 'crm', kind: 'server', active: true });
      expect(JSON.stringify(Item)).not.toContain(key);
    });

    it('keeps each instance’s answers: a key registered after a miss is unknown to that instance until its cache expires, known to a new one', async () => {
      const key = uniqueId('sk');
      const warm = keysOf();
      expect(await warm.findKey(key)).toBeUndefined();

      await keysOf().registerKey(key, { sourceId: 'crm', kind: 'server' });

      expect(await warm.findKey(key)).toBeUndefined();
      expect(await keysOf().findKey(key)).toEqual({ sourceId: 'crm', kind: 'server' });
    });
  });

  describe('the key registry (leadloop keys)', () => {
    const registryOf = () => createKeyRegistry({ client: tables.client, leadsTable: tables.leadsTable });
    const entryFor = (key: string, request: Partial<KeyRequest> = {}) =>
      newKeyEntry({ kind: 'write', sourceId: 'website', name: 'Site', allowedOrigins: ['https://www.example.com'], ...request }, key, uniqueKeyId(), new Date('2026-12-01T10:00:00Z'));

    it('adds a key the functions find, and an entry listed without the key', async () => {
      const key = uniqueId('wk');
      const entry = entryFor(key);
      await registryOf().addKey(entry);

      expect(await keysOf().findKey(key)).toEqual({ sourceId: 'website', kind: 'write', allowedOrigins: ['https://www.example.com'] });
      const listed = (await registryOf().listKeys()).find((e) => e.id === entry.id);
      expect(listed).toEqual(entry);
      expect(await registryOf().getKey(entry.id)).toEqual(entry);
      const { Items = [] } = await tables.client.send(new QueryCommand({ TableName: tables.leadsTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': KEY_REGISTRY_PARTITION } }));
      expect(JSON.stringify(Items)).not.toContain(key);
    });

    it('refuses a key already registered, writing no second entry', async () => {
      const key = uniqueId('wk');
      await registryOf().addKey(entryFor(key));
      const again = entryFor(key);

      await expect(registryOf().addKey(again)).rejects.toBeInstanceOf(KeyAlreadyRegisteredError);
      expect(await registryOf().getKey(again.id)).toBeUndefined();
    });

    it('revokes both the entry and the key, once', async () => {
      const key = uniqueId('sk');
      const entry = entryFor(key, { kind: 'server', allowedOrigins: [] });
      await registryOf().addKey(entry);

      expect(await registryOf().revokeKey(entry, new Date('2026-12-02T00:00:00Z'))).toBe(true);
      expect(await registryOf().revokeKey(entry, new Date('2026-12-03T00:00:00Z'))).toBe(false);

      expect(await keysOf().findKey(key)).toBeUndefined();
      expect((await registryOf().getKey(entry.id))?.revokedAt).toBe('2026-12-02T00:00:00.000Z');
    });
  });

  describe('the link-signing secret', () => {
    it('is created once: every instance, at once or later, gets the same one', async () => {
      const [a, b] = await Promise.all([keysOf().getLinkSigningKey(), keysOf().getLinkSigningKey()]);
      const later = await keysOf().getLinkSigningKey();

      expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(b).toBe(a);
      expect(later).toBe(a);
    });
  });
}
