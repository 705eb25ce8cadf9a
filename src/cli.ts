// noetl-loadrun's command line: commander wiring only. Options are grouped in the help; each subcommand
// owns the options written after it (positional options). The work is in commands/, each loaded only when
// its command runs (so --help and --version load none of them).
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { closest, EXIT, LoadrunError, oneLine } from './errors.js';
import { packageRoot } from './paths.js';
import { redact } from './redact.js';
import { FAULT_PROFILES } from './sandbox/faults.js';
import { EXIT_HELP, SERVER_OPTS, SWEEP_HELP, group, runOptions, sandboxTuning } from './cli-options.js';
import { assertId } from './noetl/normalise.js';

/** sweep: a grid of settings, each cell repeated; the table, charts and recommendation at the end. */
function sweepCommandOf(program: Command): void {
  const sweep = program
    .command('sweep')
    .description(
      'run a grid of settings (comma lists), each cell --repeat times: live grid, stall rate, throughput charts, the recommended cell',
    )
    .addHelpText('after', SWEEP_HELP)
    .action(async (opts, cmd: Command) => {
      // A resume keeps the saved options except those given now: defaults must not override them.
      const explicit = Object.keys(opts).filter((k) => cmd.getOptionValueSource(k) !== 'default');
      process.exitCode = await (await import('./commands/sweep.js')).sweepCommand(opts, explicit);
    });
  group(sweep, 'Sweep:', [
    [
      '--chunk-parallelism <list>',
      "the parent's chunk-worker loop max_in_flight, written into playbook variants under loadrun/sweep/<hash>/",
    ],
    ['--worker-max-in-flight <list>', "the chunk worker's item loop max_in_flight, written into the variants"],
    ['--parallel-cells <n>', 'cells run at the same time (default 1: one after another)'],
    ['--resume <dir>', 'continue an interrupted sweep: its finished runs are kept, only the missing ones run'],
  ]);
  runOptions(sweep);
}

/** releases: the same setting on several legacy releases, and where the behaviour changes. */
function releasesCommandOf(program: Command): void {
  const releases = program
    .command('releases <releases>')
    .description(
      'run the same setting on several legacy engine releases (--target local, each in its own cached venv): a row per release (verdict, stalls, cause, rows/s), where the behaviour changes, a compare report; a list (2.8.4,2.8.5) or a range (2.8.0..2.9.0, what PyPI holds)',
    )
    .option(
      '--bisect <behaviour>',
      'judge the releases on stall, missing or failures, and run only what a bisection needs to find where it changes (over a list or a range)',
    )
    .action(async (spec: string, opts) => {
      process.exitCode = await (await import('./commands/releases.js')).releasesCommand(spec, opts);
    });
  runOptions(releases);
}

/** watch: the live panels, stall detection, diagnosis and final diff for executions started elsewhere. */
function watchCommand(program: Command): void {
  const watch = program
    .command('watch <execution_id>')
    .description(
      'observe executions started elsewhere (the noetl CLI, a cron, another person): live panels, stalls, diagnosis, final diff; launches nothing',
    )
    .option('--vs <execution_id>', "the other mode's execution, side by side")
    .action(async (id: string, opts) => {
      assertId(id);
      if (opts.vs) assertId(opts.vs, '--vs execution id');
      process.exitCode = await (
        await import('./commands/run.js')
      ).runCommand({ ...opts, watch: [id, ...(opts.vs ? [opts.vs] : [])] });
    });
  runOptions(watch);
}

