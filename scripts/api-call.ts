// One request to a NoETL API for the scripts that drive a server by hand (e2e-core.ts, e2e-corpus.ts): its
// status and its body as JSON, or as `{ text }` when the body is not JSON.
export async function apiCall(
  base: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const r = await fetch(base + p, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  try {
    return { status: r.status, json: JSON.parse(text) };
  } catch {
    return { status: r.status, json: { text } };
  }
}
