// The terminal size from Ink's stdout, with resize debounced.
import { useEffect, useState } from 'react';

export function useTerminalSize(stdout: NodeJS.WriteStream, debounceMs = 150): { cols: number; rows: number } {
  const read = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    let t: NodeJS.Timeout | undefined;
    const onResize = () => {
      clearTimeout(t);
      t = setTimeout(() => setSize(read()), debounceMs);
    };
    stdout.on('resize', onResize);
    return () => {
      clearTimeout(t);
      stdout.off('resize', onResize);
    };
  }, [stdout, debounceMs]);
  return size;
}
