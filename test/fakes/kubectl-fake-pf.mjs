#!/usr/bin/env node
// A FAKE kubectl for port-forward only (a real port-forward needs a cluster's SPDY upgrade): it prints
// kubectl's real lines and proxies TCP to FAKE_PF_TARGET (host:port). Every other command is handed to
// the real kubectl binary unchanged. It leaves a `sleep` grandchild holding its stdout, as kubectl's
// helpers can, so tests prove the whole process group is killed.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, appendFileSync } from 'node:fs';
import net from 'node:net';

const args = process.argv.slice(2);
if (!args.includes('port-forward')) {
  const r = spawnSync(process.env.FAKE_REAL_KUBECTL || 'kubectl', args, { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const spec = [...args].reverse().find((a) => /^\d*:\d+$/.test(a));
if (!spec || !process.env.FAKE_PF_TARGET) {
  process.stderr.write('error: fake port-forward needs LOCAL:REMOTE and FAKE_PF_TARGET\n');
  process.exit(1);
}
const [local, remote] = spec.split(':');
const [thost, tport] = process.env.FAKE_PF_TARGET.split(':');
if (process.env.FAKE_PF_PIDFILE) appendFileSync(process.env.FAKE_PF_PIDFILE, `${process.pid}\n`);
spawn('sleep', ['1000'], { stdio: ['ignore', 'inherit', 'inherit'] });
const server = net.createServer((sock) => {
  process.stdout.write(`Handling connection for ${server.address().port}\n`);
  const up = net.connect(Number(tport), thost);
  sock.pipe(up).pipe(sock);
  sock.on('error', () => up.destroy());
  up.on('error', () => sock.destroy());
});
server.on('error', (e) => {
  process.stderr.write(
    `Unable to listen on port ${local}: ${e.message}\nerror: unable to listen on any of the requested ports: [{${local} ${remote}}]\n`,
  );
  process.exit(1);
});
server.listen(Number(local || 0), '127.0.0.1', () => {
  const p = server.address().port;
  process.stdout.write(`Forwarding from 127.0.0.1:${p} -> ${remote}\nForwarding from [::1]:${p} -> ${remote}\n`);
  if (process.env.FAKE_PF_PORTFILE) writeFileSync(process.env.FAKE_PF_PORTFILE, String(p));
});
process.on('SIGTERM', () => process.exit(0));
