// "--model 3" or "--model path/to/model.safetensors" -> a model's weights file and lineage id, for
// each kind of model (look, upscale); without a ref, the default model of that kind.
//
// The default look model for a shot (render, the farm, the dailies' render job): the newest of the
// production's look models (kind 'look') and this shot's own keyframe models (kind 'look-keyframes'
// whose metrics.shot is the shot). So a production with only a keyframe model for the shot renders
// with it; `train keyframes <shot>` after `train look` steers that shot; a production model trained
// after it takes over again until the shot's keyframes are retrained. Without a shot (stylize,
// the base of `train keyframes`), the newest production look model. A keyframe model of another
// shot is never a default: name it with --model.
import { existsSync } from 'node:fs';
import type { Production } from '../store/index.js';
import { getModelVersion, listModelVersions, modelShot, type ModelVersion } from '../store/index.js';
import { loadLookModel, type LookModel } from '../models/look/model-file.js';
import { loadUpscaleModel, checkUpscalerWorkingSpace, type UpscaleModel } from '../models/upscale/index.js';
import { productionColour } from '../store/colour-settings.js';
import { computeDevice } from '../engine/index.js';

export interface ModelKind {
  /** Model-version kinds this ref may name; the first is the default's kind. */
  kinds: string[];
  /** "look model", "upscaler": for messages. */
  label: string;
  /** The command that makes one, for the "none yet" message. */
  trainCommand: string;
  /** Kinds made for one shot (metrics.shot names it): with a shot, also defaults for that shot. */
  shotKinds?: string[];
  /** The command that makes a shot's model, "<shot>" standing for the shot's name. */
  shotTrainCommand?: string;
}

export interface ResolvedModelFile {
  version: number | null;
  path: string;
  /** The model version's kind (null for a file). */
  kind: string | null;
}

/** The default model version for a kind (and a shot): see the rule at the top of this file. */
export async function defaultModelVersion(prod: Production, k: ModelKind, shot?: string): Promise<ModelVersion> {
  const all = await listModelVersions(prod);
  const shotKinds = shot !== undefined ? k.shotKinds ?? [] : [];
  const fits = all.filter((v) => v.kind === k.kinds[0] || (shotKinds.includes(v.kind) && modelShot(v) === shot));
  if (fits.length) return fits.reduce((a, b) => (b.id > a.id ? b : a));
  const cmds = [`\`${k.trainCommand}\``];
  if (k.shotTrainCommand) cmds.push(`\`${k.shotTrainCommand.replace('<shot>', shot ?? '<shot>')}\``);
  let msg = `this production has no ${k.label}${shot !== undefined && k.shotKinds ? ` for shot ${shot}` : ''} yet: run ${cmds.join(' or ')} first`;
  const others = all.filter((v) => k.shotKinds?.includes(v.kind) && modelShot(v) !== shot);
  if (others.length) {
    const list = others.map((v) => `#${v.id} (${modelShot(v) ?? 'no shot'})`).join(', ');
    msg += `; keyframe models ${shot !== undefined ? 'of other shots ' : ''}(${list}) are used only when named with --model`;
  }
  throw new Error(msg);
}

export async function resolveModelFile(prod: Production | null, ref: string | undefined, k: ModelKind, o: { shot?: string } = {}): Promise<ResolvedModelFile> {
  if (ref && !/^\d+$/.test(ref)) {
    if (!existsSync(ref)) throw new Error(`model "${ref}" is neither a model version number nor an existing file`);
    return { version: null, path: ref, kind: null };
  }
  if (!prod) throw new Error('a model version number needs a production (--production); or give a model file');
  const v = ref ? await getModelVersion(prod, Number(ref)) : await defaultModelVersion(prod, k, o.shot);
  if (!k.kinds.includes(v.kind)) throw new Error(`model version #${v.id} is a ${v.kind} model, not a ${k.label}`);
  const file = v.files.find((f) => f.name.endsWith('.safetensors'));
  if (!file) throw new Error(`model version #${v.id} has no weights file`);
  return { version: v.id, path: file.path, kind: v.kind };
}

export const LOOK_MODEL: ModelKind = {
  kinds: ['look', 'look-keyframes'], label: 'look model', trainCommand: 'atelier train look --dataset <snapshot>',
  shotKinds: ['look-keyframes'], shotTrainCommand: 'atelier train keyframes <shot>',
};

/**
 * A look model by ref, else the default: with `shot`, the newest of the production's look models and
 * that shot's keyframe models; without, the newest production look model.
 */
export async function resolveLookModel(prod: Production | null, ref: string | undefined, o: { shot?: string; device?: string } = {}): Promise<{ model: LookModel; version: number | null; path: string; kind: string | null }> {
  const { version, path, kind } = await resolveModelFile(prod, ref, LOOK_MODEL, o);
  // The generator runs on the process's compute device ($ATELIER_DEVICE / --device); frames stay on the CPU.
  return { model: loadLookModel(path, { device: o.device ?? computeDevice() }), version, path, kind };
}

/**
 * "--model 7" or "--model path/to/model.safetensors" (default: the newest upscaler) -> a loaded
 * upscaler. With a production, one trained in another working space than the production's is
 * refused (as look models are: checkModelWorkingSpace); a file alone is taken in its own space.
 */
export async function resolveUpscaleModel(prod: Production | null, ref: string | undefined): Promise<{ model: UpscaleModel; version: number | null; path: string }> {
  const { version, path } = await resolveModelFile(prod, ref, { kinds: ['upscale'], label: 'upscaler', trainCommand: 'atelier train upscale --dataset <snapshot>' });
  const model = loadUpscaleModel(path);
  if (prod) {
    try { checkUpscalerWorkingSpace(model, await productionColour(prod), version !== null ? `upscaler #${version}` : `upscaler ${path}`); } catch (err) {
      model.net.dispose();
      throw err;
    }
  }
  return { model, version, path };
}

/** The production's newest upscaler of a scale, as a version reference for resolveUpscaleModel. */
async function newestUpscaler(prod: Production, scale: 2 | 4): Promise<string> {
  const v = (await listModelVersions(prod)).filter((m) => m.kind === 'upscale' && (m.config as { scale?: number } | null)?.scale === scale).at(-1);
  if (!v) throw new Error(`this production has no ${scale}x upscaler: train one with \`atelier train upscale --dataset <snapshot> --scale ${scale}\``);
  return String(v.id);
}

/**
 * The upscaler a render asks for: `model` (a version number or file), else the newest of `scale`;
 * with both, the model must be of that scale. The caller disposes model.net.
 */
export async function resolveRenderUpscaler(prod: Production, o: { model?: string; scale?: number }): Promise<{ model: UpscaleModel; version: number | null; path: string }> {
  if (!o.model && o.scale !== 2 && o.scale !== 4) throw new Error(`upscale needs a model or a scale of 2 or 4, got ${String(o.scale)}`);
  const u = await resolveUpscaleModel(prod, o.model ?? await newestUpscaler(prod, o.scale as 2 | 4));
  if (o.scale && u.model.config.scale !== o.scale) {
    u.model.net.dispose();
    throw new Error(`upscaler ${u.version !== null ? '#' + u.version : u.path} is ${u.model.config.scale}x, not ${o.scale}x`);
  }
  return u;
}
