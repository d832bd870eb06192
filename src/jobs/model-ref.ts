// "--model 3" or "--model path/to/model.safetensors" -> a loaded look model and its lineage id.
import { existsSync } from 'node:fs';
import type { Production } from '../store/index.js';
import { getModelVersion, listModelVersions } from '../store/index.js';
import { loadLookModel, type LookModel } from '../models/look/model-file.js';

export async function resolveLookModel(prod: Production | null, ref: string | undefined): Promise<{ model: LookModel; version: number | null; path: string }> {
  if (ref && !/^\d+$/.test(ref)) {
    if (!existsSync(ref)) throw new Error(`model "${ref}" is neither a model version number nor an existing file`);
    return { model: loadLookModel(ref), version: null, path: ref };
  }
  if (!prod) throw new Error('a model version number needs a production (--production); or give a model file');
  let id: number;
  if (ref) id = Number(ref);
  else {
    const looks = (await listModelVersions(prod)).filter((v) => v.kind === 'look');
    if (looks.length === 0) throw new Error('this production has no look model yet: run `atelier train look --dataset <snapshot>` first');
    id = Math.max(...looks.map((v) => v.id));
  }
  const v = await getModelVersion(prod, id);
  const file = v.files.find((f) => f.name.endsWith('.safetensors'));
  if (!file) throw new Error(`model version #${id} has no weights file`);
  return { model: loadLookModel(file.path), version: id, path: file.path };
}
