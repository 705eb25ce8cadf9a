// ARCHITECTURE.md's invariants, enforced on the real tree: imports point one way, src/ loads the TUI in
// one place, no file over 300 lines and no function over 60 lines outside tests. The checker is itself
// tested on made-up files, so a rule that silently stopped working would fail here too.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dialectBranches,
  importCycles,
  importsOf,
  importViolations,
  sizeViolations,
  TUI_ENTRY,
  type SourceFile,
} from './helpers/architecture.js';
import { ROOT } from './helpers/cli.js';

function sources(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.tsx?$/.test(name)) out.push({ rel, text: readFileSync(path.join(ROOT, rel), 'utf8') });
  }
  return out;
}

const tree = [...sources('src'), ...sources('components')];

describe('the real tree', () => {
  it('has imports that point one way and loads the TUI from one module', () => {
    expect(tree.length).toBeGreaterThan(40);
    expect(importViolations(tree)).toEqual([]);
    expect(importsOf(readFileSync(path.join(ROOT, TUI_ENTRY), 'utf8'))).toContain('../../components/run-tui.js');
  });

  it('has no import circle', () => {
    expect(importCycles(tree)).toEqual([]);
  });

  it('keeps files within 300 lines and functions within 60', () => {
    expect(sizeViolations(tree)).toEqual([]);
  });

  it('keeps every dialect difference in the dialect tables', () => {
    expect(dialectBranches(tree)).toEqual([]);
  });
});

describe('the checker', () => {
  const file = (rel: string, text: string): SourceFile => ({ rel, text });

  it('flags Ink, React or components/ loaded from src/ outside the TUI entry', () => {
    const v = importViolations([
      file('src/run/store.ts', "import { Box } from 'ink';\n"),
      file('src/render/text.ts', "const m = await import('../../components/App.js');\n"),
      file('src/commands/tui.ts', "const { runTui } = await import('../../components/run-tui.js');\n"),
    ]);
    expect(v).toHaveLength(2);
    expect(v[0]).toMatch(/src\/run\/store.ts imports ink/);
    expect(v[1]).toMatch(/src\/render\/text.ts imports \.\.\/\.\.\/components\/App.js/);
  });

  it('flags an import circle, through type imports too, not through a dynamic import()', () => {
    const circle = importCycles([
      file('src/commands/run.ts', "import { sweepCommand } from './sweep.js';\n"),
      file('src/commands/sweep.ts', "import { x } from '../run/a.js';\n"),
      file('src/run/a.ts', "import { runCommand } from '../commands/run.js';\n"),
    ]);
    expect(circle).toEqual(['src/commands/run.ts → src/commands/sweep.ts → src/run/a.ts → src/commands/run.ts']);
    expect(
      importCycles([
        file('src/commands/run.ts', "const { sweepCommand } = await import('./sweep.js');\n"),
        file('src/commands/sweep.ts', "import { x } from './run.js';\n"),
      ]),
    ).toEqual([]);
    expect(
      importCycles([
        file('src/model.ts', "export * from './model-view.js';\n"),
        file('src/model-view.ts', "import type { Mode } from './model.js';\n"),
      ]),
    ).toEqual(['src/model-view.ts → src/model.ts → src/model-view.ts']);
  });

  it('flags a lower layer that imports the run or a renderer', () => {
    const v = importViolations([
      file('src/sources/rows.ts', "import type { RunStore } from '../run/store.js';\n"),
      file('src/targets/cluster/top.ts', "import { x } from '../../render/lines.js';\n"),
      file('src/diff/mode-diff.ts', "import type { RowsSource } from '../sources/rows.js';\n"),
      file('src/run/orchestrator.ts', "import { cleanupCommand } from '../commands/cleanup.js';\n"),
    ]);
    expect(v).toHaveLength(3);
  });

  it('flags a module of src/ that branches on the dialect outside the tables', () => {
    const v = dialectBranches([
      file('src/sandbox/engine.ts', "if (this.o.dialect === 'rust') emit();\n"),
      file('src/sandbox/api/routes.ts', "const rust = ctx.dialect.name === 'rust';\n"),
      file('src/sandbox/catalog.ts', "const k = 'rust' !== d ? 1 : 2;\n"),
      file('src/sandbox/semantics.ts', "const rust = d === 'rust';\n"),
      file('src/noetl/client.ts', "if (this.dialect === 'python') page();\n"),
      file('src/sandbox/tools.ts', 'const s = SEMANTICS[this.dialect].httpOk(200);\n'),
      file('src/sandbox/dsl.ts', "if (kind === 'python') check();\n"),
      file('src/engine-dialects.ts', "const d = dialect === 'rust';\n"),
      file('src/run/observe.ts', "if (ctx.client.dialect === 'rust') wait();\n"),
      file('src/run/evidence.ts', 'const all = /rust/.test(store.target.dialect);\n'),
      file('src/playbooks/check.ts', "if (engine === 'python' && release) more();\n"),
    ]);
    expect(v).toHaveLength(7);
    expect(v[0]).toMatch(/^src\/sandbox\/engine.ts:1 branches on the dialect/);
  });

  it('flags long files and long functions', () => {
    const body = Array.from({ length: 70 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const v = sizeViolations([
      file('src/x.ts', `export function big() {\n${body}\n}\n`),
      file('src/y.ts', 'export const a = 1;\n'.repeat(301)),
    ]);
    expect(v).toEqual([
      expect.stringMatching(/src\/x.ts:1 function big: 72 lines/),
      expect.stringMatching(/src\/y.ts: 302 lines/),
    ]);
  });
});

describe('ARCHITECTURE.md', () => {
  const doc = readFileSync(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8');
  const code = tree.map((f) => f.text).join('\n');

  it('names only files and folders that exist', () => {
    const paths = [...doc.matchAll(/`((?:src|components|test)\/[\w./-]*)`/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(20);
    for (const p of paths) expect(statSync(path.join(ROOT, p), { throwIfNoEntry: false }), p).toBeDefined();
  });

  it('names only functions, methods and types that exist', () => {
    const calls = [...doc.matchAll(/`(?:(\w+)\.)?(\w+)\(\)`/g)].map((m) => ({ owner: m[1], name: m[2] }));
    expect(calls.length).toBeGreaterThan(15);
    for (const c of calls) {
      if (c.owner) expect(code, `${c.owner}`).toMatch(new RegExp(`(class|interface) ${c.owner}\\b`));
      expect(code, `${c.owner ?? ''}.${c.name}`).toMatch(
        new RegExp(`(function ${c.name}\\b|^\\s+(async )?${c.name}(<[^>]*>)?\\(|${c.name}\\(\\w*[:)])`, 'm'),
      );
    }
    for (const t of [
      'Mode',
      'RunParams',
      'Dialect',
      'Range',
      'ModeStats',
      'PodSample',
      'Check',
      'ProcessInfo',
      'Snapshot',
      'TargetHooks',
      'ModeView',
      'Lifecycle',
    ]) {
      expect(code, t).toMatch(new RegExp(`(type|interface|class) ${t}\\b`));
    }
  });
});
