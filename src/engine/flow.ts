// Dense optical flow (OpenCV DIS, Kroeger et al. 2016) between two 8-bit grey frames.
import { native } from './native.js';
import { intArg, oneOf } from './check.js';

export type FlowPreset = 'ultrafast' | 'fast' | 'medium';

/**
 * Flow from prev to next: for each pixel of prev, (dx, dy) interleaved, length width*height*2.
 * A pixel at (x, y) in prev is found near (x + dx, y + dy) in next.
 */
export function disFlow(prev: Uint8Array, next: Uint8Array, width: number, height: number, preset: FlowPreset = 'medium'): Float32Array {
  intArg(width, 'width', 1, 16384);
  intArg(height, 'height', 1, 16384);
  if (!(prev instanceof Uint8Array) || !(next instanceof Uint8Array)) throw new TypeError('optical flow needs two Uint8Array grey frames');
  if (prev.length !== width * height || next.length !== width * height) {
    throw new RangeError(`optical flow frames must hold ${width}x${height} = ${width * height} bytes, got ${prev.length} and ${next.length}`);
  }
  return native.disFlow(prev, next, width, height, oneOf(preset, ['ultrafast', 'fast', 'medium'] as const, 'flow preset'));
}
