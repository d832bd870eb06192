// Notes and verdicts for a version (or the current frame), and its refine requests.
import { useEffect, useState } from 'react';
import { api, useApi } from '../api';
import { can, useMe } from '../App';
import { AnnotationTools, type Annotations } from './Annotation';
import { LoadError } from './LoadError';

export function ReviewPanel({ shot, versionId, frame, refreshKey, onOpenVersion, onChanged, onSeek, onNoteFrames, ann }: {
  shot: string; versionId: number; frame: number; refreshKey: number; onOpenVersion: (id: number) => void;
  /** A verdict changed: the version menu's labels are reloaded. */
  onChanged?: () => void;
  /** A note on a frame was clicked: the player jumps there. */
  onSeek?: (frame: number) => void;
  /** The frames that have notes (timeline markers). */
  onNoteFrames?: (frames: number[]) => void;
  /** Drawn annotations: the notes' drawings go to the player, the draft goes out with the next note. */
  ann?: Annotations;
}) {
  const me = useMe();
  const base = `/api/shots/${encodeURIComponent(shot)}/versions/${versionId}/reviews`;
  const { data, error: loadError, reload } = useApi<{ notes: any[]; refines: any[] }>(base, [refreshKey]);
  // While a refine job is on its way, look again every 2 s (the SSE stream also triggers reloads).
  // A held request (run: false) has no job: nothing will change until someone starts it.
  const waiting = (data?.refines ?? []).some((r) => r.jobId && (r.status === 'pending' || r.status === 'running'));
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(reload, 2000);
    return () => clearInterval(t);
  }, [waiting]);
  useEffect(() => {
    onNoteFrames?.([...new Set((data?.notes ?? []).filter((n) => n.frame !== null).map((n) => n.frame as number))]);
    ann?.setNotes(data?.notes ?? []);
  }, [data]);
  const draft = ann?.draft.length ? ann.draft : null;
  // A draft drawn on one version never goes out with a note on another.
  useEffect(() => () => ann?.setDraft([], null), [versionId]);
  const [note, setNote] = useState('');
  const [thisFrame, setThisFrame] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const send = async (verdict: string | null) => {
    setError(null);
    try {
      // A drawing is a note on the frame it was drawn on.
      await api(base, { body: { note, verdict, frame: draft ? ann!.draftFrame : thisFrame ? frame : null, ...(draft ? { drawing: { shapes: draft } } : {}) } });
      setNote('');
      if (draft) { ann!.setDraft([], null); ann!.setActive(false); }
      reload();
      if (verdict) onChanged?.();
    } catch (e) { setError((e as Error).message); }
  };
  const start = async (id: number) => {
    setError(null);
    try { await api(`/api/refine-requests/${id}/start`, { method: 'POST' }); reload(); } catch (e) { setError((e as Error).message); }
  };
  const verdict = [...(data?.notes ?? [])].reverse().find((n) => n.verdict && n.frame === null)?.verdict;
  return (
    <section className="review" data-testid="review">
      <h3>Review {verdict && <span className={`badge ${verdict}`} data-testid="verdict">{verdict === 'approved' ? 'approved' : 'needs work'}</span>}</h3>
      <LoadError what="the notes" error={loadError} retry={reload} />
      {ann && can(me, 'artist') && <AnnotationTools ann={ann} frame={frame} />}
      <textarea placeholder={draft ? `Note with the drawing on frame ${ann!.draftFrame}` : thisFrame ? `Note on frame ${frame}` : 'Note on this version'} value={note} onChange={(e) => setNote(e.target.value)} data-testid="note-text" />
      <div className="row">
        <label><input type="checkbox" checked={thisFrame} onChange={(e) => setThisFrame(e.target.checked)} data-testid="note-frame" /> frame {frame} only</label>
        <button onClick={() => send(null)} disabled={(!note.trim() && !draft) || !can(me, 'artist')} data-testid="add-note">{draft ? 'Add note with drawing' : 'Add note'}</button>
        {can(me, 'supervisor') && <>
          <button className="approve" onClick={() => send('approved')} data-testid="approve">Approve</button>
          <button className="needs-work" onClick={() => send('needs_work')} data-testid="needs-work">Needs work</button>
        </>}
      </div>
      {error && <p className="error" data-testid="review-error">{error}</p>}
      <p className="exports">export notes: <a href={base.replace(/reviews$/, 'notes.csv')} download data-testid="export-csv">CSV</a> · <a href={base.replace(/reviews$/, 'notes.pdf')} download data-testid="export-pdf">PDF contact sheet</a></p>
      <ul className="notes" data-testid="notes">
        {(data?.notes ?? []).slice().reverse().map((n) => (
          <li key={n.id} className={n.frame !== null ? 'seekable' : ''} data-testid={n.frame !== null ? 'frame-note' : undefined}
            onClick={n.frame !== null ? () => onSeek?.(n.frame) : undefined} title={n.frame !== null ? `go to frame ${n.frame}` : undefined}>
            {n.verdict && <span className={`badge ${n.verdict}`}>{n.verdict === 'approved' ? 'approved' : 'needs work'}</span>}
            {n.frame !== null && <span className="badge frame">frame {n.frame}</span>}
            {n.drawing && <span className="badge drawn" title="a drawing on the frame" data-testid="note-drawn">✎ {n.drawing.shapes.length}</span>}
            <span className="note-text">{n.note}</span>
            <small>{n.author} ({n.role}) · {new Date(n.createdAt).toLocaleString()}</small>
          </li>
        ))}
      </ul>
      {(data?.refines ?? []).length > 0 && <>
        <h4>Refine requests</h4>
        <ul className="refines" data-testid="refines">
          {data!.refines.slice().reverse().map((r) => (
            <li key={r.id} data-status={r.status}>
              <img src={`/api/refine-requests/${r.id}/mask`} alt="mask" className="mask-thumb" />
              <span className="refine-text">frames {r.range[0]}–{r.range[1]} · <b className={`status ${r.status}`} data-testid="refine-status">{r.status === 'held' ? 'held (not started)' : r.status}</b> {r.params.note && `· ${r.params.note}`}</span>
              {r.status === 'held' && (r.author === me.name || can(me, 'supervisor')) && <button onClick={() => start(r.id)} data-testid="start-refine">start</button>}
              {r.resultVersionId && <button onClick={() => onOpenVersion(r.resultVersionId)} data-testid="open-result">open new version</button>}
              {r.error && <small className="error">{r.error}</small>}
            </li>
          ))}
        </ul>
      </>}
    </section>
  );
}
