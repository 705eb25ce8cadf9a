// A tool that failed, with what it returned (both dialects' tool failures): its own module, so the
// semantics tables and the tools both import it without importing each other.
export class ToolError extends Error {
  constructor(
    message: string,
    readonly output?: unknown,
  ) {
    super(message);
  }
}
