// Frames stream around the playhead instead of all being preloaded: a long or 2K shot would hold
// every decoded frame in memory (200 2K frames ≈ 1.7 GB) and wait for all of them. The window
// reaches further ahead than behind (playback goes forward), is as large as a memory budget of
// decoded pixels allows, and frames far outside it are let go (their requests cancelled).
import { useEffect, useRef, useState } from 'react';

/** Decoded RGBA bytes the player may hold for one side (A or B). */
const BUDGET_BYTES = 512 * 1048576;
const MAX_AHEAD = 48, BEHIND = 12;

/** How many frames around the playhead are loaded, for frames of w×h pixels. */
export function windowSize(width: number, height: number): { ahead: number; behind: number } {
  const fit = Math.floor(BUDGET_BYTES / Math.max(1, width * height * 4));
  return { ahead: Math.max(4, Math.min(MAX_AHEAD, fit - BEHIND)), behind: Math.max(2, Math.min(BEHIND, Math.floor(fit / 4))) };
}

export interface FrameWindow {
  /** The loaded image of frame index i (null: not loaded yet, evicted, or no URL). */
  image(i: number): HTMLImageElement | null;
  /** Frame i can be drawn now, or never will be (no URL, or it failed). */
  settled(i: number): boolean;
  /** Indexes whose file could not be loaded (missing on the server). */
  failed: Set<number>;
  /** Changes whenever an image arrives (a drawing dependency). */
  version: number;
  /** Images held now (loaded or on their way). */
  held: number;
}

export function useFrameWindow(urls: (string | null)[], index: number, size: { ahead: number; behind: number }): FrameWindow {
  const cache = useRef(new Map<number, HTMLImageElement>());
  const done = useRef(new Set<number>());
  const [version, setVersion] = useState(0);
  const [failed, setFailed] = useState<Set<number>>(new Set());
  const key = urls.join('|');
  const drop = (i: number) => {
    const img = cache.current.get(i);
    if (img) { img.onload = img.onerror = null; img.removeAttribute('src'); }
    cache.current.delete(i);
    done.current.delete(i);
  };
  // Another list of frames: nothing of the last one is kept.
  useEffect(() => {
    setFailed(new Set());
    return () => { for (const i of [...cache.current.keys()]) drop(i); };
  }, [key]);
  useEffect(() => {
    const lo = Math.max(0, index - size.behind), hi = Math.min(urls.length - 1, index + size.ahead);
    // Let go of frames well outside the window (twice its reach: scrubbing back and forth does not reload).
    for (const i of [...cache.current.keys()]) if (i < index - 2 * size.behind || i > index + 2 * size.ahead) drop(i);
    // Nearest first: the playhead's frame, then ahead, then behind.
    const order = [...Array.from({ length: hi - index + 1 }, (_, k) => index + k), ...Array.from({ length: index - lo }, (_, k) => index - 1 - k)];
    for (const i of order) {
      const u = urls[i];
      if (!u || cache.current.has(i)) continue;
      const img = new Image();
      img.onload = () => { done.current.add(i); setVersion((v) => v + 1); };
      img.onerror = () => { done.current.add(i); setFailed((f) => new Set(f).add(i)); setVersion((v) => v + 1); };
      img.src = u;
      cache.current.set(i, img);
    }
  }, [key, index, size.ahead, size.behind]);
  return {
    image: (i) => (done.current.has(i) ? cache.current.get(i) ?? null : null),
    settled: (i) => !urls[i] || done.current.has(i),
    failed, version, held: cache.current.size,
  };
}
