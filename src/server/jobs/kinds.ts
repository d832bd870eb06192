// The one table of job kinds, shared by both backends: the in-process queue (the dailies server's
// default; worker threads of its own process) and the farm (BullMQ on Redis; `atelier worker` runs
// them). Each kind is a module export (input, ctx) => result, run off the main thread by runInWorker
// (or in-process by a worker started with --in-process). Inputs are plain data; `productionDir` in an
// input is replaced by the worker's own --production, so machines may mount the production anywhere.

export interface JobKind {
  /** Module URL and export run as (input, ctx) => result. */
  module: URL;
  export: string;
  /** Export of the same module called as (input, record) after the job ends other than "done"
   *  (the dailies server runs its own onSettled instead when the job ran in its process). */
  settled?: string;
  /** Part of a farm render flow (a chunk or its finish step): never submitted on its own. */
  flowOnly?: boolean;
  /** The worker passes the results of the job's children (a flow's chunks) as input.childResults. */
  childResults?: boolean;
}

const handlers = new URL('./handlers.js', import.meta.url);
const farm = new URL('../../farm/render-jobs.js', import.meta.url);

export const JOB_KINDS: Record<string, JobKind> = {
  'train-look': { module: handlers, export: 'trainLookJob' },
  'render-shot': { module: handlers, export: 'renderShotJob' },
  'train-upscale': { module: handlers, export: 'trainUpscaleJob' },
  refine: { module: handlers, export: 'refineJob', settled: 'refineSettled' },
  'render-chunk': { module: farm, export: 'renderChunkJob', flowOnly: true },
  'render-finish': { module: farm, export: 'renderFinishJob', flowOnly: true, childResults: true },
};
