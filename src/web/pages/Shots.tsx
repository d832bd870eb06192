// Shots: pick a shot and a version; the player (rough vs final), the per-frame temporal-coherence
// error under the timeline, review notes and verdicts, and mask-painted refine requests.
import { useEffect, useMemo, useState } from 'react';
import { useApi, useJobs } from '../api';
import { can, useMe } from '../App';
import { Player, shotTimecode, type PlayerFrame } from '../components/Player';
import { LinePlot } from '../components/LinePlot';
import { ReviewPanel } from '../components/ReviewPanel';
import { MaskPainter } from '../components/MaskPainter';
import { AnnotationLayer, useAnnotations } from '../components/Annotation';
import { redirect } from '../route';
import { LoadError } from '../components/LoadError';

const go = (shot: string, version?: number) => { location.hash = `#/shots/${encodeURIComponent(shot)}${version ? `/${version}` : ''}`; };

export function ShotsPage({ shot, version }: { shot: string | null; version: number | null }) {
  const jobs = useJobs();
  const { data: list, error, reload } = useApi<{ shots: any[] }>('/api/shots', [jobs.finished]);
  useEffect(() => { if (!shot && list?.shots.length) redirect(['shots'], ['shots', list.shots[0].name]); }, [shot, list]);
  return (
    <div className="split">
      <aside className="side-list">
        <h2>Shots</h2>
        <ul>
          {(list?.shots ?? []).map((s) => (
            <li key={s.name} className={s.name === shot ? 'active' : ''}>
              <a href={`#/shots/${encodeURIComponent(s.name)}`} data-testid={`shot-${s.name}`}>{s.name}</a>
              <small>{s.frames} frames · {s.versions} version{s.versions === 1 ? '' : 's'}</small>
            </li>
          ))}
        </ul>
        <LoadError what="the shots" error={error} retry={reload} />
      </aside>
      {/* Keyed by shot: nothing of one shot (versions, frame, mask) carries over to the next. */}
      <section className="content">{shot && <ShotView key={shot} name={shot} version={version} jobsFinished={jobs.finished} />}</section>
    </div>
  );
}

/** What side A of the player shows: '' the rough frames, 'v:<id>' another version of this shot,
 *  's:<shot>' another shot's newest version (frame by frame in order). */
function useCompare(name: string, compare: string) {
  const other = compare.startsWith('s:') ? compare.slice(2) : null;
  const { data: otherShot } = useApi<any>(other ? `/api/shots/${encodeURIComponent(other)}` : null);
  const otherVersion = otherShot?.versions?.at(-1) ?? null;
  const path = compare.startsWith('v:') ? `/api/shots/${encodeURIComponent(name)}/versions/${compare.slice(2)}`
    : other && otherVersion ? `/api/shots/${encodeURIComponent(other)}/versions/${otherVersion.id}` : null;
  const { data: v } = useApi<any>(path);
  return { other, v, otherVersion, none: !!other && !!otherShot && !otherVersion };
}

