// Drawn annotations: shapes in 0..1 frame coordinates (the server's format, src/server/annotations.ts),
// drawn over the player at their note's frame, and drawn by the reviewer with pen, rectangle,
// ellipse, arrow and text tools before the note is sent.
import { useEffect, useRef, useState } from 'react';

export type Point = [number, number];
export type Shape =
  | { kind: 'pen'; color: string; width: number; points: Point[] }
  | { kind: 'rect' | 'ellipse' | 'arrow'; color: string; width: number; from: Point; to: Point }
  | { kind: 'text'; color: string; size: number; at: Point; text: string };
export interface Drawing { shapes: Shape[] }
export type Tool = 'pen' | 'rect' | 'ellipse' | 'arrow' | 'text';
export interface NoteWithDrawing { id: number; frame: number | null; drawing: Drawing | null }

/** Shapes onto a canvas of w×h pixels; widths and text sizes are given for a 1000-pixel-high frame. */
export function drawShapes(g: CanvasRenderingContext2D, shapes: Shape[], w: number, h: number) {
  const k = h / 1000;
  const px = (p: Point): Point => [p[0] * w, p[1] * h];
  g.save();
  g.lineCap = 'round';
  g.lineJoin = 'round';
  for (const s of shapes) {
    g.strokeStyle = g.fillStyle = s.color;
    if (s.kind === 'text') {
      g.font = `${s.size * k}px sans-serif`;
      g.textBaseline = 'top';
      g.fillText(s.text, ...px(s.at));
      continue;
    }
    g.lineWidth = s.width * k;
    g.beginPath();
    if (s.kind === 'pen') {
      const [first, ...rest] = s.points.map(px);
      if (!first) continue;
      if (!rest.length) { g.arc(first[0], first[1], g.lineWidth / 2, 0, Math.PI * 2); g.fill(); continue; }
      g.moveTo(...first);
      for (const p of rest) g.lineTo(...p);
    } else {
      const [a, b] = [px(s.from), px(s.to)];
      if (s.kind === 'rect') g.rect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]));
      else if (s.kind === 'ellipse') g.ellipse((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, Math.abs(b[0] - a[0]) / 2, Math.abs(b[1] - a[1]) / 2, 0, 0, Math.PI * 2);
      else {
        const len = Math.max(6 * g.lineWidth, 0.03 * h), ang = Math.atan2(b[1] - a[1], b[0] - a[0]);
        g.moveTo(...a); g.lineTo(...b);
        g.moveTo(b[0] - len * Math.cos(ang - 0.45), b[1] - len * Math.sin(ang - 0.45)); g.lineTo(...b);
        g.lineTo(b[0] - len * Math.cos(ang + 0.45), b[1] - len * Math.sin(ang + 0.45));
      }
    }
    g.stroke();
  }
  g.restore();
}

/** What the player, the review panel and the drawing tools share on a shot's page. */
export interface Annotations {
  notes: NoteWithDrawing[]; setNotes: (n: NoteWithDrawing[]) => void;
  /** Drawing mode: the overlay takes the pointer; shapes go into the draft. */
  active: boolean; setActive: (on: boolean) => void;
  draft: Shape[]; draftFrame: number | null; setDraft: (shapes: Shape[], frame: number | null) => void;
  tool: Tool; setTool: (t: Tool) => void;
  color: string; setColor: (c: string) => void;
  text: string; setText: (t: string) => void;
}

export function useAnnotations(): Annotations {
  const [notes, setNotes] = useState<NoteWithDrawing[]>([]);
  const [active, setActive] = useState(false);
  const [draft, setDraftShapes] = useState<Shape[]>([]);
  const [draftFrame, setDraftFrame] = useState<number | null>(null);
  const [tool, setTool] = useState<Tool>('pen');
  const [color, setColor] = useState('#ff3b30');
  const [text, setText] = useState('');
  const setDraft = (shapes: Shape[], frame: number | null) => { setDraftShapes(shapes); setDraftFrame(shapes.length ? frame : null); };
  return { notes, setNotes, active, setActive, draft, draftFrame, setDraft, tool, setTool, color, setColor, text, setText };
}

const PEN_WIDTH = 6, SHAPE_WIDTH = 5, TEXT_SIZE = 48;

