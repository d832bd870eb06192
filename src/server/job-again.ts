// Starting a job again that ended without finishing (interrupted by a restart, cancelled, failed):
// the same kind with the input it was submitted with (recorded in server_jobs). A render continues
// its version where it stopped, as `atelier render --resume --output <version>` does: the frames
// already written are kept where their lineage is this render's, the rest are rendered. A look
// training continues its run from its last checkpoint, as `atelier train look --resume <run>` does
// (from the first step when it stopped before one); an upscaler's starts again. A refine request
// has its own way back (held, then POST /api/refine-requests/:id/start).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getShotVersionRecord } from '../store/index.js';
import type { JobSpec } from '../jobs/queue.js';
import { hasCheckpoint } from '../models/look/train.js';
import { roleAtLeast, type Principal } from './auth.js';
import { conflict, forbidden, notFound } from './errors.js';
import type { ServerContext } from './route.js';

/** Who may start a kind again: whoever may start it. */
const KIND_ROLE: Record<string, 'artist' | 'supervisor'> = { 'render-shot': 'artist', 'train-look': 'supervisor', 'train-upscale': 'supervisor' };

export async function againSpec(ctx: ServerContext, id: string, p: Principal): Promise<JobSpec> {
  const spec = await specOf(ctx, id, p);
  // Started again already and not finished: a second would write the same frames (or train the same run) beside it.
  const twin = await ctx.db.selectFrom('server_jobs').select('id').where('status', 'in', ['queued', 'running']).where('input', '=', JSON.stringify(spec.input)).executeTakeFirst();
  if (twin) throw conflict(`job ${id} is already being started again, as job ${twin.id}`);
  return spec;
}

async function specOf(ctx: ServerContext, id: string, p: Principal): Promise<JobSpec> {
  if (!ctx.jobsRecorded) throw conflict('jobs on a farm are retried by the farm (BullMQ); start a new render or training instead');
  const row = await ctx.db.selectFrom('server_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`no job ${id}`);
  if (row.kind === 'refine') throw conflict('a refine job is started again through its request: POST /api/refine-requests/<id>/start (an interrupted one is held for that)');
  const role = KIND_ROLE[row.kind];
  if (!role) throw conflict(`a ${row.kind} job cannot be started again`);
  if (!roleAtLeast(p.role, role)) throw forbidden(`starting a ${row.kind} job needs the ${role} role`);
  if (role === 'artist' && !roleAtLeast(p.role, 'supervisor') && row.created_by !== `${p.name}#${p.tokenId}`) throw forbidden('artists may start again only their own jobs');
  // The queue knows first: the table is written after it.
  const status = (await ctx.queue.get(id))?.status ?? row.status;
  if (status !== 'failed' && status !== 'cancelled') throw conflict(`job ${id} is ${status}: only a failed, cancelled or interrupted job is started again`);
  if (row.input === null) throw conflict(`job ${id} was recorded before the server kept job inputs: start it anew`);
  const input = JSON.parse(row.input) as Record<string, unknown>;
  const title = row.title.replace(/ \((resumed in v\d+|resumed|again)\)$/, '');
  if (row.kind === 'render-shot' && row.version_id !== null) {
    const v = await getShotVersionRecord(ctx.prod, row.version_id);
    if (v && existsSync(v.folder)) {
      return { kind: row.kind, title: `${title} (resumed in v${String(v.number).padStart(3, '0')})`, input: { ...input, outDir: v.folder, resume: true }, createdBy: `${p.name}#${p.tokenId}` };
    }
  }
  if (row.kind === 'train-look' && row.run_dir !== null && existsSync(join(row.run_dir, 'config.json'))) {
    const from = hasCheckpoint(row.run_dir) ? 'resumed' : 'again';
    return { kind: row.kind, title: `${title} (${from})`, input: { ...input, resume: row.run_dir }, createdBy: `${p.name}#${p.tokenId}` };
  }
  return { kind: row.kind, title: `${title} (again)`, input, createdBy: `${p.name}#${p.tokenId}` };
}