function ShotView({ name, version, jobsFinished }: { name: string; version: number | null; jobsFinished: number }) {
  const me = useMe();
  const { data: shotList } = useApi<{ shots: any[] }>('/api/shots');
  const [compare, setCompare] = useState('');
  const [seekTo, setSeekTo] = useState<{ frame: number } | null>(null);
  const [noteFrames, setNoteFrames] = useState<number[]>([]);
  const ann = useAnnotations();
  const cmp = useCompare(name, compare);
  const { data: loaded, error, reload: reloadShot } = useApi<any>(`/api/shots/${encodeURIComponent(name)}`, [jobsFinished]);
  const shot = loaded?.name === name ? loaded : null;
  const versions: any[] = shot?.versions ?? [];
  const vid = version ?? versions.at(-1)?.id ?? null;
  const { data: v, error: versionError } = useApi<any>(vid ? `/api/shots/${encodeURIComponent(name)}/versions/${vid}` : null, [jobsFinished]);
  const known = vid !== null && versions.some((x) => x.id === vid);
  // Pin the version in the address, so a version that arrives later does not switch the view; only
  // ever with this shot's own versions.
  useEffect(() => { if (shot && !version && versions.length) redirect(['shots', name], ['shots', name, String(versions.at(-1).id)], { replace: true }); }, [shot, version, versions.length, name]);
  const [frame, setFrame] = useState<number>(0);
  const [masking, setMasking] = useState(false);
  const [refresh, setRefresh] = useState(0);
  useEffect(() => setRefresh((r) => r + 1), [jobsFinished]);

  const frames: PlayerFrame[] = useMemo(() => {
    if (!shot) return [];
    const byFrame = new Map<number, number>((v?.frames ?? []).map((f: any) => [f.frame, f.renderId]));
    const fs = v ? shot.frames.filter((f: any) => byFrame.has(f.frame)) : shot.frames;
    // Side A: the same frame of another version of this shot, or the i-th frame of another shot's version.
    const a = cmp.v ? (cmp.other ? null : new Map<number, number>(cmp.v.frames.map((f: any) => [f.frame, f.renderId]))) : null;
    return fs.map((f: any, i: number) => {
      const aId = !cmp.v ? null : a ? a.get(f.frame) : cmp.v.frames[i]?.renderId;
      return {
        frame: f.frame,
        rough: compare ? (aId ? `/api/renders/${aId}/file` : null) : f.rough ? `/api/assets/${f.rough}/view` : null,
        final: byFrame.has(f.frame) ? `/api/renders/${byFrame.get(f.frame)}/file` : null,
      };
    });
  }, [shot, v, compare, cmp.v, cmp.other]);

  if (error) return <p className="error" data-testid="shot-error">{error}</p>;
  if (!shot) return <p>Loading…</p>;
  const label = (x: any) => [
    `v${x.number}`, x.quality, `model #${x.modelVersion}`,
    x.status === 'incomplete' ? `incomplete (${x.frames} of ${x.expectedFrames ?? '?'} frames)` : x.status === 'rendering' ? 'rendering' : null,
    x.refine ? `refine of v${x.refine.fromNumber ?? '?'}` : null,
    x.verdict ? (x.verdict === 'approved' ? 'approved' : 'needs work') : null,
  ].filter(Boolean).join(' · ');
  const chosen = versions.find((x) => x.id === vid);
  const aLabel = !compare ? 'rough' : cmp.other ? `${cmp.other} v${cmp.otherVersion?.number ?? '?'}` : `v${versions.find((x) => `v:${x.id}` === compare)?.number ?? '?'}`;
  const bLabel = chosen ? `v${chosen.number}` : 'final';
  const coherence: [number, number][] = v?.coherence ? Object.entries(v.coherence).map(([k, val]) => [Number(k), val as number] as [number, number]).sort((a, b) => a[0] - b[0]) : [];
  const current = frames.find((f) => f.frame === frame);
  const w = shot.width ?? 256, h = shot.height ?? 256;
  return (
    <div className="shot-view" data-testid="shot-view">
      <div className="row head">
        <h2>{shot.name}</h2>
        <span>{shot.range[0]}–{shot.range[1]} @ {shot.fps} fps · {w}×{h}</span>
        <label>version{' '}
          <select value={vid ?? ''} onChange={(e) => go(name, Number(e.target.value))} data-testid="version-select">
            {vid !== null && !known && <option value={vid}>no version {vid}</option>}
            {versions.map((x) => <option key={x.id} value={x.id}>{label(x)}</option>)}
          </select>
        </label>
        {chosen && <span className="muted" data-testid="version-folder" title="the version's folder on disk">folder {chosen.folder}</span>}
        {!versions.length && <span className="muted">no rendered versions yet — start a render on the Jobs page</span>}
        {versions.length > 0 && (
          <label title="what the player's side A shows against this version">against{' '}
            <select value={compare} onChange={(e) => setCompare(e.target.value)} data-testid="compare-select">
              <option value="">rough frames</option>
              <optgroup label="this shot">{versions.filter((x) => x.id !== vid).map((x) => <option key={x.id} value={`v:${x.id}`}>{label(x)}</option>)}</optgroup>
              <optgroup label="another shot (newest version)">{(shotList?.shots ?? []).filter((x) => x.name !== name && x.versions > 0).map((x) => <option key={x.name} value={`s:${x.name}`}>{x.name}</option>)}</optgroup>
            </select>
          </label>
        )}
        {cmp.none && <span className="error">{cmp.other} has no rendered version to compare with</span>}
      </div>
      {vid !== null && !known && <p className="error" data-testid="version-error">{versionError ?? `shot ${name} has no version ${vid}`} — pick one of its versions above.</p>}
      {frames.length > 0 && (!vid || (v && known)) && (
        <Player key={`${name}-${vid}`} frames={frames} fps={shot.fps} width={w} height={h} onFrame={setFrame} labels={[aLabel, bLabel]} seekTo={seekTo} markers={noteFrames}
          overlay={(f) => <AnnotationLayer frame={f} ann={ann} />} timecodeOf={(i) => shotTimecode(frames[i]?.frame ?? 0, shot.fps, shot.timecode, shot.range[0])} />
      )}
      <div className="coherence">
        <h4>Temporal coherence (warp error per frame)</h4>
        <LinePlot testId="coherence-plot" series={coherence.length ? [{ name: 'warp error', points: coherence, color: '#e0a030' }] : []}
          xDomain={[frames[0]?.frame ?? shot.range[0], frames.at(-1)?.frame ?? shot.range[1]]} marker={frame} height={90}
          note={v ? 'no per-frame coherence measured for this version (coherence.json)' : 'no version selected'} />
      </div>
      {vid && v && known && (
        <div className="row review-row">
          <ReviewPanel shot={name} versionId={vid} frame={frame} refreshKey={refresh} onOpenVersion={(id) => go(name, id)} onChanged={reloadShot}
            onSeek={(f) => setSeekTo({ frame: f })} onNoteFrames={setNoteFrames} ann={ann} />
          <section className="refine-box">
            <h3>Local re-render</h3>
            <p className="muted">Paint over frame {frame} where the look should be re-rendered; it arrives as a new version.</p>
            <button disabled={!can(me, 'artist') || !current?.final} onClick={() => setMasking(true)} data-testid="paint-mask">Paint a mask on frame {frame}</button>
          </section>
        </div>
      )}
      {masking && current?.final && vid && (
        <div className="modal">
          <MaskPainter shot={name} versionId={vid} frame={frame} frames={frames.map((f) => f.frame)} imageUrl={current.final} width={w} height={h}
            onCancel={() => setMasking(false)} onDone={() => { setMasking(false); setRefresh((r) => r + 1); }} />
        </div>
      )}
    </div>
  );
}