/** local-noetl: the real legacy engine on this machine until Ctrl-C. */
function localNoetlCommandOf(program: Command): void {
  program
    .command('local-noetl')
    .description(
      'run the real legacy NoETL engine (PyPI noetl 4.26.0: server, worker, NATS, Postgres) on 127.0.0.1 until Ctrl-C; the first start installs it into a cache folder',
    )
    .option('--noetl-version <version>', 'the PyPI release (4.26.0 or older; 5.x is the Rust CLI)')
    .option('--workers <n>', 'Python workers (default 1)')
    .option('--python <path>', 'the Python 3.12+ for its venv (default: pyenv 3.12, python3.12, python3)')
    .option('--keep-logs', 'keep the folder of server, worker and NATS logs')
    .option('--install-only', 'create (or check) the venv with the engine, then exit')
    .action(async (opts) => {
      process.exitCode = await (await import('./commands/local-noetl.js')).localNoetlCommand(opts);
    });
}

/** replay and report: what works on a recorded run's folder. */
function recordedRunCommands(program: Command): void {
  program
    .command('replay <dir>')
    .description(
      'play a recorded run back on the live screen (space pause, , . seek, [ ] speed, j stall), or headless its summary and diff',
    )
    .option('--speed <n>', 'playback speed, 0.25..64 (default 1)')
    .option('--no-tui', 'headless: the summary and the diff the original printed')
    .option('--no-color', 'no colours on screen')
    .action(async (dir: string, opts) => {
      process.exitCode = await (await import('./commands/replay.js')).replayCommand(dir, opts);
    });
  program
    .command('compare <dir...>')
    .description(
      'runs side by side per mode (report folders, or a sweep folder): the table, what changed from the first, compare.md and compare.html',
    )
    .option('--out <dir>', 'where compare.md and compare.html go (default ./loadrun-reports/compare_<timestamp>/)')
    .option('--open', 'open compare.html in the browser (where there is a display; else print its path)')
    .option(
      '--fail-on-regression <list>',
      'exit 1 when the last run is worse than the first: stall, missing, throughput:<percent>',
    )
    .action(async (dirs: string[], opts) => {
      process.exitCode = await (await import('./commands/compare.js')).compareCommand(dirs, opts);
    });
  program
    .command('history [dir]')
    .description(
      'the recorded runs under loadrun-reports/ (or dir), newest first, and rows/s over runs of the same parameters',
    )
    .option('--json', 'one JSON record per run')
    .action(async (dir: string | undefined, opts) => {
      process.exitCode = await (await import('./commands/compare.js')).historyCommand(dir, opts);
    });
  program
    .command('report <dir>')
    .description("rebuild summary.json, report.md and report.html from a run's events.ndjson")
    .action(async (dir: string) => {
      process.exitCode = await (await import('./commands/report.js')).reportCommand(dir);
    });
}

function subcommands(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('run the embedded sandbox standalone until Ctrl-C (NoETL API, Postgres, echo endpoint on 127.0.0.1)')
    .option('--dialect <dialect>', 'rust (default) or python')
    .addOption(new Option('--sandbox-fault <profile...>', `fault emulation: ${FAULT_PROFILES.join(', ')}`))
    .option('--pg-url <url>', 'use this Postgres instead of the embedded one')
    .option('--port <port>', 'API port (default: a free one)')
    .option('--allow-network', 'let http tools reach outside hosts')
    .action(async (opts) => {
      process.exitCode = await (await import('./commands/sandbox.js')).sandboxCommand(opts);
    });
  for (const o of sandboxTuning()) sandbox.addOption(o);
  localNoetlCommandOf(program);
  const diff = program
    .command('diff <execution_id>')
    .description('missing items of a parent execution (and cross-mode with --vs), from Postgres or the query endpoint')
    .option('--vs <execution_id>', 'compare with this execution')
    .option('--json', 'JSON output')
    .action(async (id: string, opts) => {
      process.exitCode = await (await import('./commands/diff.js')).diffCommand(id, opts);
    });
  for (const [flags, help] of SERVER_OPTS) diff.option(flags, help);
  const cleanup = program
    .command('cleanup <execution_id_or_run_dir...>')
    .description(
      "delete these executions' rows from the fixture's tables in the data database (shows the counts, asks; --yes for scripts); a run's report folder stands for its executions and its server",
    )
    .option('--yes', 'delete without asking (needed without a terminal)')
    .action(async (ids: string[], opts) => {
      process.exitCode = await (await import('./commands/cleanup.js')).cleanupCommand(ids, opts);
    });
  for (const [flags, help] of SERVER_OPTS) cleanup.option(flags, help);
  sweepCommandOf(program);
  releasesCommandOf(program);
  program
    .command('check-playbook <file...>')
    .description(
      'name the constructs a playbook uses that the target engine ignores or lacks, with the line and the form that works',
    )
    .option('--engine <engine>', 'rust (default, what production runs) or python')
    .option(
      '--noetl-version <x.y.z>',
      "python: the legacy release it runs on (before 2.14.0 a tool's input is args: and a rule's output is outcome)",
    )
    .action(async (files: string[], opts) => {
      process.exitCode = await (await import('./commands/check-playbook.js')).checkPlaybookCommand(files, opts);
    });
  recordedRunCommands(program);
}

