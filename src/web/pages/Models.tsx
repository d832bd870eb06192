// Models: versions, loss curves and held-out evaluations as plots, sample sheets, metrics, lineage.
import { useEffect, useState } from 'react';
import { useApi } from '../api';
import { LinePlot } from '../components/LinePlot';
import { redirect } from '../route';
import { LoadError } from '../components/LoadError';

const COLORS = ['#4fa3ff', '#ff7a59', '#7bd88f', '#c792ea', '#e0a030', '#ff5c8a'];

export function ModelsPage({ id }: { id: number | null }) {
  const { data, error, reload } = useApi<{ models: any[] }>('/api/models');
  useEffect(() => { if (!id && data?.models.length) redirect(['models'], ['models', String(data.models.at(-1).id)]); }, [id, data]);
  return (
    <div className="split">
      <aside className="side-list">
        <h2>Model versions</h2>
        <ul>
          {(data?.models ?? []).slice().reverse().map((m) => (
            <li key={m.id} className={m.id === id ? 'active' : ''}>
              <a href={`#/models/${m.id}`} data-testid={`model-${m.id}`}>#{m.id} {m.kind}</a>
              <small>{m.datasetName} · {new Date(m.createdAt).toLocaleDateString()}{typeof m.metrics.held_out_psnr === 'number' ? ` · ${m.metrics.held_out_psnr.toFixed(2)} dB` : ''}</small>
            </li>
          ))}
        </ul>
        {data && !data.models.length && <p className="muted">no models yet</p>}
        <LoadError what="the models" error={error} retry={reload} />
      </aside>
      <section className="content">{id && <ModelView id={id} />}</section>
    </div>
  );
}

function ModelView({ id }: { id: number }) {
  const { data: m, error, reload } = useApi<any>(`/api/models/${id}`);
  const { data: lin } = useApi<any>(`/api/models/${id}/lineage`);
  const [sample, setSample] = useState<number | null>(null);
  if (error) return <LoadError what={`model #${id}`} error={error} retry={reload} />;
  if (!m) return <p>Loading…</p>;
  const losses: any[] = m.history?.losses ?? [];
  const keys = ['total', 'l1', 'feature', 'gram', 'adv', 'disc'].filter((k) => losses.some((l) => typeof l[k] === 'number' && l[k] !== 0));
  const evals: any[] = m.history?.evals ?? m.metrics.evals ?? [];
  const shown = sample ?? m.samples.length - 1;
  const scalar = Object.entries(m.metrics).filter(([, v]) => typeof v !== 'object' || v === null);
  return (
    <div className="model-view" data-testid="model-view">
      <h2>Model #{m.id} <small>{m.kind} · dataset {m.datasetName} · seed {m.seed} · code {m.codeVersion.slice(0, 10)}</small></h2>
      <div className="row plots">
        <div className="card">
          <h4>Training loss</h4>
          <LinePlot testId="loss-plot" series={keys.map((k, i) => ({ name: k, color: COLORS[i % COLORS.length]!, points: losses.map((l) => [l.step, l[k]] as [number, number]) }))} xLabel="step" note="no loss history for this model" />
        </div>
        <div className="card">
          <h4>Held-out PSNR (dB)</h4>
          <LinePlot testId="eval-plot" series={evals.length ? [{ name: 'PSNR', color: '#7bd88f', points: evals.map((e) => [e.step, e.psnr] as [number, number]) }] : []} xLabel="step" note="no held-out evaluations" />
        </div>
      </div>
      <div className="row">
        <div className="card metrics">
          <h4>Metrics</h4>
          <table><tbody>{scalar.map(([k, v]) => <tr key={k}><td>{k.replace(/_/g, ' ')}</td><td>{typeof v === 'number' ? +v.toFixed(4) : String(v)}</td></tr>)}</tbody></table>
          <h4>Files</h4>
          <ul>{m.files.map((f: any) => <li key={f.name}>{f.name} <small>{(f.bytes / 1048576).toFixed(1)} MB · sha256 {f.hash.slice(0, 12)}…</small></li>)}</ul>
        </div>
        {lin && (
          <div className="card lineage" data-testid="lineage">
            <h4>Lineage</h4>
            <p>Trained on dataset <b>{lin.dataset.name}</b> (#{lin.dataset.id}, {lin.dataset.createdAt.slice(0, 10)}): {lin.dataset.pairs} paintover pairs, {lin.dataset.assets} assets; manifest sha256 {lin.dataset.manifestHash.slice(0, 12)}…</p>
            <p><span className="dot cleared" /> {lin.rights.cleared} cleared for training · <span className="dot unknown" /> {lin.rights.notCleared} not cleared</p>
            <p>Owners: {Object.entries(lin.rights.owners).map(([o, n]) => `${o} ×${n}`).join(', ')}</p>
            <p>Licences: {Object.entries(lin.rights.licences).map(([o, n]) => `${o} ×${n}`).join(', ')}</p>
          </div>
        )}
      </div>
      <div className="card samples">
        <h4>Sample sheets {m.samples.length > 0 && <select value={shown} onChange={(e) => setSample(Number(e.target.value))} data-testid="sample-select">{m.samples.map((s: any) => <option key={s.index} value={s.index}>step {s.step}</option>)}</select>}</h4>
        {m.samples.length ? <img src={`/api/models/${m.id}/samples/${shown}`} alt={`sample sheet ${shown}`} className="sheet" data-testid="sample-sheet" /> : <p className="muted">no sample sheets for this model</p>}
      </div>
    </div>
  );
}
