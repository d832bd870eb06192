// Talking to the server: JSON in and out, the session cookie for authentication (set by
// POST /api/session), and the CSRF header the server asks of cookie-authenticated changes.
import { useEffect, useRef, useState } from 'react';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export async function api<T = any>(path: string, init: { method?: string; body?: unknown; form?: FormData } = {}): Promise<T> {
  const headers: Record<string, string> = { 'x-atelier-csrf': '1' };
  let body: BodyInit | undefined;
  if (init.form) body = init.form;
  else if (init.body !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(init.body); }
  const res = await fetch(path, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, credentials: 'same-origin' });
  return parse<T>(res);
}

/** GETs a resource and reloads it when `deps` change; `reload()` refetches. What it returns always
 *  belongs to the current path: while another path loads, data is null (never the last path's),
 *  so a page can't act on the previous shot's versions. */
export function useApi<T = any>(path: string | null, deps: unknown[] = []): { data: T | null; error: string | null; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ path: string | null; data: T | null; error: string | null }>({ path: null, data: null, error: null });
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) { setState({ path: null, data: null, error: null }); return; }
    let live = true;
    setLoading(true);
    api<T>(path).then((d) => { if (live) setState({ path, data: d, error: null }); }, (e: Error) => { if (live) setState({ path, data: null, error: e.message }); })
      .finally(() => { if (live) setLoading(false); });
    return () => { live = false; };
  }, [path, tick, ...deps]);
  const mine = state.path === path;
  return { data: mine ? state.data : null, error: mine ? state.error : null, loading: loading || !mine, reload: () => setTick((t) => t + 1) };
}

export interface Job { id: string; kind: string; title: string; status: string; progress: number | null; message: string; createdBy: string; createdAt: string; finishedAt: string | null; error: string | null; result: unknown }

/** The live job list from the server-sent event stream; `finished` counts jobs that ended since mount. */
export function useJobs(): { jobs: Job[]; finished: number; connected: boolean } {
  const [jobs, setJobs] = useState<Job[]>([]);
  const [finished, setFinished] = useState(0);
  const [connected, setConnected] = useState(false);
  const ref = useRef<EventSource | null>(null);
  useEffect(() => {
    const es = new EventSource('/api/jobs/events');
    ref.current = es;
    es.addEventListener('open', () => setConnected(true));
    es.addEventListener('error', () => setConnected(false));
    es.addEventListener('snapshot', (e) => setJobs(JSON.parse((e as MessageEvent).data).jobs));
    es.addEventListener('job', (e) => {
      const { job } = JSON.parse((e as MessageEvent).data) as { job: Job };
      setJobs((js) => [job, ...js.filter((j) => j.id !== job.id)].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
      if (job.finishedAt) setFinished((n) => n + 1);
    });
    es.addEventListener('progress', (e) => {
      const p = JSON.parse((e as MessageEvent).data) as { id: string; progress: number | null; message: string };
      setJobs((js) => js.map((j) => (j.id === p.id ? { ...j, progress: p.progress, message: p.message } : j)));
    });
    return () => es.close();
  }, []);
  return { jobs, finished, connected };
}
