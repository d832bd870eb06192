// atelier info: what this machine gives Atelier — libtorch and its devices, the device look models
// would train and run on, bfloat16, threads, the optional native addons. Needs no production: the
// first thing to run on a new workstation (is the CUDA build in use? is OpenCV there?).
import type { Command } from 'commander';
import * as E from '../../engine/index.js';
import { disFlow } from '../../engine/flow.js';
import { imageNative } from '../../data/image-native.js';
import { inferencePrecision } from '../../models/look/generator.js';
import { printResult } from '../output.js';
import { DEVICE_OPTION } from './store-common.js';

/** null when it works, else the reason (the addon's own message names the fix). */
function probe(f: () => unknown): string | null {
  try { f(); return null; } catch (err) { return err instanceof Error ? err.message : String(err); }
}

export function registerInfo(program: Command): void {
  program.command('info')
    .description('Show the engine on this machine: libtorch, threads, CUDA devices and the one look models use, bfloat16, the native addons.')
    .option(...DEVICE_OPTION)
    .option('--json', 'print one JSON document (for scripts) instead of text')
    .action((o: { json?: boolean }) => {
      const rt = E.runtimeInfo();
      const device = E.computeDevice();
      const addons = {
        flow: probe(() => disFlow(new Uint8Array(256), new Uint8Array(256), 16, 16)),
        image: probe(() => imageNative()),
      };
      const r = {
        node: process.version, libtorch: rt.torchVersion, threads: rt.threads,
        cuda: { available: rt.cudaAvailable, devices: rt.cudaDeviceCount },
        device, inferencePrecision: inferencePrecision(device), cpuNativeBf16: E.cpuHasNativeBf16(),
        addons: { flow: addons.flow === null, image: addons.image === null },
        ...(addons.flow || addons.image ? { addonErrors: Object.fromEntries(Object.entries(addons).filter(([, v]) => v !== null)) } : {}),
      };
      printResult(!!o.json, r, () => [
        `libtorch ${r.libtorch}, ${r.threads} threads, node ${r.node}`,
        `CUDA: ${r.cuda.available ? `${r.cuda.devices} device(s)` : 'not in this libtorch build (LIBTORCH=/path/to/libtorch npm run setup builds against a CUDA one)'}`,
        `look models train and run on: ${r.device} (${process.env.ATELIER_DEVICE ? `ATELIER_DEVICE / --device ${process.env.ATELIER_DEVICE}` : 'auto'}), inference in ${r.inferencePrecision}${r.cpuNativeBf16 ? '; this CPU multiplies bfloat16 in hardware' : ''}`,
        `optical flow (OpenCV): ${addons.flow === null ? 'ok' : `missing: ${addons.flow}`}`,
        `EXR and OpenColorIO: ${addons.image === null ? 'ok' : `missing: ${addons.image}`}`,
      ].join('\n'));
    });
}
