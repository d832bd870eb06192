// Dense optical flow between two 8-bit grey frames: OpenCV's DIS (Kroeger et al. 2016), which
// renders follow, and Farnebäck's (2003), an independent method to measure coherence along.
import { createHash } from 'node:crypto';
import { loadAddon } from '../util/native-addons.js';
import { intArg, oneOf } from './check.js';

export type FlowPreset = 'ultrafast' | 'fast' | 'medium';

/**
 * Flow from prev to next: for each pixel of prev, (dx, dy) interleaved, length width*height*2.
 * A pixel at (x, y) in prev is found near (x + dx, y + dy) in next.
 */
export function disFlow(prev: Uint8Array, next: Uint8Array, width: number, height: number, preset: FlowPreset = 'medium'): Float32Array {
  checkGreyPair(prev, next, width, height);
  oneOf(preset, ['ultrafast', 'fast', 'medium'] as const, 'flow preset');
  // A final render asks for each pair twice (its stroke chains, then the blend's warping error):
  // the last few flows are kept by content (DIS is deterministic), ~70 ms a 1080p frame saved.
  const key = `${preset} ${width}x${height} ${digest(prev)} ${digest(next)}`;
  const at = recentFlows.findIndex((f) => f.key === key);
  if (at >= 0) {
    const [hit] = recentFlows.splice(at, 1);
    recentFlows.unshift(hit!);
    return hit!.flow.slice();
  }
  const flow = flowAddon().disFlow(prev, next, width, height, preset) as Float32Array;
  recentFlows.unshift({ key, flow: flow.slice() });
  recentFlows.length = Math.min(recentFlows.length, KEPT_FLOWS);
  return flow;
}

/** Flows kept (4.7 MB each on the 1024-wide grid renders use). */
const KEPT_FLOWS = 6;
const recentFlows: { key: string; flow: Float32Array }[] = [];
const digest = (grey: Uint8Array) => createHash('sha1').update(grey).digest('base64');

export interface FarnebackOptions {
  /** Pyramid levels (each half the size of the one above). */
  levels: number;
  /** Averaging window (px): larger follows fast motion and noise more robustly, blurs motion edges. */
  winsize: number;
  iterations: number;
}

/**
 * Farnebäck's polynomial-expansion flow (OpenCV), laid out as disFlow's. Not what renders follow:
 * benchmarks measure temporal coherence along it, so a blend is not graded along its own flow.
 */
export function farnebackFlow(prev: Uint8Array, next: Uint8Array, width: number, height: number, o: FarnebackOptions = { levels: 5, winsize: 21, iterations: 5 }): Float32Array {
  checkGreyPair(prev, next, width, height);
  intArg(o.levels, 'levels', 1, 10);
  intArg(o.winsize, 'winsize', 3, 255);
  intArg(o.iterations, 'iterations', 1, 50);
  return flowAddon().farnebackFlow(prev, next, width, height, o.levels, o.winsize, o.iterations);
}

function checkGreyPair(prev: Uint8Array, next: Uint8Array, width: number, height: number): void {
  intArg(width, 'width', 1, 16384);
  intArg(height, 'height', 1, 16384);
  if (!(prev instanceof Uint8Array) || !(next instanceof Uint8Array)) throw new TypeError('optical flow needs two Uint8Array grey frames');
  if (prev.length !== width * height || next.length !== width * height) {
    throw new RangeError(`optical flow frames must hold ${width}x${height} = ${width * height} bytes, got ${prev.length} and ${next.length}`);
  }
}

interface FlowAddon {
  disFlow(prev: Uint8Array, next: Uint8Array, width: number, height: number, preset: FlowPreset): Float32Array;
  farnebackFlow(prev: Uint8Array, next: Uint8Array, width: number, height: number, levels: number, winsize: number, iterations: number): Float32Array;
}

let addon: FlowAddon | null = null;
/** The flow addon (OpenCV), loaded on first use: the tensor engine does not need it. */
function flowAddon(): FlowAddon {
  addon ??= loadAddon<FlowAddon>('atelier_flow', 'the optical-flow addon (OpenCV)',
    'Run `npm run setup` (installs libopencv-dev and builds the addon).');
  return addon;
}
