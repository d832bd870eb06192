// npm run bench -- farm-sim: the farm scheduler simulation (src/farm/simulate.ts) at 10, 100 and
// 1000 workers, driven by the chunk times `npm run bench -- farm` measured (<out>/farm/measured.json),
// at the measured frame time (256² sample frames, 1 thread) and with frames 40× slower (a 4K frame
// on a GPU worker is of that order relative to these), where per-chunk overheads matter less.
// BENCH_FARM_SIM_CHUNK: frames per chunk (default: the measured file's). Last line: JSON.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simulateFarm, scenarios, type SimParams } from '../src/farm/simulate.js';

const out = resolve(process.env.BENCH_OUT ?? 'bench/out');
const file = join(out, 'farm', 'measured.json');
if (!existsSync(file)) { console.error(`no ${file}: run \`npm run bench -- farm\` first`); process.exit(2); }
const measured = JSON.parse(readFileSync(file, 'utf8')) as Omit<SimParams, 'workers' | 'shots'> & { source: string };
const chunk = Number(process.env.BENCH_FARM_SIM_CHUNK ?? measured.chunk);
process.stderr.write(`measured: ${measured.source}\n${JSON.stringify(measured)}\n`);
const result: Record<string, number> = {};
for (const [label, slow] of [['measured', 1], ['frame_x40', 40]] as const) {
  for (const w of [10, 100, 1000]) {
    for (const sc of scenarios(w, chunk)) {
      const r = simulateFarm({ ...measured, chunk, secondsPerFrame: measured.secondsPerFrame * slow, workers: w, shots: sc.shots });
      result[`${label}_${sc.name}_${w}`] = r.utilization;
      process.stderr.write(`${label.padEnd(9)} ${String(w).padStart(4)} workers ${sc.name.padEnd(8)} ${String(r.chunks).padStart(6)} chunks  utilization ${(r.utilization * 100).toFixed(1).padStart(5)}%  written-frame work ${(r.usefulUtilization * 100).toFixed(1).padStart(5)}%  ${r.framesPerSecond.toFixed(1).padStart(8)} fps  makespan ${r.makespanSeconds.toFixed(0).padStart(6)} s  Redis busy ${(r.redisUtilization * 100).toFixed(2)}%\n`);
    }
  }
}
console.log(JSON.stringify({ chunk, ...result }));
