// npm run bench -- NAME: runs dist/bench/NAME.js; its last stdout line is one JSON object of figures.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const name = process.argv[2];
const available = readdirSync('dist/bench').filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3));
if (!name || !existsSync(`dist/bench/${name}.js`)) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available.join(', ')})`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [`dist/bench/${name}.js`, ...process.argv.slice(3)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
