// The rules that read a stall's shape from the events: what was issued, claimed and finished, what the
// last events were and whether child executions ended. Each names the engine behaviour it matches.
import { inFlight, inFlightOf, type Evidence, type Rule } from './evidence.js';
import { ADVICE } from './advice.js';
import { compareVersions, defectsOf, parseVersion, type ReleaseDefect } from '../local-noetl/releases.js';

const ADVICE_CHILD_TIMEOUT =
  "Lower the playbook tool's timeout (its `timeout:`, 1200 s in the fixture's run_batch_workers; --child-timeout here)";

/** The newest of some releases. */
const latest = (vs: string[]) => [...vs].sort((a, b) => compareVersions(parseVersion(a)!, parseVersion(b)!)).at(-1)!;

/** The loop-counter defects a release holds (#336, #339), none when the release is not known. */
const loopDefectsOf = (release: string | null | undefined) =>
  release
    ? defectsOf(release).filter((d) => ['collection-rerendered-smaller', 'loop-counter-drift'].includes(d.id))
    : [];

/** "Run noetl <the newest fix> or later (<the fixes>)". */
const upgradeAdvice = (known: ReleaseDefect[]) =>
  `Run noetl ${latest(known.map((d) => d.fixedIn))} or later (${known.map((d) => d.fix).join(', ')})`;

/** "2.8.5" → "2.8.4": the last release before a fix, for a range's text (patch releases only). */
const previous = (v: string) => v.replace(/(\d+)$/, (n) => String(Math.max(0, Number(n) - 1)));

/** The stall's last event skipped a step: a router none of whose arcs matched (no-branch-taken). */
const endsSkipped = (e: Evidence) => e.stall?.lastEvents?.at(-1)?.startsWith('step.skipped ') ?? false;

