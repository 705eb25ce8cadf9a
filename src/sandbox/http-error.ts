// Errors that carry an HTTP status, thrown by the engine's dialect tables and the API's handlers alike, and
// answered by the API server in the dialect's error shape.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly plain = false,
  ) {
    super(message);
  }
}

/** A FastAPI validation error: `{detail: [...]}` with a list, not a message. */
export class HttpErrorDetail extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super('validation error');
  }
}
