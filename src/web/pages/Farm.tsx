// Farm: the job backend's workers (what each is running), queue depth, throughput and recent
// failures, refreshed every few seconds (GET /api/farm). In-process: this server's own threads.
import { useEffect, useState } from 'react';
import { api } from '../api';

interface FarmStats {
  backend: string; queue: string; redis?: string; counts: Record<string, number>;
  workers: { id: string; host: string; concurrency: number; threads: number | null; seenAt: string; done: number; failed: number; busySeconds: number; active: { id: string; title: string; progress: number | null; message: string }[] }[];
  throughput: { windowSeconds: number; jobs: number; frames: number; framesPerMinute: number; jobsPerMinute: number };
  failures: { id: string; title: string; error: string; attempts: number; finishedAt: string | null }[];
}

export function FarmPage() {
  const [s, setS] = useState<FarmStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () => api<FarmStats>('/api/farm').then((x) => { if (live) { setS(x); setError(null); } }, (e: Error) => { if (live) setError(e.message); });
    void load();
    const t = setInterval(load, 3000);
    return () => { live = false; clearInterval(t); };
  }, []);
  if (!s) return <div className="farm-page">{error ? <p className="error">{error}</p> : <p className="muted">Loading…</p>}</div>;
  const depth = (s.counts.waiting ?? 0) + (s.counts.prioritized ?? 0) + (s.counts.delayed ?? 0);
  return (
    <div className="farm-page" data-testid="farm">
      {error && <p className="error">{error}</p>}
      <h2>Farm <small className="muted">{s.backend === 'bullmq' ? `BullMQ queue ${s.queue} on ${s.redis}` : 'jobs run in this server\'s process'}</small></h2>
      <div className="row">
        <div className="card"><h3>Queue</h3><p data-testid="farm-depth"><b>{depth}</b> waiting · <b>{s.counts.active ?? 0}</b> running{s.counts['waiting-children'] ? <> · <b>{s.counts['waiting-children']}</b> renders in progress</> : null}</p>
          <small className="muted">{s.counts.completed ?? 0} completed, {s.counts.failed ?? 0} failed (kept)</small></div>
        <div className="card"><h3>Throughput</h3><p data-testid="farm-throughput"><b>{s.throughput.framesPerMinute}</b> frames/min · <b>{s.throughput.jobsPerMinute}</b> jobs/min</p>
          <small className="muted">over the last {Math.round(s.throughput.windowSeconds / 60)} min</small></div>
      </div>
      <h3>Workers ({s.workers.length})</h3>
      <table className="jobs" data-testid="farm-workers">
        <thead><tr><th>worker</th><th>slots</th><th>done</th><th>failed</th><th>busy</th><th>running</th></tr></thead>
        <tbody>
          {s.workers.map((w) => (
            <tr key={w.id}>
              <td>{w.id}</td>
              <td>{w.concurrency}{w.threads ? ` × ${w.threads} threads` : ''}</td>
              <td>{w.done}</td>
              <td>{w.failed}</td>
              <td>{w.busySeconds} s</td>
              <td>{w.active.length ? w.active.map((a) => <div key={a.id}><progress max={1} value={a.progress ?? 0} /> <small>{a.title}: {a.message}</small></div>) : <small className="muted">idle</small>}</td>
            </tr>
          ))}
          {!s.workers.length && <tr><td colSpan={6} className="muted">no worker: start one with <code>atelier worker --queue … --production …</code></td></tr>}
        </tbody>
      </table>
      <h3>Recent failures</h3>
      <table className="jobs" data-testid="farm-failures">
        <thead><tr><th>job</th><th>error</th><th>tries</th><th>when</th></tr></thead>
        <tbody>
          {s.failures.map((f) => <tr key={f.id}><td>{f.title}</td><td className="error">{f.error}</td><td>{f.attempts}</td><td>{f.finishedAt ? new Date(f.finishedAt).toLocaleTimeString() : ''}</td></tr>)}
          {!s.failures.length && <tr><td colSpan={4} className="muted">none</td></tr>}
        </tbody>
      </table>
    </div>
  );
}
