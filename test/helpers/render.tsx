// Renders Ink trees into a fake terminal of a given size (ink-testing-library fixes 100 columns and no
// rows), and strips colours so frames can be compared as text.
import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import type { ReactElement } from 'react';

class Term extends EventEmitter {
  frames: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  isTTY = true;
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
  resize(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

class Input extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  write(d: string) {
    this.data = d;
    this.emit('readable');
    this.emit('data', d);
  }
}

export const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

export function renderAt(tree: ReactElement, columns: number, rows: number) {
  const stdout = new Term(columns, rows);
  const stdin = new Input();
  const stderr = new Term(columns, rows);
  const instance = inkRender(tree, {
    stdout: stdout as never,
    stdin: stdin as never,
    stderr: stderr as never,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    stdout,
    stdin,
    lastFrame: () => strip(stdout.frames[stdout.frames.length - 1] ?? ''),
    unmount: () => instance.unmount(),
    press: (s: string) => stdin.write(s),
  };
}

export const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));
