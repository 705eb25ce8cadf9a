// Where the package's own files are, whether it runs from src/ (tsx) or dist/ (built).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (dir !== path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'fixtures'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('noetl-loadrun: cannot find the package root (fixtures/ is missing)');
}

export const BUNDLED = {
  parentFile: 'fixtures/playbooks/loadrun/heavy_payload_parallel.yaml',
  workerFile: 'fixtures/playbooks/loadrun/heavy_payload_chunk_worker.yaml',
  parentPath: 'loadrun/heavy_payload_pipeline_in_step_parallel',
  workerPath: 'loadrun/heavy_payload_pipeline_chunk_worker',
};

export function bundledFile(rel: string): string {
  return path.join(packageRoot(), rel);
}
