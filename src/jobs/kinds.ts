// The one table of job kinds, shared by both backends: the in-process queue (the dailies server's
// default; worker threads of its own process) and the farm (BullMQ on Redis; `atelier worker` runs
// them). Each kind is a module export (input, ctx) => result, run off the main thread by JobThread
// (or in-process by a worker started with --in-process). Inputs are plain data; `productionDir` in an
// input is replaced by the worker's own --production, so machines may mount the production anywhere.

export interface JobKind {
  /** Module URL and export run as (input, ctx) => result. */
  module: string | URL;
  export: string;
  /** Export of the same module called as (input, record) after the job ends other than "done"
   *  (the dailies server runs its own onSettled instead when the job ran in its process). */
  settled?: string;
  /** Part of a farm render flow (a chunk or its finish step): never submitted on its own. */
  flowOnly?: boolean;
  /** The worker passes the results of the job's children (a flow's chunks) as input.childResults. */
  childResults?: boolean;
}

// Modules by URL, imported only in the job thread: the table itself depends on nothing above it
// (refine's module is the server's, as it writes the server's tables).
const jobs = new URL('./run-jobs.js', import.meta.url);
const server = new URL('../server/jobs/handlers.js', import.meta.url);
const chunks = new URL('./render-chunks.js', import.meta.url);

export const JOB_KINDS: Record<string, JobKind> = {
  'train-look': { module: jobs, export: 'trainLookJob' },
  'render-shot': { module: jobs, export: 'renderShotJob' },
  'train-upscale': { module: jobs, export: 'trainUpscaleJob' },
  refine: { module: server, export: 'refineJob', settled: 'refineSettled' },
  'render-chunk': { module: chunks, export: 'renderChunkJob', flowOnly: true },
  'render-finish': { module: chunks, export: 'renderFinishJob', flowOnly: true, childResults: true },
};
