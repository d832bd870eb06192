// atelier config checks a colour setting against the production's OCIO config before storing it:
// an unknown space is refused with the config's spaces listed and the old value kept; an alias is
// stored as given (read back by the config's own name); a missing ocio_config file is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initProduction, openProduction } from '../../src/store/index.js';
import { productionColour } from '../../src/store/colour-settings.js';

const BIN = fileURLToPath(new URL('../../../bin/atelier', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'atelier-colour-settings-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const prodDir = join(dir, 'prod');
await (await initProduction(prodDir)).close();
const config = (...args: string[]) => spawnSync(process.execPath, [BIN, 'config', ...args, '--production', prodDir], { encoding: 'utf8' });

test('colour settings are checked against the OCIO config before they are stored', async () => {
  let r = config('working_color_space', 'Nope');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /setting working_color_space: unknown colour space "Nope" in the built-in OCIO config \(it has: .*ACEScg/);
  r = config('ocio_config', 'studio/config.ocio');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /OCIO config .*studio\/config\.ocio does not exist/);
  r = config('working_color_space', 'acescg');
  assert.equal(r.status, 0, r.stderr);
  const prod = await openProduction(prodDir);
  try {
    const s = await prod.settings();
    assert.equal(s.workingColorSpace, 'acescg');
    assert.equal(s.ocioConfig ?? null, null);
    assert.equal((await productionColour(prod)).working, 'ACEScg');
  } finally { await prod.close(); }
  // Other settings are not held to the colour check.
  assert.equal(config('max_megapixels', '50').status, 0);
});
