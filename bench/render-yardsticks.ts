// What the render benchmark measures coherence along, kept apart from what renders follow: the
// sample's motion pass (the renderer's true motion, where visible) and, on footage without passes,
// Farnebäck's flow at full resolution (renders follow DIS). Each gives the warping error (Lai et al.
// 2018: squared colour change over visible in-frame pixels) of every consecutive pair. Points that
// were within EDGE_MARGIN px of the previous frame's edge are left out: the look model's outermost
// pixels differ (convolution padding) and stay at the frame's edge, steady to a viewer, but along
// a pan they would count as change.
export const EDGE_MARGIN = 4;
import { readFileSync } from 'node:fs';
import * as E from '../src/engine/index.js';
import { loadImage } from '../src/data/image-io.js';
import { warpErrors, flowsFromFrames, warpByFlow, inFrameMask } from '../src/metrics/index.js';
import { MOTION_PASS, decodeMotionPass } from '../src/render/motion-pass.js';
import { dilate } from '../src/image/index.js';

export interface PairErrors { mean: number; worst: number; worstPair: number; pairs: number[] }

export function summarize(pairs: number[]): PairErrors {
  const ok = pairs.filter((v) => Number.isFinite(v));
  const mean = ok.reduce((a, v) => a + v, 0) / Math.max(1, ok.length);
  const worst = Math.max(...ok);
  return { mean, worst, worstPair: pairs.indexOf(worst) + 1, pairs };
}

/**
 * Most a rough pixel may change (any channel, 0..1) along its motion vector, and its neighbours
 * (1 px) too, to count as still: where the input itself changes along the true motion (a character's
 * shading as it turns, an outline crossing), a render should change too. Stricter than the blend's
 * own test (coherence.ts, 0.1 widened 2 px), so the yardstick does not adopt the renderer's choice.
 */
export const STILL_TOLERANCE = 0.05;

/**
 * Errors of each pair (t-1, t) along the motion pass of frame t, where the renderer saw the point
 * (all); with stillIn (the rough frames), also only where the rough frame holds still along the
 * motion (STILL_TOLERANCE): "hold still what is still", and the part of `all` that comes from the
 * other pixels, where the rough changes (changing: that error summed over them ÷ all visible
 * pixels, so still's share and changing add up to all). A render that follows its input where the
 * input changes keeps that part whatever its blend does. One read of each motion pass for all.
 */
export async function trueMotionErrors(frames: E.Tensor[], shotFrames: { passes: Record<string, { path: string } | undefined> }[], stillIn?: E.Tensor[]): Promise<{ all: number[]; still: number[]; changing: number[] }> {
  const all: number[] = [], still: number[] = [], changing: number[] = [];
  for (let t = 1; t < frames.length; t++) {
    const pass = (await loadImage(shotFrames[t]!.passes[MOTION_PASS]!.path, 3)).tensor;
    const m = decodeMotionPass(pass);
    E.tidy(() => {
      const mask = m.visible.mul(inFrameMask(m.back, EDGE_MARGIN));
      const err = frames[t]!.sub(warpByFlow(frames[t - 1]!, m.back)).square().mean(1, true);
      const masked = (k: E.Tensor) => err.mul(k).sum().item() / Math.max(1, k.sum().item());
      all.push(masked(mask));
      if (stillIn) {
        const change = stillIn[t]!.sub(warpByFlow(stillIn[t - 1]!, m.back)).abs().max(1, true).ge(STILL_TOLERANCE).float();
        const changed = dilate(change, 1);
        still.push(masked(mask.mul(changed.rsub(1))));
        changing.push(err.mul(mask).mul(changed).sum().item() / Math.max(1, mask.sum().item()));
      }
    });
    E.disposeAll([pass, m.back, m.visible]);
  }
  return { all, still, changing };
}

/** Flows of the rough frames by Farnebäck, full size (both directions, for the occlusion check). */
export const independentFlows = (rough: E.Tensor[]) => flowsFromFrames(rough, 'farneback');

/** Errors of each pair along given flows (of the rough frames), occluded and out-of-frame pixels left out. */
export const flowErrors = (frames: E.Tensor[], flows: ReturnType<typeof flowsFromFrames>) => warpErrors(frames, flows, { edgeMargin: EDGE_MARGIN });

/** The peak RSS (VmHWM) of this process, MB. */
export function peakRssMb(): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Math.round((kb ? Number(kb) : process.resourceUsage().maxRSS) / 1024);
}