export const STALL_RULES: Rule[] = [
  {
    id: 'event-log-behind',
    title:
      "rows kept being stored while no event arrived: the event log is behind the work (production writes noetl.event from the system pool's materializer, NOETL_EVENT_INGEST_PUBLISH_ONLY; alert MaterializerStalledUnderGate) — the execution may be fine",
    advice: [
      'Check the system pool and its materializer: kubectl logs -l component=system-worker (noetl-contract §7.5)',
      "Raise --stall-seconds above the event log's lag to see the run end (the lag is the materializer's, not the engine's)",
    ],
    match(e) {
      // A poll can see a row a moment before its events: a few rows ahead is normal, a tenth of the run is not.
      const ahead = e.rowsSinceLastEvent ?? 0;
      if (!e.stall || ahead < Math.max(5, e.expected / 10)) return undefined;
      return {
        confidence: 'high',
        evidence: [`${ahead} rows were stored after the newest event arrived, and no event since`],
      };
    },
  },
  {
    id: 'no-branch-taken',
    title:
      'no arc of a router matched: its targets were skipped and the Rust engine waits for ever, RUNNING with no terminal event (ai-meta 223 P8: five step.skipped, then 40 days RUNNING)',
    advice: [
      "Give the router a catch-all arc (one without `when`) or make the conditions cover every value (the step's next.arcs)",
    ],
    match(e) {
      if (e.stall?.kind !== 'silent' || !e.openExecutions.length) return undefined;
      if (!endsSkipped(e)) return undefined;
      const skipped = (e.stall.lastEvents ?? [])
        .filter((l) => l.startsWith('step.skipped '))
        .map((l) => l.split(' ')[1]);
      return {
        confidence: 'high',
        evidence: [`last events: ${skipped.length} step.skipped (${skipped.join(', ')}), then nothing`],
      };
    },
  },
  {
    id: 'loop-stopped-issuing',
    title:
      'every command issued has finished and nothing more is issued: a loop stopped advancing (the shape of noetl/noetl e3ec10a0, 2026-02-24, fixed by dfca19ed on 02-27: a loop over kind: playbook issued nothing after its first max_in_flight completions)',
    advice: [
      'Run an engine with dfca19ed (noetl/noetl, 2026-02-27: loops over non-task-sequence tools advance on call.done)',
      ADVICE.chunkParallelism,
    ],
    match(e) {
      if (e.stall?.kind !== 'silent' || !e.openExecutions.length || e.storedRows >= e.expected) return undefined;
      if (endsSkipped(e)) return undefined; // no-branch-taken
      if (e.eventsByType['batch.failed']) return undefined; // event-batch-failed: the server stopped, not a loop
      const nodes = Object.entries(e.perNode).filter(([, c]) => c.issued > 0);
      if (!nodes.length || nodes.some(([, c]) => c.completed + c.failed < c.issued)) return undefined;
      // A task-sequence loop that stops after its first tranche on a release with the loop-counter defects
      // (seen on 2.12.1: 20 of 40, then nothing): that release's defect, not e3ec10a0's.
      const known = loopDefectsOf(e.release);
      return {
        confidence: known.length ? 'high' : 'medium',
        evidence: [
          `${e.openExecutions.length} execution(s) with no terminal event, no command pending`,
          ...nodes.slice(-3).map(([n, c]) => `${n}: ${c.issued} issued, ${c.completed} completed, ${c.failed} failed`),
          ...known.map((d) => `noetl ${e.release} is in ${d.from}-${previous(d.fixedIn)}: ${d.what} (${d.fix})`),
        ],
        ...(known.length ? { advice: [upgradeAdvice(known)] } : {}),
        // dfca19ed is a commit of the legacy Python engine: on the Rust server (every item dispatched at
        // once) that advice names nothing that runs there.
        ...(e.dispatchAll
          ? {
              advice: [
                "Read the server's log around the loop's step (kubectl logs the server pod): dfca19ed fixed the legacy Python engine, not this one",
                ADVICE.chunkParallelism,
              ],
            }
          : {}),
      };
    },
  },
  {
    id: 'child-ended-parent-waits',
    title:
      "every child execution ended but the parent's playbook tool has not returned: the legacy playbook tool of noetl 2.8.0-2.8.4 polled GET /api/executions/{child} for fields it never returns, and came back only at its timeout (fixed by noetl/noetl 7acf458b, 2026-02-23, first released in 2.8.5)",
    advice: ['Run noetl 2.8.5 or later (noetl/noetl 7acf458b: the playbook tool polls /status)', ADVICE_CHILD_TIMEOUT],
    match(e) {
      if (e.stall?.kind !== 'silent' || !e.children || e.openChildren !== 0) return undefined;
      const waiting = Object.entries(e.perNode).filter(
        ([, c]) => Math.max(c.claimed, c.started) > c.completed + c.failed,
      );
      if (!waiting.length) return undefined;
      const byStatus = e.childrenEndedByStatus ?? 0;
      const gaveUp = e.logHits['child-timeout'];
      const known = e.release ? defectsOf(e.release).find((d) => d.id === 'child-ended-parent-waits') : undefined;
      return {
        confidence: 'high',
        evidence: [
          `${e.children} child execution(s), all ended${byStatus ? ` (${byStatus} with no terminal event: their /status says completed, completion_inferred)` : ''}`,
          ...waiting.map(([n, c]) => `${n}: ${inFlight(c)} command(s) still waiting on them`),
          ...(gaveUp
            ? [`the playbook tool gave up waiting ${gaveUp.count}× (log: ${gaveUp.latest ?? gaveUp.example})`]
            : []),
          ...(known
            ? [
                `noetl ${e.release} is in ${known.from}-${previous(known.fixedIn)}, the releases with this defect (${known.fix})`,
              ]
            : []),
        ],
        // On a release outside the range the shape is the same but the cause is not that commit's.
        ...(e.release && !known ? { advice: [ADVICE_CHILD_TIMEOUT] } : {}),
      };
    },
  },
  {
    id: 'parent-ended-before-children',
    title:
      "the parent ended while its chunk windows still ran: its playbook tool returned without waiting for them, so whoever reads the rows at the parent's end sees part of them (seen here on noetl 2.8.3)",
    advice: [
      "Read the result after every child execution ended, not at the parent's end (this tool waits for them before its diff)",
    ],
    match(e) {
      const early = e.parentEndedEarly;
      if (!early) return undefined;
      return {
        confidence: 'high',
        evidence: [
          `the parent ended with ${early.storedRows} of ${e.expected} rows stored while ${early.openChildren} child execution(s) still ran`,
          `${e.storedRows - early.storedRows} rows were stored after the parent's end`,
        ],
      };
    },
  },
  {
    id: 'loop-ended-early',
    title: 'the execution completed with items never stored: its loop reported done before every item ran',
    advice: ["Compare the loop step's commands issued with the items it was given (the events of the loop step)"],
    match(e) {
      if (e.verdict !== 'completed' || e.storedRows >= e.expected || e.parentEndedEarly) return undefined;
      const loops = Object.entries(e.perNode).filter(([n, c]) => /:task_sequence$/.test(n) && c.issued > 0);
      if (!loops.length) return undefined;
      // An item whose command failed is a failure, not an item the loop never ran (4.26.0 with two items
      // failing: 12 issued, 10 completed, 2 command.failed, and the loop done; seen here).
      const failed = loops.reduce((n, [, c]) => n + c.failed, 0);
      if (e.expected - e.storedRows <= failed) return undefined;
      const known = loopDefectsOf(e.release);
      return {
        confidence: known.length ? 'high' : 'medium',
        evidence: [
          `completed with ${e.storedRows} of ${e.expected} rows stored${failed ? `, ${failed} iteration(s) failed` : ''}`,
          ...loops.map(([n, c]) => `${n}: ${c.issued} iteration(s) issued, ${c.completed} completed`),
          ...known.map((d) => `noetl ${e.release} is in ${d.from}-${previous(d.fixedIn)}: ${d.what} (${d.fix})`),
        ],
        ...(known.length ? { advice: [upgradeAdvice(known)] } : {}),
      };
    },
  },
  {
    id: 'commands-not-claimed',
    title: 'commands were issued but never claimed: no worker picked them up',
    advice: [ADVICE.workers],
    match(e) {
      if (!e.stall) return undefined;
      // Nothing of this mode running while another mode's commands run: the workers are busy, not missing
      // (mode-starved says so).
      const running = inFlightOf(e.perNode);
      if (!running && (e.others ?? []).some((o) => o.inFlight > 0)) return undefined;
      // On an engine that issues every item at once, commands waiting for a worker are normal: only a step
      // none of whose commands was ever claimed says no worker takes them.
      const starved = Object.entries(e.perNode).filter(([, c]) =>
        e.dispatchAll ? c.issued > 0 && c.claimed + c.started === 0 : c.issued - Math.max(c.claimed, c.started) >= 5,
      );
      if (!starved.length) return undefined;
      return {
        confidence: 'high',
        evidence: starved.map(
          ([n, c]) => `${n}: ${c.issued} issued, ${c.claimed} claimed, ${c.started} started, ${c.completed} completed`,
        ),
      };
    },
  },
];
