import { readModelFile } from './connect.ts';
import { summarizeModel } from './model-check.ts';
import { backtestCommand } from './backtest.ts';
import { campaignsCommand } from './campaigns-check.ts';
import { nurtureCommand } from './nurture-check.ts';
import { outcomesCommand } from './outcomes-import.ts';
import { rescoreCommand } from './rescore.ts';
import { simulateCommand } from './simulate.ts';

/** What the CLI needs from the outside world, so it can be run in a test without a process. */
export interface CliIo {
  readFile: (file: string) => string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** the environment; commands that reach a LeadLoop add its tables to it */
  env: NodeJS.ProcessEnv;
  /** where progress bars are drawn (a terminal redraws one line) */
  progress: { isTTY?: boolean; write: (text: string) => unknown };
  /** calls back on Ctrl-C; returns a function that stops listening */
  onInterrupt: (handler: () => void) => () => void;
}

export const USAGE = `Usage: leadloop <command>

Commands:
  model check <file>   Check a scoring model file and say what it will do
  campaigns check [file]
                       Check a campaigns file (config/campaigns.json by default) and list its campaigns
  nurture check [file] Check a nurture file (config/nurture.json by default) and list its programs
  rescore              Recompute every lead from its stored events under the scoring model
  backtest <draft>     Compare a draft scoring model with the current one on history, writing nothing
  outcomes import <file.csv>
                       Record a CRM export (deals, opportunities) as CRM outcomes, all rows or none
  digest --local | --stack <name> [--print | --send]
                       Render the weekly digest of last week, or send it (once per week)
  holidays [--from <year>] [--to <year>]
                       Write config/holidays.json: the reps' public holidays, for the clocks
  keys create | list | revoke <id> | rotate <id> --local | --stack <name>
                       Issue API keys (printed once, stored as hashes), list, revoke and rotate them
  reps away|back|list  Mark a rep away (--from, --until) or back, or list reps' open leads
                       and time away, for routing (--local or --stack <name>)
  forget <email> --local | --stack <name>
                       Erase a person (GDPR): their leads, events, cycles, feedback, email records
  simulate --local     Fill the local runtime with simulated visitors, hand-offs, rep decisions,
                       activities, feedback and deals, through its public API

Run leadloop <command> --help for a command's options.

Options:
  -h, --help           Show this help

Exit status: 0 when all is well, 1 when the file is not valid or cannot be read, 2 for a usage error.`;

export const MODEL_USAGE = `Usage: leadloop model check <file>

Checks a scoring model (JSON, like config/scoring-model.json) with the same
rules the deployed functions use. A valid model is summarized in words:
engagement rules with points, half-life and cap, fit rules and grade
thresholds, and the qualification rule. An invalid one is refused with every
problem at its field and line.

Exit status: 0 when the model is valid, 1 when it is not or cannot be read, 2 for a usage error.`;

const isHelp = (arg: string | undefined) => arg === '-h' || arg === '--help' || arg === 'help';

function usageError(io: CliIo, message: string, usage: string): number {
  io.err(`leadloop: ${message}\n\n${usage}`);
  return 2;
}

/** Runs the CLI on its arguments (without node and the script) and returns the exit status. */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const [command, subcommand, ...rest] = args;
  if (command === undefined) return usageError(io, 'a command is required', USAGE);
  if (isHelp(command)) {
    io.out(USAGE);
    return 0;
  }
  if (command === 'rescore') return rescoreCommand(args.slice(1), io);
  if (command === 'backtest') return backtestCommand(args.slice(1), io);
  if (command === 'outcomes') return outcomesCommand(args.slice(1), io);
  if (command === 'campaigns') return campaignsCommand(args.slice(1), io);
  if (command === 'nurture') return nurtureCommand(args.slice(1), io);
  if (command === 'simulate') return simulateCommand(args.slice(1), io);
  // loaded when asked for: the holidays library is big, and only this command needs it
  if (command === 'holidays') return (await import('./holidays.ts')).holidaysCommand(args.slice(1), io);
  if (command === 'keys') return (await import('./keys.ts')).keysCommand(args.slice(1), io);
  // loaded when asked for: its SES client and report use cases need not slow every other command's start
  if (command === 'digest') return (await import('./digest.ts')).digestCommand(args.slice(1), io);
  if (command === 'reps') return (await import('./reps.ts')).repsCommand(args.slice(1), io);
  if (command === 'forget') return (await import('./forget.ts')).forgetCommand(args.slice(1), io);
  if (command !== 'model') return usageError(io, `unknown command "${command}"`, USAGE);
  if (subcommand === undefined) return usageError(io, 'model needs a subcommand', MODEL_USAGE);
  if (isHelp(subcommand) || rest.some(isHelp)) {
    io.out(MODEL_USAGE);
    return 0;
  }
  if (subcommand !== 'check') return usageError(io, `unknown model subcommand "${subcommand}"`, MODEL_USAGE);
  const [file, ...extra] = rest;
  if (file === undefined) return usageError(io, 'model check needs a file', MODEL_USAGE);
  if (extra.length > 0) return usageError(io, `model check takes one file, got also ${extra.join(' ')}`, MODEL_USAGE);

  const model = readModelFile(io, file);
  if (typeof model === 'number') return model;
  io.out(summarizeModel(model));
  return 0;
}
