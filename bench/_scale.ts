import { scaleRuns } from './live.js';
console.log(JSON.stringify(await scaleRuns((s) => console.log(s), Number(process.argv[2] ?? 20000)), null, 1));
