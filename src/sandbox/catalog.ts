// The sandbox catalog: register (a new version per path, persisted to noetl.catalog), list and resolve
// by path, catalog id or (Python only) version.
import type pg from 'pg';
import type { DialectApi } from './dialect.js';
import {
  catalogPath,
  compilePlaybook,
  parseYaml,
  PlaybookValidationError,
  UnsupportedFeatureError,
  type Playbook,
} from './dsl.js';
import type { CatalogEntry } from './execution.js';

export class NotFoundError extends Error {}

export class Catalog {
  private readonly latest = new Map<string, CatalogEntry>();
  private readonly byId = new Map<bigint, CatalogEntry>();

  constructor(
    private readonly dialect: DialectApi,
    private readonly pool: pg.Pool,
    private readonly newId: () => bigint,
  ) {}

  async register(content: string): Promise<CatalogEntry> {
    const doc = parseYaml(content);
    const path = catalogPath(doc);
    // Rust checks only the metadata at register and parses the playbook at execute (noetl/server
    // src/services/catalog.rs, src/handlers/execute.rs); Python refuses a bad playbook at register.
    let playbook: Playbook | null = null;
    let compileError: string | undefined;
    let compileStatus: 400 | 422 | undefined;
    try {
      playbook = compilePlaybook(doc, this.dialect.dsl);
    } catch (err) {
      if (
        !this.dialect.compileAtExecute ||
        !(err instanceof PlaybookValidationError || err instanceof UnsupportedFeatureError)
      )
        throw err;
      compileError = err.message;
      compileStatus = err instanceof PlaybookValidationError && err.structural ? 400 : 422;
    }
    // The version comes from the table, as the server's does: a sandbox restarted on the same Postgres
    // (a resumed sweep) registers the next version, not a duplicate of version 1.
    const catalogId = this.newId();
    const { rows } = await this.pool.query(
      'INSERT INTO noetl.catalog (catalog_id, path, version, kind, content, meta) SELECT $1, $2::text, coalesce(max(version), 0) + 1, $3, $4, $5 FROM noetl.catalog WHERE path = $2::text RETURNING version',
      [
        catalogId.toString(),
        path,
        this.dialect.catalogKind,
        content,
        JSON.stringify({ description: playbook?.description ?? null }),
      ],
    );
    const entry: CatalogEntry = {
      catalogId,
      path,
      version: Number(rows[0].version),
      kind: this.dialect.catalogKind,
      content,
      playbook,
      compileError,
      compileStatus,
      createdAt: new Date(),
    };
    this.latest.set(path, entry);
    this.byId.set(entry.catalogId, entry);
    return entry;
  }

  list(): CatalogEntry[] {
    return [...this.byId.values()].sort((a, b) =>
      a.path === b.path ? a.version - b.version : a.path < b.path ? -1 : 1,
    );
  }

  /** Rust ignores the version: a path always runs its latest; Python honours it. */
  resolve(ref: { path?: string; catalogId?: bigint; version?: number }): CatalogEntry {
    if (ref.catalogId !== undefined) {
      const e = this.byId.get(ref.catalogId);
      if (!e) throw new NotFoundError(`Catalog entry not found: ${ref.catalogId}`);
      return e;
    }
    const latest = ref.path ? this.latest.get(ref.path) : undefined;
    if (!latest) throw new NotFoundError(`Playbook not found: ${ref.path}`);
    if (ref.version !== undefined && this.dialect.honoursVersion) {
      const v = [...this.byId.values()].find((e) => e.path === ref.path && e.version === ref.version);
      if (!v) throw new NotFoundError(`Executable catalog entry not found: ${ref.path} version ${ref.version}`);
      return v;
    }
    return latest;
  }
}
