// A frame-accurate player: every frame is an image drawn on a canvas, so "frame N" is exactly
// frame N. Frames stream in a window around the playhead (frame-window.ts); playback waits for a
// frame that has not arrived rather than skip it. Play / pause, step, scrub, loop an in-out range;
// A (the rough frames, or another version) against B (the version) as a wipe, side by side, their
// difference, or either alone. Zoom, pan and fullscreen (view-controls.ts); exposure and display
// transform on the shown pixels (grade.ts). Keys anywhere on the page (outside text fields): space
// play/pause, J/K/L play back/stop/play, ←/→ step, Home/End first/last frame, I/O set in/out,
// +/−/0 zoom, F fullscreen.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useFrameWindow, windowSize } from './frame-window';
import { useViewControls } from './view-controls';
import { applyGrade, gradeLut, useDisplays, type Display } from './grade';

export interface PlayerFrame { frame: number; rough: string | null; final: string | null }
/** 'rough' and 'final' show side A or side B alone (A is the rough frames unless another version is compared). */
export type ViewMode = 'wipe' | 'side' | 'diff' | 'rough' | 'final';

/** |A − B| per channel, ×gain, into g (both drawn at the canvas's size first). */
function drawDifference(g: CanvasRenderingContext2D, a: HTMLImageElement, b: HTMLImageElement, w: number, h: number, gain: number) {
  const scratch = document.createElement('canvas');
  scratch.width = w; scratch.height = h;
  const s = scratch.getContext('2d', { willReadFrequently: true })!;
  s.drawImage(a, 0, 0, w, h);
  const pa = s.getImageData(0, 0, w, h);
  s.drawImage(b, 0, 0, w, h);
  const pb = s.getImageData(0, 0, w, h);
  const out = g.createImageData(w, h);
  for (let i = 0; i < pa.data.length; i += 4) {
    for (let c = 0; c < 3; c++) out.data[i + c] = Math.min(255, Math.abs(pa.data[i + c]! - pb.data[i + c]!) * gain);
    out.data[i + 3] = 255;
  }
  g.putImageData(out, 0, 0);
}

/** A frame drawn whole into w×h, centred with bars when its shape differs (a playlist's shots
 *  need not share one); frames of the canvas's shape (or within 1 % of it) fill it. */
function drawFit(g: CanvasRenderingContext2D, im: HTMLImageElement, w: number, h: number) {
  const k = Math.min(w / im.naturalWidth, h / im.naturalHeight);
  const dw = im.naturalWidth * k, dh = im.naturalHeight * k;
  if (dw >= w * 0.99 && dh >= h * 0.99) g.drawImage(im, 0, 0, w, h);
  else g.drawImage(im, (w - dw) / 2, (h - dh) / 2, dw, dh);
}

/** A frame that is not there says so on the canvas, instead of a black frame that looks rendered. */
function drawMissing(g: CanvasRenderingContext2D, x: number, w: number, h: number, text: string) {
  g.fillStyle = '#3a1515';
  g.fillRect(x, 0, w, h);
  g.fillStyle = '#ff8080';
  g.font = `${Math.max(8, Math.round(h / 10))}px system-ui, sans-serif`;
  g.textAlign = 'center';
  g.fillText(text, x + w / 2, h / 2);
}