/** The drawings of the notes on `frame` and the draft, over the picture; in drawing mode it takes the pointer. */
export function AnnotationLayer({ frame, ann }: { frame: number; ann: Annotations }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const live = useRef<Shape | null>(null);
  const shapes = [...ann.notes.filter((n) => n.frame === frame && n.drawing).flatMap((n) => n.drawing!.shapes), ...(ann.draftFrame === frame ? ann.draft : [])];
  const redraw = () => {
    const c = canvas.current;
    if (!c) return;
    // Drawn at the overlay's own layout size (sharp over a small frame); the layout size, not the
    // zoomed one, so zooming in never allocates a canvas many times the screen.
    const w = Math.max(1, Math.round(c.clientWidth * devicePixelRatio)), h = Math.max(1, Math.round(c.clientHeight * devicePixelRatio));
    if (c.width !== w || c.height !== h) { c.width = w; c.height = h; } // resizing reallocates: only when the size changed
    const g = c.getContext('2d')!;
    g.clearRect(0, 0, c.width, c.height);
    drawShapes(g, live.current ? [...shapes, live.current] : shapes, c.width, c.height);
  };
  useEffect(redraw);
  useEffect(() => {
    const ro = new ResizeObserver(redraw);
    if (canvas.current) ro.observe(canvas.current);
    return () => ro.disconnect();
  }, []);
  const at = (e: React.PointerEvent<HTMLCanvasElement>): Point => {
    const r = e.currentTarget.getBoundingClientRect();
    return [+((e.clientX - r.left) / r.width).toFixed(4), +((e.clientY - r.top) / r.height).toFixed(4)];
  };
  // A draft belongs to one frame: drawing on another frame starts a new draft there.
  const base = () => (ann.draftFrame === frame ? ann.draft : []);
  const down = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!ann.active || e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    const p = at(e);
    if (ann.tool === 'text') {
      if (ann.text.trim()) ann.setDraft([...base(), { kind: 'text', color: ann.color, size: TEXT_SIZE, at: p, text: ann.text.trim() }], frame);
      return;
    }
    e.currentTarget.setPointerCapture(e.pointerId);
    live.current = ann.tool === 'pen' ? { kind: 'pen', color: ann.color, width: PEN_WIDTH, points: [p] } : { kind: ann.tool, color: ann.color, width: SHAPE_WIDTH, from: p, to: p };
    redraw();
  };
  const move = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const s = live.current;
    if (!s) return;
    const p = at(e);
    if (s.kind === 'pen') { if (s.points.length < 2000) s.points.push(p); } else if (s.kind !== 'text') s.to = p;
    redraw();
  };
  const up = () => {
    const s = live.current;
    live.current = null;
    if (s) ann.setDraft([...base(), s], frame);
  };
  return (
    <canvas ref={canvas} className={`annotation-layer ${ann.active ? 'active' : ''}`} data-testid="annotation-layer" data-shapes={shapes.length}
      onPointerDown={down} onPointerMove={move} onPointerUp={up} onPointerCancel={up} />
  );
}

const TOOLS: [Tool, string][] = [['pen', '✎ pen'], ['rect', '▭ rectangle'], ['ellipse', '◯ ellipse'], ['arrow', '➚ arrow'], ['text', 'T text']];
const COLORS = ['#ff3b30', '#ffcc00', '#34c759', '#0a84ff', '#ffffff'];

/** The drawing tools: mode, tool, colour, the text to place, undo and clear. */
export function AnnotationTools({ ann, frame }: { ann: Annotations; frame: number }) {
  return (
    <div className="annotation-tools row" data-testid="annotation-tools">
      <label><input type="checkbox" checked={ann.active} onChange={(e) => ann.setActive(e.target.checked)} data-testid="draw-mode" /> draw on frame {ann.draftFrame ?? frame}</label>
      {ann.active && <>
        {TOOLS.map(([t, label]) => <button key={t} className={ann.tool === t ? 'on' : ''} onClick={() => ann.setTool(t)} data-testid={`tool-${t}`}>{label}</button>)}
        {COLORS.map((c) => <button key={c} className={`swatch ${ann.color === c ? 'on' : ''}`} style={{ background: c }} onClick={() => ann.setColor(c)} title={c} data-testid={`color-${c.slice(1)}`} />)}
        {ann.tool === 'text' && <input placeholder="text, then click the picture" value={ann.text} onChange={(e) => ann.setText(e.target.value)} maxLength={500} data-testid="tool-text-value" />}
      </>}
      {ann.draft.length > 0 && <>
        <span className="muted" data-testid="draft-count">{ann.draft.length} shape{ann.draft.length === 1 ? '' : 's'} on frame {ann.draftFrame}</span>
        <button onClick={() => ann.setDraft(ann.draft.slice(0, -1), ann.draftFrame)} data-testid="draw-undo">undo</button>
        <button onClick={() => ann.setDraft([], null)} data-testid="draw-clear">clear</button>
      </>}
    </div>
  );
}
