// EXR fixtures written by OpenImageIO's oiiotool (not by our writer).
import { spawnSync } from 'node:child_process';

export function oiiotool(args: string[]): void {
  const r = spawnSync('oiiotool', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`oiiotool ${args.join(' ')}: ${r.stderr}`);
}

/** A multi-layer frame as a renderer writes it: beauty.RGBA, depth.Z, motion.XY. */
export function writeMultiLayer(path: string, o: { rgba?: number[]; z?: number; motion?: [number, number]; type?: 'half' | 'float'; compression?: string; w?: number; h?: number } = {}): string {
  const [w, h] = [o.w ?? 8, o.h ?? 4];
  oiiotool(['--pattern', `constant:color=${(o.rgba ?? [0.1, 0.2, 0.3, 0.5]).join(',')}`, `${w}x${h}`, '4', '--chnames', 'beauty.R,beauty.G,beauty.B,beauty.A',
    '--pattern', `constant:color=${o.z ?? 5}`, `${w}x${h}`, '1', '--chnames', 'depth.Z', '--chappend',
    '--pattern', `constant:color=${(o.motion ?? [1.5, -2]).join(',')}`, `${w}x${h}`, '2', '--chnames', 'motion.X,motion.Y', '--chappend',
    '-d', o.type ?? 'half', '--compression', o.compression ?? 'zip', '-o', path]);
  return path;
}
