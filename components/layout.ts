// One place computes every panel's size from the terminal's rows and columns. The live frame always
// stays shorter than the terminal (Ink clears the screen when it is not, ink#450).
export const MIN_COLS = 80;
export const MIN_ROWS = 24;

export interface Toggles {
  charts: boolean;
  tails: boolean;
  pods: boolean;
  rows: boolean;
  logs: boolean;
}

export interface Layout {
  cols: number;
  rows: number;
  tooSmall: boolean;
  compact: boolean;
  frameHeight: number;
  headerHeight: number;
  footerHeight: number;
  modeHeight: number;
  colWidth: number;
  chartHeight: number; // 0 = hidden
  chartPoints: number;
  tailLines: number; // 0 = hidden
  bottomHeight: number; // pods + rows panels, 0 = hidden
  podsLines: number;
  logsHeight: number; // 0 = hidden
}

export function computeLayout(cols: number, rows: number, t: Toggles, chartWindow = 60): Layout {
  const tooSmall = cols < MIN_COLS || rows < MIN_ROWS;
  const compact = cols < 120 || rows < 36;
  const frameHeight = Math.max(1, rows - 1);
  const headerHeight = 3;
  const footerHeight = 1;
  let avail = frameHeight - headerHeight - footerHeight;
  const logsHeight = t.logs ? (compact ? 5 : 8) : 0;
  avail -= logsHeight;
  const bottomHeight = t.pods || t.rows ? (compact ? 6 : 9) : 0;
  avail -= bottomHeight;
  const modeHeight = Math.max(8, avail);
  const colWidth = Math.floor(cols / 2);
  // inside the mode box: 2 border + title + state + progress + counters + stall (2) = 8 fixed lines
  let free = modeHeight - 8;
  let chartHeight = 0;
  if (t.charts && free >= 4) {
    chartHeight = Math.min(compact ? 4 : 8, Math.max(2, Math.floor(free / 2) - 1));
    free -= chartHeight + 1;
  }
  const tailLines = t.tails && free >= 2 ? free - 1 : 0;
  const chartPoints = Math.max(10, Math.min(chartWindow, colWidth - 14));
  const podsLines = Math.max(1, bottomHeight - 3);
  return {
    cols,
    rows,
    tooSmall,
    compact,
    frameHeight,
    headerHeight,
    footerHeight,
    modeHeight,
    colWidth,
    chartHeight,
    chartPoints,
    tailLines,
    bottomHeight,
    podsLines,
    logsHeight,
  };
}
