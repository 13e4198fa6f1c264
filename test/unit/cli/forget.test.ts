import { describe, expect, it } from 'vitest';
import { forgetCommand, FORGET_USAGE } from '../../../bin/cli/forget.ts';
import type { CliIo } from '../../../bin/cli/run.ts';

function cli() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { readFile: () => '', out: (t) => out.push(t), err: (t) => err.push(t), env: {}, progress: { write: () => true }, onInterrupt: () => () => undefined };
  return { io, out, err };
}

describe('leadloop forget: usage', () => {
  it.each([
    ['no email', [], 'forget needs the person\'s email'],
    ['two emails', ['a@b.example', 'c@d.example'], 'forget takes one email, got also c@d.example'],
    ['not an email', ['eve'], '"eve" is not a valid email address'],
    ['an unknown option', ['a@b.example', '--all'], "Unknown option '--all'"],
  ])('refuses %s with exit status 2, reaching no LeadLoop', async (_, args, message) => {
    const { io, err } = cli();

    const status = await forgetCommand(args, io);

    expect(status).toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(err.join('\n')).toContain('Usage: leadloop forget');
  });

  it('asks where when given neither --local, --stack nor the environment', async () => {
    const { io, err } = cli();

    expect(await forgetCommand(['eve@initech.example'], io)).toBe(1);
    expect(err.join('\n')).toContain('say which LeadLoop to use');
  });

  it('shows its usage on --help', async () => {
    const { io, out } = cli();

    expect(await forgetCommand(['--help'], io)).toBe(0);
    expect(out).toEqual([FORGET_USAGE]);
  });
});
