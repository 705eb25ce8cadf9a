// The target's part of a run's options: which target, its flags and the ones that conflict with it, and
// each target's own settings (cluster, local engine, server URL, log files, engine processes).
import { accessSync, constants as fsConstants } from 'node:fs';
import {
  parseDuration,
  parsePgForward,
  positiveInt,
  type KubeConfig,
  type LocalEngineConfig,
  type RunConfig,
} from '../config.js';
import { usageError } from '../errors.js';
import { checkNoetlVersion, DEFAULT_NOETL_VERSION } from '../local-noetl/releases.js';
import { TARGET_KINDS, type TargetKind } from '../model.js';
import { resolveServer } from '../noetl/server-url.js';
import { registerSecret } from '../redact.js';
import type { RunOpts } from './run-opts.js';

/** The target from --target or the flags given, and the flags that conflict with it. */
export function targetOf(o: RunOpts): TargetKind {
  const serverFlags = Boolean(o.serverUrl || o.host || o.port || o.gateway);
  const kubeFlags = Boolean(o.context || o.namespace || o.service || o.pgForward || o.selector || o.workerSelector);
  // watch observes what runs elsewhere: without target flags it goes to the server the noetl CLI would use.
  const target = (o.target ?? (kubeFlags ? 'cluster' : serverFlags || o.watch ? 'server' : 'sandbox')) as TargetKind;
  if (!TARGET_KINDS.includes(target))
    throw usageError(`--target: unknown target ${JSON.stringify(o.target)}`, `allowed: ${TARGET_KINDS.join(', ')}`);
  if ((target === 'sandbox' || target === 'local') && serverFlags)
    throw usageError(`--target ${target} conflicts with --server-url/--host/--port`, 'drop one of them');
  if (target !== 'local' && o.workers !== undefined)
    throw usageError('--workers needs --target local', 'add --target local, or drop it');
  if (target !== 'local' && target !== 'server' && o.noetlVersion !== undefined)
    throw usageError(
      `--noetl-version applies to --target local or server, not ${target}`,
      'add --target local, or drop it',
    );
  if ((o.host && !o.port) || (!o.host && o.port))
    throw usageError('--host and --port go together', 'or give --server-url');
  if (o.port) positiveInt(o.port, '--port', { max: 65535 });
  if (target === 'cluster' && serverFlags)
    throw usageError(
      '--target cluster conflicts with --server-url/--host/--port',
      'the cluster target port-forwards the NoETL service itself; drop the server flags or the kube flags',
    );
  if (target !== 'cluster' && kubeFlags)
    throw usageError(
      '--context/--namespace/--service/--pg-forward need --target cluster',
      'drop them or use --target cluster',
    );
  return target;
}

export function kubeOf(o: RunOpts): KubeConfig {
  const namespace = o.namespace ?? 'noetl';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace))
    throw usageError(`--namespace ${JSON.stringify(namespace)} is not a valid namespace name`);
  return {
    bin: o.kubectl ?? 'kubectl',
    context: o.context,
    namespace,
    service: o.service,
    kubeconfig: o.kubeconfig,
    selector: o.selector,
    workerSelector: o.workerSelector,
    topIntervalMs: Math.round(parseDuration(o.topInterval ?? '15', '--top-interval', { min: 1, max: 3600 }) * 1000),
    pgForward: o.pgForward ? parsePgForward(o.pgForward, namespace) : undefined,
  };
}

/** --target local: the release (checked against what PyPI's name holds) and the workers. */
export function localOf(o: RunOpts): LocalEngineConfig {
  if (o.pgUrl || o.dataPgUrl || o.logFile?.length)
    throw usageError(
      '--target local starts its own Postgres and follows its own logs',
      'drop --pg-url/--data-pg-url/--log-file, or use local-noetl and --target server',
    );
  return {
    version: checkNoetlVersion(o.noetlVersion ?? DEFAULT_NOETL_VERSION, '--noetl-version'),
    workers: o.workers !== undefined ? positiveInt(o.workers, '--workers', { max: 16 }) : 2,
  };
}

/** The engine's release, where the tool knows it: --target local's, or what --noetl-version says of a server. */
export function releaseOf(o: RunOpts, target: TargetKind, local: LocalEngineConfig | undefined): string | undefined {
  if (local) return local.version;
  return target === 'server' && o.noetlVersion !== undefined
    ? checkNoetlVersion(o.noetlVersion, '--noetl-version')
    : undefined;
}

/** --engine-processes: a readable processes.json, on the server target only. */
export function engineProcessesOf(file: string | undefined, target: TargetKind): string | undefined {
  if (file === undefined) return undefined;
  if (target !== 'server')
    throw usageError('--engine-processes applies to a server reached by URL', 'the local target samples its own');
  try {
    accessSync(file, fsConstants.R_OK);
  } catch {
    throw usageError(`--engine-processes ${file} cannot be read`, "give local-noetl's processes.json");
  }
  return file;
}

export function serverOf(
  o: RunOpts,
  target: TargetKind,
): Pick<RunConfig, 'serverUrl' | 'token' | 'serverSource' | 'gateway'> {
  registerSecret(o.sessionToken);
  registerSecret(process.env.NOETL_SESSION_TOKEN);
  if (target !== 'server') return {};
  const r = resolveServer({
    serverUrl: o.serverUrl,
    host: o.host,
    port: o.port,
    sessionToken: o.sessionToken,
    gateway: o.gateway,
  });
  registerSecret(r.token);
  if (r.gateway && !r.token)
    throw usageError(
      `the gateway at ${r.url} needs a session token`,
      'give --session-token or NOETL_SESSION_TOKEN (noetl auth login)',
    );
  return {
    serverUrl: r.url,
    token: r.token,
    serverSource: r.gateway ? `${r.source}, through the gateway` : r.source,
    gateway: r.gateway,
  };
}

/** --log-file: each a readable file. */
export function logFilesOf(files: string[] | undefined): string[] {
  for (const f of files ?? []) {
    try {
      accessSync(f, fsConstants.R_OK);
    } catch {
      throw usageError(`--log-file ${f} cannot be read`, 'give the path of a server or worker log on this machine');
    }
  }
  return files ?? [];
}
