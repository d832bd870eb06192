// The render commands' temporal-coherence flags (--no-coherence, --window, --flow), for a local
// render and a farm render alike.
import { DEFAULT_COHERENCE, MOTION_COHERENCE, type CoherenceOptions } from '../../render/coherence.js';

export interface CoherenceFlags { coherence: boolean; window?: number; flow?: string }

export const FLOW_HELP = 'where the blend\'s motion comes from: dis (optical flow on the rough frames), motion (the shot\'s "motion" render pass; every frame needs one); default: motion when every frame has one, else dis';

/** undefined: the render's default (the shot's motion pass when it has one, else DIS). */
export function coherenceFromFlags(o: CoherenceFlags): CoherenceOptions | null | undefined {
  if (o.flow !== undefined && o.flow !== 'dis' && o.flow !== 'motion') throw new Error(`--flow must be dis or motion, got ${o.flow}`);
  if (o.window !== undefined && (!Number.isInteger(o.window) || o.window < 0)) throw new Error(`--window must be a whole number of frames >= 0, got ${o.window}`);
  if (!o.coherence) return null;
  if (o.flow === undefined && o.window === undefined) return undefined;
  const base = o.flow === 'motion' ? MOTION_COHERENCE : DEFAULT_COHERENCE;
  return { ...base, ...(o.window !== undefined ? { window: o.window } : {}) };
}
