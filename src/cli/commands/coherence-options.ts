// The render commands' temporal-coherence flags (--no-coherence, --window, --flow), for a local
// render and a farm render alike.
import { DEFAULT_COHERENCE, type CoherenceOptions } from '../../render/coherence.js';

export interface CoherenceFlags { coherence: boolean; window?: number; flow?: string }

export const FLOW_HELP = 'where the blend\'s motion comes from: dis (optical flow on the rough frames) or motion (the shot\'s "motion" render pass; every frame needs one)';

export function coherenceFromFlags(o: CoherenceFlags): CoherenceOptions | null {
  const flow = o.flow ?? 'dis';
  if (flow !== 'dis' && flow !== 'motion') throw new Error(`--flow must be dis or motion, got ${flow}`);
  if (o.window !== undefined && (!Number.isInteger(o.window) || o.window < 0)) throw new Error(`--window must be a whole number of frames >= 0, got ${o.window}`);
  if (!o.coherence) return null;
  return { ...DEFAULT_COHERENCE, ...(o.window !== undefined ? { window: o.window } : {}), ...(flow === 'motion' ? { motion: true } : {}) };
}
