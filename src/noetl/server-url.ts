// Base URL and token resolved the way the noetl CLI does (noetl-contract §5).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { usageError } from '../errors.js';

export interface ServerUrlInput {
  gateway?: boolean;
  serverUrl?: string;
  host?: string;
  port?: string | number;
  sessionToken?: string;
  env?: NodeJS.ProcessEnv;
  configPath?: string;
}

export interface ResolvedServer {
  url: string;
  source: 'flag' | 'host-port' | 'config' | 'default';
  token?: string;
  /** Through the gateway: /noetl/... instead of /api/... (noetl-contract §5). */
  gateway: boolean;
}

const truthy = (v: string | undefined) => Boolean(v) && !/^(0|false|no|off)$/i.test(v!.trim());

/** Gateway mode as the noetl CLI decides it: --gateway, a truthy NOETL_USE_GATEWAY, or a `gateway.` URL. */
export function gatewayMode(flag: boolean | undefined, url: string, env: NodeJS.ProcessEnv): boolean {
  return Boolean(flag) || truthy(env.NOETL_USE_GATEWAY) || new URL(url).hostname.includes('gateway.');
}

export function validateUrl(raw: string, what: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw usageError(`${what} ${JSON.stringify(raw)} is not a valid URL`, 'expected http://host:port');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw usageError(`${what} ${JSON.stringify(raw)} must use http or https`);
  }
  return raw.replace(/\/+$/, '');
}

function readConfig(file: string): { server_url?: string; gateway_session_token?: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const doc = YAML.parse(text) as { current_context?: string; contexts?: Record<string, Record<string, string>> };
    const ctx = doc?.current_context ? doc.contexts?.[doc.current_context] : undefined;
    return ctx ?? undefined;
  } catch {
    throw usageError(`${file} is not valid YAML`, 'fix or move the noetl CLI config');
  }
}

export function resolveServer(i: ServerUrlInput): ResolvedServer {
  const r = resolveUrl(i);
  return { ...r, gateway: gatewayMode(i.gateway, r.url, i.env ?? process.env) };
}

function resolveUrl(i: ServerUrlInput): Omit<ResolvedServer, 'gateway'> {
  const env = i.env ?? process.env;
  const configFile = i.configPath ?? path.join(os.homedir(), '.noetl', 'config.yaml');
  const token = i.sessionToken || env.NOETL_SESSION_TOKEN || undefined;
  if (i.serverUrl) return { url: validateUrl(i.serverUrl, '--server-url'), source: 'flag', token };
  if (i.host && i.port !== undefined)
    return { url: validateUrl(`http://${i.host}:${i.port}`, '--host/--port'), source: 'host-port', token };
  // No environment variable names the server: PyPI noetl 5.3.2 ignores NOETL_SERVER_URL and NOETL_HOST/
  // NOETL_PORT (tried here: it called localhost:8082, or the context's server_url); those are the
  // server's and the worker's own settings.
  const ctx = readConfig(configFile);
  if (ctx?.server_url) {
    return {
      url: validateUrl(ctx.server_url, `server_url in ${configFile}`),
      source: 'config',
      token: token ?? ctx.gateway_session_token,
    };
  }
  return { url: 'http://localhost:8082', source: 'default', token: token ?? ctx?.gateway_session_token };
}
