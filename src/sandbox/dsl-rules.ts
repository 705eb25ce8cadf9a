// What each engine's playbook model accepts beyond the DSL subset every dialect runs (dsl.ts): the DSL half
// of the dialect tables. The values are dialect.ts's; compilePlaybook reads them.

/**
 * What an engine's playbook model accepts beyond the subset every dialect runs (a dialect table: dialect.ts
 * gives one per engine). A key listed here is accepted at register; what the sandbox does with it is said
 * where it is listed.
 */
export interface DslRules {
  /**
   * The keys of the engine's step type, when keys outside it are ignored rather than refused (Rust's serde,
   * 4.26.0's pydantic: neither forbids extra keys); undefined: every key the sandbox does not run is refused.
   * A key the sandbox runs but the engine's step type lacks (4.26.0: `when`) is ignored, as the engine does.
   */
  readonly stepKeys?: ReadonlySet<string>;
  /** Tool keys the engine takes beyond the common set, by tool kind. */
  readonly toolKeys: Readonly<Partial<Record<string, ReadonlySet<string>>>>;
  /** Top-level keys beyond the common set (ignored: no step the sandbox runs reads them). */
  readonly topKeys: ReadonlySet<string>;
  /** The `next.spec.mode` values the engine routes by. */
  readonly nextModes: ReadonlySet<string>;
}

/** The subset alone: every key outside it refused. */
export const STRICT_DSL: DslRules = { toolKeys: {}, topKeys: new Set(), nextModes: new Set(['exclusive']) };