/** hh:mm:ss:ff of a frame number at a frame rate (counting from 00:00:00:00). */
export function timecode(frame: number, fps: number): string {
  const f = Math.max(0, Math.round(frame)), r = Math.max(1, Math.round(fps));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(f / (r * 3600)))}:${p(Math.floor(f / (r * 60)) % 60)}:${p(Math.floor(f / r) % 60)}:${p(f % r)}`;
}

/** The timecode of `frame` in a shot whose range starts at `rangeStart` with the start timecode
 *  `start` (HH:MM:SS:FF, ';' before FF for drop frame, kept as text; counted non-drop as the server
 *  does); without a start timecode, the frame number counted from zero. */
export function shotTimecode(frame: number, fps: number, start: string | null | undefined, rangeStart: number): string {
  const m = start ? /^(\d{2}):(\d{2}):(\d{2})([:;])(\d{2})$/.exec(start) : null;
  if (!m) return timecode(frame, fps);
  const r = Math.max(1, Math.round(fps)), day = 24 * 3600 * r;
  const total = ((((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * r + Number(m[5]) + frame - rangeStart) % day + day) % day;
  return timecode(total, fps).replace(/:(\d{2})$/, `${m[4]}$1`);
}

const typing = (t: EventTarget | null) => {
  const el = t as HTMLElement | null;
  if (!el) return false;
  if (el.tagName === 'INPUT') return (el as HTMLInputElement).type !== 'range' && (el as HTMLInputElement).type !== 'checkbox';
  return el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
};

export function Player({ frames, fps, width, height, onFrame, onIndex, overlay, labels = ['rough', 'final'], seekTo, markers = [], initialMode, timecodeOf, burnInLabel, fpsOf }: {
  frames: PlayerFrame[]; fps: number; width: number; height: number;
  onFrame?: (frame: number) => void;
  /** The position in `frames` (a playlist plays several shots' frames, whose numbers repeat). */
  onIndex?: (index: number) => void;
  overlay?: (frame: number) => React.ReactNode;
  /** Names of side A (frames[].rough) and side B (frames[].final). */
  labels?: [string, string];
  /** Jump to a frame (a new object each time, e.g. a note clicked). */
  seekTo?: { frame: number } | null;
  /** Frames marked on the timeline (frames with notes). */
  markers?: number[];
  /** The view to start in (default: the wipe when there are B frames). */
  initialMode?: ViewMode;
  /** The timecode of the frame at an index (default: its number counted from 00:00:00:00). */
  timecodeOf?: (index: number) => string;
  /** Text burnt in before the frame number (a playlist names the shot). */
  burnInLabel?: (index: number) => string;
  /** The frame rate at an index, when it changes along the frames (a playlist of shots); default fps. */
  fpsOf?: (index: number) => number;
}) {
  const tcOf = (i: number) => (timecodeOf ? timecodeOf(i) : frames[i] ? timecode(frames[i]!.frame, fps) : '');
  const [dir, setDir] = useState(1);
  const [burnIn, setBurnIn] = useState(false);
  const [gain, setGain] = useState(1);
  const [index, setIndex] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [mode, setMode] = useState<ViewMode>(initialMode ?? (frames.some((f) => f.final) ? 'wipe' : 'rough'));
  const [exposure, setExposure] = useState(0);
  const [display, setDisplay] = useState<Display>('srgb');
  const displays = useDisplays(display);
  const root = useRef<HTMLDivElement>(null);
  const [wipe, setWipe] = useState(0.5);
  const [inPoint, setIn] = useState(0);
  const [outPoint, setOut] = useState(frames.length - 1);
  const [loop, setLoop] = useState(true);
  const reach = useMemo(() => windowSize(width, height), [width, height]);
  const roughUrls = useMemo(() => frames.map((f) => f.rough), [frames]);
  const finalUrls = useMemo(() => frames.map((f) => f.final), [frames]);
  const rough = useFrameWindow(roughUrls, index, reach);
  const final = useFrameWindow(finalUrls, index, reach);
  const [buffering, setBuffering] = useState(false);
  // Whether frame i can be shown in this view (playback waits for it otherwise).
  const ready = useRef<(i: number) => boolean>(() => true);
  ready.current = (i) => (mode === 'final' || rough.settled(i)) && (mode === 'rough' || final.settled(i));
  const canvas = useRef<HTMLCanvasElement>(null);
  const canvasB = useRef<HTMLCanvasElement>(null);
  const screen = useRef<HTMLDivElement>(null);
  const view = useViewControls(root, canvas, screen);
  const { zoom, fullscreen, stage } = view;
  const rate = useRef(fpsOf);
  rate.current = fpsOf;
  const state = useRef({ index, inPoint, outPoint, loop, dir });
  state.current = { index, inPoint, outPoint, loop, dir };
  useEffect(() => {
    if (!seekTo) return;
    const i = frames.findIndex((f) => f.frame === seekTo.frame);
    if (i >= 0) { setPlaying(false); setIndex(i); }
  }, [seekTo]);

  useEffect(() => { setIndex(0); setIn(0); setOut(frames.length - 1); setPlaying(false); }, [frames.length, frames[0]?.frame]);
  useEffect(() => { if (frames[index]) onFrame?.(frames[index]!.frame); onIndex?.(index); }, [index, frames]);

  // Drawing: the wipe shows rough left of the line, final right of it.
  const draw = useCallback(() => {
    const c = canvas.current;
    if (!c) return;
    const g = c.getContext('2d')!;
    const r = rough.image(index), f = final.image(index);
    g.fillStyle = '#111';
    g.fillRect(0, 0, c.width, c.height);
    const ok = (im: HTMLImageElement | null | undefined): im is HTMLImageElement => !!im && im.complete && im.naturalWidth > 0;
    const roughGone = rough.failed.has(index), finalGone = final.failed.has(index);
    if (mode === 'rough' || mode === 'side') { if (ok(r)) drawFit(g, r, c.width, c.height); else if (roughGone) drawMissing(g, 0, c.width, c.height, 'rough frame missing'); }
    else if (mode === 'final') { if (ok(f)) drawFit(g, f, c.width, c.height); else if (finalGone) drawMissing(g, 0, c.width, c.height, 'final frame missing'); }
    else if (mode === 'diff') {
      if (ok(r) && ok(f)) drawDifference(g, r, f, c.width, c.height, gain);
      else if (roughGone || finalGone) drawMissing(g, 0, c.width, c.height, `${roughGone ? labels[0] : labels[1]} frame missing`);
    }
    else {
      const x = Math.round(wipe * c.width);
      if (ok(f)) g.drawImage(f, 0, 0, c.width, c.height); else if (finalGone) drawMissing(g, x, c.width - x, c.height, 'final missing');
      if (ok(r)) g.drawImage(r, 0, 0, r.naturalWidth * wipe, r.naturalHeight, 0, 0, x, c.height); else if (roughGone) drawMissing(g, 0, x, c.height, 'rough missing');
      g.fillStyle = '#fff';
      g.fillRect(x - 1, 0, 2, c.height);
    }
    const lut = gradeLut(exposure, display);
    applyGrade(g, c.width, c.height, lut, displays.cube);
    if (burnIn && frames[index]) {
      const text = `${burnInLabel ? `${burnInLabel(index)}  ` : ''}${frames[index]!.frame}  ${tcOf(index)}`;
      const size = Math.max(8, Math.round(c.height / 14));
      g.font = `${size}px ui-monospace, monospace`;
      g.textAlign = 'left';
      g.fillStyle = '#000a';
      g.fillRect(0, c.height - size * 1.5, g.measureText(text).width + size, size * 1.5);
      g.fillStyle = '#fff';
      g.fillText(text, size / 2, c.height - size * 0.4);
    }
    const b = canvasB.current;
    if (b && mode === 'side') {
      const gb = b.getContext('2d')!;
      gb.fillStyle = '#111';
      gb.fillRect(0, 0, b.width, b.height);
      if (ok(f)) drawFit(gb, f, b.width, b.height); else if (finalGone) drawMissing(gb, 0, b.width, b.height, 'final frame missing');
      applyGrade(gb, b.width, b.height, lut, displays.cube);
    }
  }, [index, mode, wipe, gain, burnIn, exposure, display, displays.cube, fps, frames, rough.version, final.version, rough.failed, final.failed]);
  useEffect(draw, [draw]);

  // Playback at the shot's frame rate, frame by frame (frames are never skipped while loaded).
  useEffect(() => {
    if (!playing) return;
    let raf = 0;
    let last = performance.now();
    let acc = 0;
    const tick = (now: number) => {
      acc += now - last;
      last = now;
      const step = 1000 / (rate.current?.(state.current.index) || fps);
      if (acc >= step) {
        acc = Math.min(acc - step, step);
        const s = state.current;
        let next = s.index + s.dir;
        const end = s.loop ? s.outPoint : frames.length - 1, start = s.loop ? s.inPoint : 0;
        if (next > end || next < start) {
          if (s.loop) next = s.dir > 0 ? s.inPoint : s.outPoint;
          else { setPlaying(false); return; }
        }
        // A frame still on its way: wait for it (the clock does not run ahead meanwhile).
        if (!ready.current(next)) { setBuffering(true); acc = 0; } else { setBuffering(false); setIndex(next); }
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => { cancelAnimationFrame(raf); setBuffering(false); };
  }, [playing, fps, frames.length]);

  const step = (d: number) => { setPlaying(false); setIndex((i) => Math.max(0, Math.min(frames.length - 1, i + d))); };
  // Keys on the whole page, as in RV and every review tool: no need to click the player first.
  const keys = useRef<(e: KeyboardEvent) => void>(() => undefined);
  keys.current = (e: KeyboardEvent) => {
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('.modal')) return;
    const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const play = (d: number) => { setDir(d); setPlaying(true); };
    if (k === ' ') { e.preventDefault(); setDir(1); setPlaying((p) => !p); }
    else if (k === 'ArrowRight') { e.preventDefault(); step(1); }
    else if (k === 'ArrowLeft') { e.preventDefault(); step(-1); }
    else if (k === 'Home') { e.preventDefault(); setPlaying(false); setIndex(0); }
    else if (k === 'End') { e.preventDefault(); setPlaying(false); setIndex(frames.length - 1); }
    else if (k === 'j') play(-1);
    else if (k === 'k') setPlaying(false);
    else if (k === 'l') play(1);
    else if (k === 'i') setIn(Math.min(index, outPoint));
    else if (k === 'o') setOut(Math.max(index, inPoint));
    else if (k === '+' || k === '=') view.zoomBy(2);
    else if (k === '-') view.zoomBy(0.5);
    else if (k === '0') view.fit();
    else if (k === 'f') view.toggleFullscreen();
  };
  useEffect(() => {
    const on = (e: KeyboardEvent) => keys.current(e);
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, []);
  const setWipeFrom = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (mode !== 'wipe' || !(e.buttons & 1) || e.shiftKey) return;
    const r = e.currentTarget.getBoundingClientRect();
    setWipe(Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)));
  };
  const cur = frames[index];
  // Loaded: every frame of the window around the playhead has arrived (or is known to be missing).
  let allLoaded = true;
  for (let i = Math.max(0, index - reach.behind); i <= Math.min(frames.length - 1, index + reach.ahead); i++) if (!rough.settled(i) || !final.settled(i)) { allLoaded = false; break; }

  return (
    <div ref={root} className="player" tabIndex={0} data-testid="player" data-frame={cur?.frame ?? ''} data-index={index} data-zoom={zoom.toFixed(3)} data-exposure={exposure} data-display={display} data-display-ready={!display.startsWith('ocio:') || displays.cube ? '1' : '0'} data-fullscreen={fullscreen ? '1' : '0'}
      data-playing={playing ? '1' : '0'} data-mode={mode} data-wipe={wipe.toFixed(3)} data-in={frames[inPoint]?.frame} data-out={frames[outPoint]?.frame} data-loaded={allLoaded ? '1' : '0'} data-dir={dir} data-buffering={buffering ? '1' : '0'} data-held={rough.held + final.held}>
      <div className={`screens ${mode === 'side' ? 'side' : ''}`}>
        <div className="screen" ref={screen}>
          <div className="stage" style={stage}>
            <canvas ref={canvas} width={width} height={height} data-testid="player-canvas"
              onPointerDown={(e) => { if (!view.startPan(e, mode === 'wipe')) setWipeFrom(e); }} onPointerMove={(e) => { if (!view.movePan(e)) setWipeFrom(e); }}
              onPointerUp={view.endPan} onAuxClick={(e) => e.preventDefault()} />
            {overlay && cur && overlay(cur.frame)}
          </div>
          {mode === 'side' && <span className="tag" data-testid="label-a">{labels[0]}</span>}
          {mode === 'wipe' && <><span className="tag" data-testid="label-a">{labels[0]}</span><span className="tag right" data-testid="label-b">{labels[1]}</span></>}
          {mode === 'diff' && <span className="tag">|{labels[0]} − {labels[1]}|{gain > 1 ? ` ×${gain}` : ''}</span>}
        </div>
        {mode === 'side' && <div className="screen"><div className="stage" style={stage}><canvas ref={canvasB} width={width} height={height} data-testid="player-canvas-b" /></div><span className="tag" data-testid="label-b">{labels[1]}</span></div>}
      </div>
      <div className="transport">
        <button onClick={() => { setPlaying(false); setIndex(inPoint); }} title="to in point">«</button>
        <button onClick={() => step(-1)} data-testid="step-back" title="previous frame (←)">◀︎|</button>
        <button onClick={() => setPlaying((p) => !p)} data-testid="play" title="play / pause (space)">{playing ? '❚❚' : '▶'}</button>
        <button onClick={() => step(1)} data-testid="step-forward" title="next frame (→)">|▶︎</button>
        <button onClick={() => { setPlaying(false); setIndex(outPoint); }} title="to out point">»</button>
        <span className="counter" data-testid="frame-counter">frame {cur?.frame} <small>({index + 1}/{frames.length}) <span data-testid="timecode">{cur ? tcOf(index) : ''}</span></small></span>
        <label title="frame number and timecode drawn on the picture"><input type="checkbox" checked={burnIn} onChange={(e) => setBurnIn(e.target.checked)} data-testid="burn-in" /> burn-in</label>
        <button onClick={() => setIn(Math.min(index, outPoint))} data-testid="set-in" title="set in point (I)">in</button>
        <button onClick={() => setOut(Math.max(index, inPoint))} data-testid="set-out" title="set out point (O)">out</button>
        <label><input type="checkbox" checked={loop} onChange={(e) => setLoop(e.target.checked)} data-testid="loop" /> loop {frames[inPoint]?.frame}–{frames[outPoint]?.frame}</label>
        <select value={mode} onChange={(e) => setMode(e.target.value as ViewMode)} data-testid="view-mode">
          <option value="wipe">A/B wipe</option>
          <option value="side">side by side</option>
          <option value="diff">difference</option>
          <option value="rough">A: {labels[0]}</option>
          <option value="final">B: {labels[1]}</option>
        </select>
        {mode === 'diff' && <label>gain <select value={gain} onChange={(e) => setGain(Number(e.target.value))} data-testid="diff-gain">{[1, 4, 16].map((x) => <option key={x} value={x}>×{x}</option>)}</select></label>}
        {mode === 'wipe' && <input type="range" min={0} max={1} step={0.01} value={wipe} onChange={(e) => setWipe(Number(e.target.value))} data-testid="wipe" title="wipe position" />}
      </div>
      <div className="transport view">
        <button onClick={view.fit} data-testid="zoom-fit" title="fit the frame to the player (0)">fit</button>
        <button onClick={view.oneToOne} data-testid="zoom-1to1" title="one frame pixel per screen pixel">1:1</button>
        <button onClick={() => view.zoomBy(0.5)} data-testid="zoom-out" title="zoom out (-)">−</button>
        <button onClick={() => view.zoomBy(2)} data-testid="zoom-in" title="zoom in (+); drag to pan when zoomed in, shift-drag in the wipe">+</button>
        <span className="muted">{Math.round(zoom * 100)}% of fit</span>
        <button onClick={view.toggleFullscreen} data-testid="fullscreen" title="fullscreen (F; Esc leaves)">{fullscreen ? 'leave fullscreen' : '⛶ fullscreen'}</button>
        <label title="exposure in stops, applied in linear light to the displayed pixels">exposure <input type="range" min={-4} max={4} step={0.5} value={exposure} onChange={(e) => setExposure(Number(e.target.value))} data-testid="exposure" /> {exposure > 0 ? '+' : ''}{exposure} EV</label>
        {exposure !== 0 && <button onClick={() => setExposure(0)} data-testid="exposure-reset">0 EV</button>}
        <label>display <select value={display} onChange={(e) => setDisplay(e.target.value as Display)} data-testid="display">{displays.choices.map(([d, label]) => <option key={d} value={d}>{label}</option>)}</select></label>
        {displays.error && <span className="error" data-testid="display-error">{displays.error}</span>}
      </div>
      {(rough.failed.size > 0 || final.failed.size > 0) && (
        <div className="frame-missing" data-testid="frames-missing">
          {describeMissing(frames, rough.failed, 'rough')}{rough.failed.size && final.failed.size ? '; ' : ''}{describeMissing(frames, final.failed, 'final')}
          {(rough.failed.has(index) || final.failed.has(index)) && <b> — this frame is one of them</b>}
        </div>
      )}
      <div className="timeline">
        {markers.map((m) => {
          const i = frames.findIndex((f) => f.frame === m);
          return i < 0 ? null : <div key={m} className="note-marker" data-testid="note-marker" data-frame={m} title={`notes on frame ${m}`} style={{ left: `${(i / Math.max(1, frames.length - 1)) * 100}%` }} />;
        })}
        <div className="range-mark" style={{ left: `${(inPoint / Math.max(1, frames.length - 1)) * 100}%`, width: `${((outPoint - inPoint) / Math.max(1, frames.length - 1)) * 100}%` }} />
        <input type="range" min={0} max={frames.length - 1} step={1} value={index} onChange={(e) => { setPlaying(false); setIndex(Number(e.target.value)); }} data-testid="scrub" />
      </div>
    </div>
  );
}

function describeMissing(frames: PlayerFrame[], failed: Set<number>, what: string): string {
  if (!failed.size) return '';
  const list = [...failed].sort((a, b) => a - b).map((i) => frames[i]?.frame);
  return `${failed.size} ${what} frame${failed.size === 1 ? '' : 's'} could not be loaded (missing on the server): ${list.slice(0, 12).join(', ')}${list.length > 12 ? ', …' : ''}`;
}
