// Whether the real kubectl binary is here. The machine image ships it; where it does not, the tests
// that need it are skipped (and say so) rather than faked.
import { spawnSync } from 'node:child_process';

export const HAS_KUBECTL =
  spawnSync('kubectl', ['version', '--client', '-o', 'json'], { stdio: 'ignore' }).status === 0;
