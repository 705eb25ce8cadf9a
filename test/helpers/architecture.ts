// The architecture rules of ARCHITECTURE.md as code: which folder may import which, where Ink may be
// loaded, and how long a file or a function may grow. Pure functions over file texts, so the rules can
// be tested on made-up files as well as on the real tree.
import path from 'node:path';
import ts from 'typescript';

export interface SourceFile {
  /** Path relative to the project root, with forward slashes. */
  rel: string;
  text: string;
}

/** The one module under src/ that may load components/ (and so Ink and React). */
export const TUI_ENTRY = 'src/commands/tui.ts';
/** Lower layers that must never reach up into the run or the renderers. */
export const LOWER = ['src/noetl/', 'src/sources/', 'src/targets/', 'src/diff/'];
export const UPPER = ['src/run/', 'src/render/', 'src/sweep/', 'src/commands/', 'src/cli.ts'];
export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 60;

/** Every module specifier a file imports, statically or with import(). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s+['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

/** The specifiers a file imports at load time: static imports and re-exports, not `import type` nor import(). */
export function staticImportsOf(text: string, withTypes = false): string[] {
  const out: string[] = [];
  const re = withTypes
    ? /(?:^|\n)\s*(import|export)\s[^'"`;]*?from\s+['"]([^'"]+)['"]/g
    : /(?:^|\n)\s*(import|export)\s(?!type\s)[^'"`;]*?from\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) out.push(m[2]);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) out.push(m[1]);
  return out;
}

/**
 * Import circles among the files, each as the path around it (`a.ts → b.ts → a.ts`), through static
 * imports, types included (the vocabulary points one way too); a dynamic import() is a deliberate lazy one.
 */
export function importCycles(files: SourceFile[]): string[] {
  const known = new Set(files.map((f) => f.rel));
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const to = staticImportsOf(f.text, true)
      .map((spec) => resolveSpecifier(f.rel, spec))
      .map((t) => (t && !known.has(t) && known.has(t.replace(/\.ts$/, '.tsx')) ? t.replace(/\.ts$/, '.tsx') : t));
    edges.set(
      f.rel,
      to.filter((t): t is string => t !== undefined && known.has(t)),
    );
  }
  const cycles = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.add([...stack.slice(stack.indexOf(m)), m].join(' → '));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const f of [...known].sort()) if (!state.has(f)) visit(f);
  return [...cycles];
}

/** A relative specifier resolved to a project path (`../run/store.js` from src/sources/x.ts → src/run/store.ts). */
export function resolveSpecifier(fromRel: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(fromRel), spec)).replace(/\.js$/, '.ts');
}

export function importViolations(files: SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    for (const spec of importsOf(f.text)) {
      const target = resolveSpecifier(f.rel, spec);
      const inSrc = f.rel.startsWith('src/');
      const ui =
        spec === 'ink' ||
        spec === 'react' ||
        spec.startsWith('ink/') ||
        spec.startsWith('react/') ||
        target?.startsWith('components/');
      if (inSrc && ui && f.rel !== TUI_ENTRY) out.push(`${f.rel} imports ${spec}: only ${TUI_ENTRY} may load the TUI`);
      if (f.rel === TUI_ENTRY && (spec === 'ink' || spec === 'react'))
        out.push(`${f.rel} imports ${spec} directly: load components/ instead`);
      if (target && LOWER.some((l) => f.rel.startsWith(l)) && UPPER.some((u) => target.startsWith(u)))
        out.push(`${f.rel} imports ${spec}: ${LOWER.join(', ')} must not import ${UPPER.join(', ')}`);
      if (
        target &&
        ['src/run/', 'src/render/', 'src/sweep/'].some((d) => f.rel.startsWith(d)) &&
        (target.startsWith('src/commands/') || target === 'src/cli.ts')
      )
        out.push(`${f.rel} imports ${spec}: the run, the sweep and the renderers must not import the commands`);
      if (
        target &&
        (f.rel.startsWith('src/run/') || f.rel.startsWith('src/render/')) &&
        target.startsWith('src/sweep/')
      )
        out.push(`${f.rel} imports ${spec}: the run and the renderers must not import the sweep`);
    }
  }
  return out;
}

export function sizeViolations(files: SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const lines = f.text.split('\n').length;
    if (lines > MAX_FILE_LINES) out.push(`${f.rel}: ${lines} lines (at most ${MAX_FILE_LINES})`);
    const sf = ts.createSourceFile(
      f.rel,
      f.text,
      ts.ScriptTarget.ES2022,
      true,
      f.rel.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
    );
    const visit = (n: ts.Node) => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const start = sf.getLineAndCharacterOfPosition(n.getStart()).line;
        const end = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
        const name = (n as ts.FunctionLikeDeclaration).name?.getText(sf) ?? '(anonymous)';
        if (end - start + 1 > MAX_FUNCTION_LINES)
          out.push(`${f.rel}:${start + 1} function ${name}: ${end - start + 1} lines (at most ${MAX_FUNCTION_LINES})`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

/**
 * The modules that hold what differs between the dialects (issues #26 and #38: nowhere else): the
 * sandbox's tables (how it answers as each engine) and the client's (how the tool reads each engine).
 */
export const DIALECT_TABLES = [
  'src/sandbox/dialect.ts',
  'src/sandbox/semantics.ts',
  'src/sandbox/event-shapes.ts',
  'src/engine-dialects.ts',
];

/** A comparison with a dialect's name anywhere in src/ outside the dialect tables. */
export function dialectBranches(files: SourceFile[]): string[] {
  // 'python' alone is also a tool kind, so a comparison with it counts only on a `dialect` operand.
  // A regex test of a dialect's name (a target's label) and an `engine` operand count too.
  const test =
    /\b(?:dialect|engine)(?:\.name)?\s*[!=]==|[!=]==\s*['"]rust['"]|['"]rust['"]\s*[!=]==|\/(?:rust|python)\/\.test\(/;
  const out: string[] = [];
  for (const f of files) {
    if (!f.rel.startsWith('src/') || DIALECT_TABLES.includes(f.rel)) continue;
    f.text.split('\n').forEach((line, i) => {
      if (test.test(line)) out.push(`${f.rel}:${i + 1} branches on the dialect: ${line.trim()}`);
    });
  }
  return out;
}
