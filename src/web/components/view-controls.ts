// Looking closer at a frame: zoom relative to the fitted size (1 = fit; 1:1 = one frame pixel per
// CSS pixel), pan by dragging (shift- or middle-drag always; a plain drag when zoomed in, except in
// the wipe, whose drag moves the wipe), and fullscreen for the whole player.
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

export function useViewControls(root: RefObject<HTMLElement | null>, canvas: RefObject<HTMLCanvasElement | null>): ViewControls {
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState<[number, number]>([0, 0]);
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
