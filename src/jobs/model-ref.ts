// "--model 3" or "--model path/to/model.safetensors" -> a model's weights file and lineage id, for
// each kind of model (look, upscale); the newest of that kind when no ref is given.
import { existsSync } from 'node:fs';
import type { Production } from '../store/index.js';
import { getModelVersion, listModelVersions } from '../store/index.js';
import { loadLookModel, type LookModel } from '../models/look/model-file.js';

export interface ModelKind {
  /** Model-version kinds this ref may name; the first is the default's kind. */
  kinds: string[];
  /** "look model", "upscaler": for messages. */
  label: string;
  /** The command that makes one, for the "none yet" message. */
  trainCommand: string;
}

export async function resolveModelFile(prod: Production | null, ref: string | undefined, k: ModelKind): Promise<{ version: number | null; path: string }> {
  if (ref && !/^\d+$/.test(ref)) {
    if (!existsSync(ref)) throw new Error(`model "${ref}" is neither a model version number nor an existing file`);
    return { version: null, path: ref };
  }
  if (!prod) throw new Error('a model version number needs a production (--production); or give a model file');
  let id: number;
  if (ref) id = Number(ref);
  else {
    const ofKind = (await listModelVersions(prod)).filter((v) => v.kind === k.kinds[0]);
    if (ofKind.length === 0) throw new Error(`this production has no ${k.label} yet: run \`${k.trainCommand}\` first`);
    id = Math.max(...ofKind.map((v) => v.id));
  }
  const v = await getModelVersion(prod, id);
  if (!k.kinds.includes(v.kind)) throw new Error(`model version #${id} is a ${v.kind} model, not a ${k.label}`);
  const file = v.files.find((f) => f.name.endsWith('.safetensors'));
  if (!file) throw new Error(`model version #${id} has no weights file`);
  return { version: id, path: file.path };
}

export const LOOK_MODEL: ModelKind = { kinds: ['look', 'look-keyframes'], label: 'look model', trainCommand: 'atelier train look --dataset <snapshot>' };

export async function resolveLookModel(prod: Production | null, ref: string | undefined): Promise<{ model: LookModel; version: number | null; path: string }> {
  const { version, path } = await resolveModelFile(prod, ref, LOOK_MODEL);
  return { model: loadLookModel(path), version, path };
}
