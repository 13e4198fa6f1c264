import { formatKey, formatKeyId, KEY_BYTES, KEY_ID_BYTES, keyRequestProblems, newKeyEntry, rotationRequest, type KeyEntry, type KeyRequest } from '#core/key-registry.ts';

/** What managing keys needs: the registry, random bytes and the time. */
export interface ManageKeysPorts {
  registry: {
    addKey: (entry: KeyEntry) => Promise<void>;
    listKeys: () => Promise<KeyEntry[]>;
    getKey: (id: string) => Promise<KeyEntry | undefined>;
    revokeKey: (entry: KeyEntry, at: Date) => Promise<boolean>;
  };
  randomBytes: (size: number) => Uint8Array;
  now: () => Date;
}

/** A key request that breaks a rule (each problem names its field); nothing was stored. */
export class KeyRequestError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.name = 'KeyRequestError';
    this.problems = problems;
  }
}

/** No key has this id. */
export class UnknownKeyError extends Error {
  constructor(id: string) {
    super(`no key has the id ${id} (leadloop keys list shows them)`);
    this.name = 'UnknownKeyError';
  }
}

/** A key issued: the key itself (shown once, stored nowhere) and its registry entry. */
export interface IssuedKey {
  key: string;
  entry: KeyEntry;
}

/**
 * Issues a key: checks the request, makes the key (or takes the one given,
 * as npm start does with LEADLOOP_WRITE_KEY), and stores its hash and its
 * registry entry together.
 */
export async function issueKey(request: KeyRequest, ports: ManageKeysPorts, options: { key?: string; replaces?: string } = {}): Promise<IssuedKey> {
  const problems = keyRequestProblems(request);
  if (problems.length > 0) throw new KeyRequestError(problems);
  const key = options.key ?? formatKey(request.kind, ports.randomBytes(KEY_BYTES));
  const entry = newKeyEntry(request, key, formatKeyId(ports.randomBytes(KEY_ID_BYTES)), ports.now(), options.replaces);
  await ports.registry.addKey(entry);
  return { key, entry };
}

/** Every registered key (never the keys themselves). */
export const listKeys = (ports: Pick<ManageKeysPorts, 'registry'>): Promise<KeyEntry[]> => ports.registry.listKeys();

/** Revokes a key by id; says whether it was active until now. */
export async function revokeKey(id: string, ports: ManageKeysPorts): Promise<{ entry: KeyEntry; revokedNow: boolean }> {
  const entry = await ports.registry.getKey(id);
  if (!entry) throw new UnknownKeyError(id);
  const revokedNow = await ports.registry.revokeKey(entry, ports.now());
  return { entry, revokedNow };
}

/**
 * Rotates a key: issues a successor with the same kind, source, name and
 * origins, then revokes the old one, unless `keepOld` (the grace period is
 * the operator's: revoke the old id once its clients have the new key).
 * A revoked key cannot be rotated (create a new one instead).
 */
export async function rotateKey(id: string, ports: ManageKeysPorts, options: { keepOld?: boolean } = {}): Promise<{ issued: IssuedKey; old: KeyEntry; oldRevoked: boolean }> {
  const old = await ports.registry.getKey(id);
  if (!old) throw new UnknownKeyError(id);
  if (old.revokedAt) throw new KeyRequestError([`id: key ${id} was revoked at ${old.revokedAt}; create a new key instead`]);
  const issued = await issueKey(rotationRequest(old), ports, { replaces: old.id });
  const oldRevoked = options.keepOld ? false : await ports.registry.revokeKey(old, ports.now());
  return { issued, old, oldRevoked };
}
