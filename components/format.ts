// Small formatting helpers for the panels.
import type { EventKind } from '../src/model.js';

export const KIND_COLOR: Record<EventKind, string> = {
  start: 'cyan',
  step: 'cyan',
  issued: 'gray',
  started: 'white',
  done: 'green',
  completed: 'green',
  failed: 'red',
  terminal: 'magenta',
  emulation: 'yellowBright',
  other: 'white',
};

export const VERDICT_COLOR: Record<string, string> = {
  pending: 'gray',
  running: 'cyan',
  completed: 'green',
  failed: 'red',
  cancelled: 'yellow',
  stalled: 'redBright',
  timeout: 'yellow',
  'not-launched': 'red',
};

export function mib(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '—' : `${(bytes / 1048576).toFixed(0)}Mi`;
}

export function cpu(m: number | null | undefined): string {
  return m === null || m === undefined ? '—' : `${m}m`;
}

export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

const SPARK = '▁▂▃▄▅▆▇█';
export function sparkline(values: number[], width: number): string {
  const v = values.slice(-width);
  if (!v.length) return '';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return v.map((x) => SPARK[hi === lo ? 0 : Math.min(7, Math.floor(((x - lo) / (hi - lo)) * 7.999))]).join('');
}

export function bar(done: number, total: number, width: number): string {
  const w = Math.max(4, width);
  const f = total > 0 ? Math.min(w, Math.round((done / total) * w)) : 0;
  return '█'.repeat(f) + '░'.repeat(w - f);
}

export function clip(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, Math.max(0, width - 1))}…` : s;
}
