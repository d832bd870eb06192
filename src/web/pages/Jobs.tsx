// Jobs: start training and renders, watch them live (server-sent events), cancel.
import { useState } from 'react';
import { api, useApi, useJobs } from '../api';
import { can, useMe } from '../App';

/** Kinds a job of which can be started again (POST /api/jobs/:id/again), and the role it takes; a refine goes through its request. */
const AGAIN_ROLE: Record<string, 'artist' | 'supervisor'> = { 'render-shot': 'artist', 'train-look': 'supervisor', 'train-upscale': 'supervisor' };
const AGAIN_HOW: Record<string, string> = { 'render-shot': 'continue its version where it stopped', 'train-look': 'continue its run from its last checkpoint', 'train-upscale': 'train again from the first step' };

export function JobsPage() {
  const me = useMe();
  const { jobs, connected } = useJobs();
  const { data: ds } = useApi<{ datasets: any[] }>('/api/datasets');
  const { data: shots } = useApi<{ shots: any[] }>('/api/shots');
  const { data: models } = useApi<{ models: any[] }>('/api/models');
  const [dataset, setDataset] = useState('');
  const [steps, setSteps] = useState(60);
  const [shot, setShot] = useState('');
  const [model, setModel] = useState('');
  const [quality, setQuality] = useState<'preview' | 'final'>('preview');
  const [first, setFirst] = useState('');
  const [last, setLast] = useState('');
  const [scale, setScale] = useState('');
  const [error, setError] = useState<string | null>(null);
  const run = (p: Promise<unknown>) => { setError(null); p.catch((e: Error) => setError(e.message)); };
  const looks = (models?.models ?? []).filter((m) => m.kind.startsWith('look'));
  const picked = (shots?.shots ?? []).find((s) => s.name === shot) ?? shots?.shots[0];
  // What `atelier render` takes: the shot, the model, the quality, a frame range (empty: the whole
  // shot) and an upscale; the server checks them all before queuing (render-request.ts).
  const renderBody = () => ({
    shot: shot || picked?.name, modelVersion: Number(model || looks.at(-1)?.id), quality,
    ...(first !== '' ? { frameStart: Number(first) } : {}), ...(last !== '' ? { frameEnd: Number(last) } : {}),
    ...(scale ? { upscale: { scale: Number(scale) } } : {}),
  });
  return (
    <div className="jobs-page">
      <div className="row forms">
        <form className="card" onSubmit={(e) => { e.preventDefault(); run(api('/api/jobs/train', { body: { dataset: dataset || ds?.datasets.at(-1)?.name, steps } })); }}>
          <h3>Train a look model</h3>
          <label>dataset <select value={dataset} onChange={(e) => setDataset(e.target.value)} data-testid="train-dataset">
            {(ds?.datasets ?? []).slice().reverse().map((d) => <option key={d.id} value={d.name}>{d.name} ({d.pairs} pairs, {d.assets} assets)</option>)}
          </select></label>
          <label>steps <input type="number" min={1} value={steps} onChange={(e) => setSteps(Number(e.target.value))} /></label>
          <button type="submit" disabled={!can(me, 'supervisor') || !ds?.datasets.length} data-testid="start-train">Start training</button>
          {!can(me, 'supervisor') && <small className="muted">supervisors start training</small>}
        </form>
        <form className="card" onSubmit={(e) => { e.preventDefault(); run(api('/api/jobs/render', { body: renderBody() })); }}>
          <h3>Render a shot</h3>
          <label>shot <select value={shot} onChange={(e) => setShot(e.target.value)} data-testid="render-shot">
            {(shots?.shots ?? []).map((s) => <option key={s.name} value={s.name}>{s.name}</option>)}
          </select></label>
          <label>model <select value={model} onChange={(e) => setModel(e.target.value)} data-testid="render-model">
            {looks.slice().reverse().map((m) => <option key={m.id} value={m.id}>#{m.id} {m.kind} ({m.datasetName})</option>)}
          </select></label>
          <label>quality <select value={quality} onChange={(e) => setQuality(e.target.value as 'preview' | 'final')} data-testid="render-quality">
            <option value="preview">preview (the look model)</option>
            <option value="final">final (+ the painters' strokes)</option>
          </select></label>
          <label>frames <input type="number" value={first} onChange={(e) => setFirst(e.target.value)} placeholder={String(picked?.range?.[0] ?? '')} data-testid="render-first" />
            {' – '}<input type="number" value={last} onChange={(e) => setLast(e.target.value)} placeholder={String(picked?.range?.[1] ?? '')} data-testid="render-last" /></label>
          <label>upscale <select value={scale} onChange={(e) => setScale(e.target.value)} data-testid="render-scale">
            <option value="">none</option><option value="2">×2</option><option value="4">×4</option>
          </select></label>
          <button type="submit" disabled={!can(me, 'artist') || !looks.length} data-testid="start-render">Start render</button>
        </form>
      </div>
      {error && <p className="error">{error}</p>}
      <h2>Jobs <small className={connected ? 'live' : 'muted'}>{connected ? '● live' : '○ connecting'}</small></h2>
      <table className="jobs" data-testid="jobs">
        <thead><tr><th>job</th><th>status</th><th>progress</th><th>by</th><th>started</th><th /></tr></thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id} data-status={j.status} data-kind={j.kind}>
              <td>{j.title}</td>
              <td><b className={`status ${j.status}`}>{j.status}</b></td>
              <td className="progress-cell"><progress max={1} value={j.progress ?? 0} /> <small>{j.error ?? j.message}</small></td>
              <td>{j.createdBy.replace(/#\d+$/, '')}</td>
              <td>{new Date(j.createdAt).toLocaleTimeString()}</td>
              <td>{(j.status === 'running' || j.status === 'queued') && <button onClick={() => run(api(`/api/jobs/${j.id}/cancel`, { method: 'POST' }))} data-testid="cancel">Cancel</button>}
                {(j.status === 'failed' || j.status === 'cancelled') && AGAIN_ROLE[j.kind] && can(me, AGAIN_ROLE[j.kind]!) && (
                  <button onClick={() => run(api(`/api/jobs/${j.id}/again`, { method: 'POST' }))} title={AGAIN_HOW[j.kind]} data-testid="again">Start again</button>)}</td>
            </tr>
          ))}
          {!jobs.length && <tr><td colSpan={6} className="muted">no jobs yet</td></tr>}
        </tbody>
      </table>
    </div>
  );
}
