// The render commands' temporal-coherence flags (--no-coherence, --window, --flow), for a local
// render and a farm render alike.
import type { CoherenceChoice } from '../../render/coherence.js';

export interface CoherenceFlags { coherence: boolean; window?: number; flow?: string }

export const FLOW_HELP = 'where the blend\'s motion comes from: dis (optical flow on the rough frames), motion (the shot\'s "motion" render pass; every frame needs one); default: motion when every frame has one, else dis';

/** null: --no-coherence; else the choice the render resolves on the shot (what is left out, its default). */
export function coherenceFromFlags(o: CoherenceFlags): CoherenceChoice | null {
  if (o.flow !== undefined && o.flow !== 'dis' && o.flow !== 'motion') throw new Error(`--flow must be dis or motion, got ${o.flow}`);
  if (o.window !== undefined && (!Number.isInteger(o.window) || o.window < 0)) throw new Error(`--window must be a whole number of frames >= 0, got ${o.window}`);
  if (!o.coherence) return null;
  return { ...(o.flow !== undefined ? { flow: o.flow } : {}), ...(o.window !== undefined ? { window: o.window } : {}) };
}
