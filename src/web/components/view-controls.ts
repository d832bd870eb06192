// Looking closer at a frame: zoom relative to the fitted size (1 = fit; 1:1 = one frame pixel per
// CSS pixel; the wheel with Ctrl/⌘, or any wheel once zoomed in, zooms about the pointer), pan by
// dragging (shift- or middle-drag always; a plain drag when zoomed in, except in the wipe, whose
// drag moves the wipe), and fullscreen for the whole player.
import { useEffect, useRef, useState, type RefObject } from 'react';

export interface ViewControls {
  zoom: number;
  fullscreen: boolean;
  /** The transform of the frame's stage (canvas and drawings move together). */
  stage: { transform: string };
  fit(): void;
  oneToOne(): void;
  zoomBy(factor: number): void;
  toggleFullscreen(): void;
  /** Pointer handlers: true when the event was a pan (the caller's own drag does not run). */
  startPan(e: React.PointerEvent<HTMLElement>, wipeDrag: boolean): boolean;
  movePan(e: React.PointerEvent<HTMLElement>): boolean;
  endPan(): void;
}

export function useViewControls(root: RefObject<HTMLElement | null>, canvas: RefObject<HTMLCanvasElement | null>, screen: RefObject<HTMLElement | null>): ViewControls {
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState<[number, number]>([0, 0]);
  const now = useRef({ zoom, pan });
  now.current = { zoom, pan };
  // The wheel: a listener of our own, since React's is passive and the page must not scroll or zoom
  // under it. At fit a plain wheel still scrolls the page.
  useEffect(() => {
    const el = screen.current;
    if (!el) return;
    const on = (e: WheelEvent) => {
      const { zoom: z, pan: p } = now.current;
      if (!(e.ctrlKey || e.metaKey || z !== 1)) return;
      e.preventDefault();
      const z2 = Math.max(0.25, Math.min(32, z * (e.deltaY < 0 ? 1.25 : 0.8)));
      // Keep the frame point under the pointer where it is: the stage scales about its centre.
      const r = el.getBoundingClientRect();
      const m = [e.clientX - r.left - r.width / 2, e.clientY - r.top - r.height / 2];
      const p2: [number, number] = [m[0]! - (z2 * (m[0]! - p[0])) / z, m[1]! - (z2 * (m[1]! - p[1])) / z];
      // Wheel events can come faster than React renders: the next one must start from this one.
      now.current = { zoom: z2, pan: p2 };
      setPan(p2);
      setZoom(z2);
    };
    el.addEventListener('wheel', on, { passive: false });
    return () => el.removeEventListener('wheel', on);
  }, []);
  const [fullscreen, setFullscreen] = useState(false);
  const panning = useRef<{ x: number; y: number; pan: [number, number] } | null>(null);
  useEffect(() => {
    const on = () => setFullscreen(document.fullscreenElement === root.current);
    document.addEventListener('fullscreenchange', on);
    return () => document.removeEventListener('fullscreenchange', on);
  }, []);
  return {
    zoom, fullscreen,
    stage: { transform: `translate(${pan[0]}px, ${pan[1]}px) scale(${zoom})` },
    fit: () => { setZoom(1); setPan([0, 0]); },
    // The fitted size is the canvas's layout width (transforms do not change it).
    oneToOne: () => { const c = canvas.current; if (c?.clientWidth) { setZoom(c.width / c.clientWidth); setPan([0, 0]); } },
    zoomBy: (f) => setZoom((z) => Math.max(0.25, Math.min(32, z * f))),
    toggleFullscreen: () => {
      if (document.fullscreenElement) void document.exitFullscreen();
      else void root.current?.requestFullscreen().catch(() => undefined);
    },
    startPan: (e, wipeDrag) => {
      if (!(e.button === 1 || e.shiftKey || (e.button === 0 && zoom > 1 && !wipeDrag))) return false;
      e.preventDefault();
      e.currentTarget.setPointerCapture(e.pointerId);
      panning.current = { x: e.clientX, y: e.clientY, pan };
      return true;
    },
    movePan: (e) => {
      const p = panning.current;
      if (!p) return false;
      setPan([p.pan[0] + e.clientX - p.x, p.pan[1] + e.clientY - p.y]);
      return true;
    },
    endPan: () => { panning.current = null; },
  };
}
