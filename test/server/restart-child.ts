// A dailies server in a process of its own, for restart.test.ts to kill (SIGKILL) mid-job: it opens
// the production at argv[2], starts a slow render (argv[3] "render") or three slow refine requests
// (argv[3] "refine": the body in ATELIER_TEST_REFINE, for the token in ATELIER_TEST_TOKEN, run one
// at a time), and prints "ready" once the first job has written a frame or two.
import { buildServer } from '../../src/server/app.js';

const [dir, what] = process.argv.slice(2) as [string, string];
const jobs = new URL('./jobs-fixture.js', import.meta.url);
const srv = await buildServer({
  production: dir, webDir: null, jobThreads: 1,
  extraJobs: { refine: { module: jobs, export: 'slowRefineJob' }, 'render-shot': { module: jobs, export: 'slowRenderJob' } },
});
let firstId: string;
if (what === 'render') {
  firstId = (await srv.ctx.queue.submit({ kind: 'render-shot', title: 'render sh010', input: { productionDir: dir, shot: 'sh010', ms: 250 }, createdBy: 'sue#1' })).id;
} else {
  const ids: string[] = [];
  const { url, body } = JSON.parse(process.env.ATELIER_TEST_REFINE!) as { url: string; body: object };
  for (let i = 0; i < 3; i++) {
    const r = await srv.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${process.env.ATELIER_TEST_TOKEN}` }, payload: body });
    if (r.statusCode !== 201) throw new Error(r.body);
    ids.push((r.json() as { jobId: string }).jobId);
  }
  firstId = ids[0]!;
}
for (;;) {
  const first = (await srv.ctx.queue.get(firstId))!;
  if (first.status !== 'queued' && first.status !== 'running') throw new Error(`the job ended before the kill: ${first.status} ${first.error}`);
  if ((first.progress ?? 0) >= 0.3) break;
  await new Promise((ok) => setTimeout(ok, 20));
}
console.log('ready');
