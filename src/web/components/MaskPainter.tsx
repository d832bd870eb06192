// Paint a mask over a frame (white = re-render here) and send it as a refine request: the frame
// range it applies to, the feather of its edge, and a note.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api';

export function MaskPainter({ shot, versionId, frame, frames, imageUrl, width, height, onDone, onCancel }: {
  shot: string; versionId: number; frame: number; frames: number[]; imageUrl: string; width: number; height: number;
  onDone: () => void; onCancel: () => void;
}) {
  const mask = useRef<HTMLCanvasElement>(null);
  // The mask is painted at the rendered frame's own size (the server accepts no other), which may
  // differ from the shot's rough frames (an upscaled render): taken from the image once it loads.
  const [size, setSize] = useState({ w: width, h: height });
  ({ w: width, h: height } = size);
  const [brush, setBrush] = useState(Math.max(4, Math.round(width / 16)));
  const [erase, setErase] = useState(false);
  const [start, setStart] = useState(frame);
  const [end, setEnd] = useState(frame);
  const [feather, setFeather] = useState(4);
  const [note, setNote] = useState('');
  const [painted, setPainted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const last = useRef<[number, number] | null>(null);

  useEffect(() => {
    const g = mask.current!.getContext('2d')!;
    g.fillStyle = '#000';
    g.fillRect(0, 0, width, height);
  }, [width, height]);

  const paint = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!(e.buttons & 1)) { last.current = null; return; }
    const c = e.currentTarget, r = c.getBoundingClientRect();
    const x = ((e.clientX - r.left) / r.width) * width, y = ((e.clientY - r.top) / r.height) * height;
    const g = c.getContext('2d')!;
    g.strokeStyle = g.fillStyle = erase ? '#000' : '#fff';
    g.lineWidth = brush;
    g.lineCap = 'round';
    g.beginPath();
    const [px, py] = last.current ?? [x, y];
    g.moveTo(px, py);
    g.lineTo(x, y);
    g.stroke();
    last.current = [x, y];
    if (!erase) setPainted(true);
  };

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const maskPng = mask.current!.toDataURL('image/png');
      await api(`/api/shots/${encodeURIComponent(shot)}/versions/${versionId}/refine`, { body: { frame, frameStart: start, frameEnd: end, feather, note, maskPng } });
      onDone();
    } catch (e) { setError((e as Error).message); } finally { setBusy(false); }
  };

  return (
    <div className="mask-painter" data-testid="mask-painter">
      <h3>Ask for a local re-render — frame {frame}</h3>
      <div className="mask-stage" style={{ aspectRatio: `${width} / ${height}` }}>
        <img src={imageUrl} alt="" draggable={false} onLoad={(e) => { const i = e.currentTarget; if (i.naturalWidth && (i.naturalWidth !== size.w || i.naturalHeight !== size.h)) { setSize({ w: i.naturalWidth, h: i.naturalHeight }); setPainted(false); } }} />
        <canvas ref={mask} width={width} height={height} data-testid="mask-canvas"
          onPointerDown={(e) => { e.currentTarget.setPointerCapture(e.pointerId); last.current = null; paint(e); }} onPointerMove={paint} onPointerUp={() => { last.current = null; }} />
      </div>
      <div className="row">
        <label>brush <input type="range" min={2} max={Math.max(8, Math.round(width / 4))} value={brush} onChange={(e) => setBrush(Number(e.target.value))} data-testid="mask-brush" /></label>
        <label><input type="checkbox" checked={erase} onChange={(e) => setErase(e.target.checked)} /> erase</label>
        <button onClick={() => { const g = mask.current!.getContext('2d')!; g.fillStyle = '#000'; g.fillRect(0, 0, width, height); setPainted(false); }}>clear</button>
      </div>
      <div className="row">
        <label>frames <select value={start} onChange={(e) => setStart(Number(e.target.value))} data-testid="mask-start">{frames.filter((f) => f <= frame).map((f) => <option key={f}>{f}</option>)}</select></label>
        <label>to <select value={end} onChange={(e) => setEnd(Number(e.target.value))} data-testid="mask-end">{frames.filter((f) => f >= frame).map((f) => <option key={f}>{f}</option>)}</select></label>
        <label>feather <input type="number" min={0} max={64} value={feather} onChange={(e) => setFeather(Number(e.target.value))} style={{ width: '4em' }} /> px</label>
      </div>
      <textarea placeholder="What should change here?" value={note} onChange={(e) => setNote(e.target.value)} data-testid="mask-note" />
      <div className="row">
        <button className="primary" disabled={!painted || busy} onClick={submit} data-testid="mask-submit">Request re-render</button>
        <button onClick={onCancel}>Cancel</button>
        {error && <span className="error">{error}</span>}
      </div>
    </div>
  );
}