export function buildProgram(): Command {
  const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string };
  const program = new Command('noetl-loadrun')
    .description(
      'Run the NoETL heavy-payload fixture in both modes side by side, live: events, pods, row counts, stalls, and the exact diff of missing items.\nWith no server flags it runs everything on the embedded sandbox.',
    )
    .version(pkg.version)
    .enablePositionalOptions()
    .helpCommand(true)
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => {} })
    .exitOverride()
    .addHelpText('after', EXIT_HELP)
    .action(async (opts) => {
      process.exitCode = await (await import('./commands/run.js')).runCommand(opts);
    });
  runOptions(program);
  subcommands(program);
  watchCommand(program);
  return program;
}

/** The words of the command line that are neither options nor their values (the root's options). */
function operands(program: Command, argv: string[]): string[] {
  const out: string[] = [];
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-')) out.push(a);
    else if (!a.includes('=')) {
      const o = program.options.find((x) => x.long === a || x.short === a);
      if (o && (o.required || o.optional)) i++; // its value
    }
  }
  return out;
}

/** `help <name>` for a command that does not exist: commander prints the root help and exits 0. */
function unknownHelpTopic(program: Command, argv: string[]): string | undefined {
  const [first, topic] = operands(program, argv);
  if (first !== 'help' || !topic) return undefined;
  return program.commands.some((c) => c.name() === topic) ? undefined : topic;
}

/** A word where a command was expected: "did you mean" the nearest command. */
function unknownCommandLine(program: Command, argv: string[]): string | undefined {
  const word = operands(program, argv)[0];
  if (!word || !/^[a-z][a-z-]*$/i.test(word)) return undefined;
  const near = closest(
    word,
    program.commands.map((c) => c.name()),
  );
  return `unknown command ${JSON.stringify(word)}${near ? ` (did you mean ${near}?)` : ''}`;
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram();
  const topic = unknownHelpTopic(program, argv);
  if (topic) {
    process.stderr.write(`noetl-loadrun: help: unknown command ${JSON.stringify(topic)} (see --help)\n`);
    process.exitCode = EXIT.USAGE;
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError && err.code === 'commander.excessArguments') {
      const line = unknownCommandLine(buildProgram(), argv);
      if (line) {
        process.stderr.write(`noetl-loadrun: ${line} (see --help)\n`);
        process.exitCode = EXIT.USAGE;
        return;
      }
    }
    if (err instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code)) {
        process.exitCode = EXIT.OK;
        return;
      }
      process.stderr.write(`noetl-loadrun: ${err.message.replace(/^error: /, '')} (see --help)\n`);
      process.exitCode = EXIT.USAGE;
      return;
    }
    const code = err instanceof LoadrunError ? err.exitCode : EXIT.ENVIRONMENT;
    process.stderr.write(`noetl-loadrun: ${redact(oneLine(err))}\n`);
    process.exitCode = code;
  }
}
