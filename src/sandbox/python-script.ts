// A python tool's `script`: its code loaded from elsewhere, as noetl 4.26.0 loads it (the python dialect
// only: dialect.ts PYTHON_DSL). The checks and their order follow the wheel's core/script/validation.py
// (validate_script_config); a file is read relative to the working folder (core/script/sources/file.py);
// http is fetched from loopback only, the sandbox being hermetic; gcs and s3 cannot be reached here. Every
// failure fails the command, as the engine's ValueError or FileNotFoundError does.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ToolError } from './tool-error.js';

const SOURCE_TYPES = ['gcs', 's3', 'file', 'http'];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The checks of validate_script_config, in its order; returns the source type and the uri. */
export function checkScript(raw: unknown): { type: string; uri: string; source: Record<string, unknown> } {
  const script = asObject(raw);
  if (!script) throw new ToolError('script must be a dictionary');
  if (!('source' in script)) throw new ToolError('script.source is required');
  const source = asObject(script.source);
  if (!source) throw new ToolError('script.source must be a dictionary');
  if (!('type' in source)) throw new ToolError('script.source.type is required');
  const type = String(source.type);
  if (!SOURCE_TYPES.includes(type))
    throw new ToolError(`script.source.type must be one of: ${SOURCE_TYPES.join(', ')}`);
  if (!('uri' in script)) throw new ToolError('script.uri is required');
  const uri = String(script.uri ?? '');
  if (type === 'gcs' && !uri.startsWith('gs://'))
    throw new ToolError('GCS source requires URI in format: gs://bucket-name/path/to/script');
  if (type === 's3' && !uri.startsWith('s3://'))
    throw new ToolError('S3 source requires URI in format: s3://bucket-name/path/to/script');
  if (type === 'file' && !uri) throw new ToolError('script.uri cannot be empty for file source');
  return { type, uri, source };
}

/** The code a `script` (already rendered) names. */
export async function loadScript(raw: unknown): Promise<string> {
  const { type, uri, source } = checkScript(raw);
  if (type === 'file') {
    const file = path.resolve(uri);
    const info = await stat(file).catch(() => undefined);
    if (!info) throw new ToolError(`Script file not found: ${uri}`);
    if (!info.isFile()) throw new ToolError(`Path is not a regular file: ${uri}`);
    return readFile(file, 'utf8');
  }
  if (type === 'http') {
    const url = new URL(String(source.endpoint ?? uri));
    if (!LOOPBACK.has(url.hostname))
      throw new ToolError(`script ${url.href}: the sandbox reaches loopback only (no network beyond 127.0.0.1)`);
    const res = await fetch(url, { method: String(source.method ?? 'GET') });
    if (!res.ok) throw new ToolError(`Failed to fetch script from ${url.href}: HTTP ${res.status}`);
    return res.text();
  }
  throw new ToolError(`script ${uri}: ${type} storage cannot be reached from the sandbox`);
}
