// A Postgres host inside a cluster, told from its name: the service a port-forward must reach. Apart from
// cluster.ts so that finding the databases does not load kubectl (and execa) for a target that is no cluster.
export type PgTarget = { namespace: string; resource: string; port: number };

/** `postgres.postgres.svc.cluster.local:5432` → the service to forward; undefined for any other host. */
export function serviceOfHost(host: string, port: string | number): PgTarget | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(host);
  return m ? { namespace: m[2], resource: `svc/${m[1]}`, port: Number(port) || 5432 } : undefined;
}
