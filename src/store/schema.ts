// Row types of the production database, shared by every query (Kysely's compile-time schema).
// Portable across SQLite and PostgreSQL: booleans are 0/1 integers, timestamps ISO-8601 text,
// structured values JSON text. Paths (PATH_COLUMNS in production-paths.ts) are stored relative to
// the production when inside it, and read back absolute in its current folder.
import type { Generated } from 'kysely';

export interface SettingsTable { key: string; value: string }

export interface AssetsTable {
  id: Generated<number>;
  hash: string;                 // sha256 hex of the file bytes; the content-store key
  kind: string;                 // see ASSET_KINDS
  original_name: string;        // file name at ingest
  source_path: string;          // the file's path at ingest (informational)
  format: string;               // png | jpeg | tiff | webp | exr
  width: number;
  height: number;
  channels: number;
  bit_depth: number;
  bytes: number;
  phash: string | null;         // 64-bit perceptual hash, 16 hex digits
  near_duplicate_of: number | null;
  near_duplicate_distance: number | null;
  location: string | null;
  owner: string | null;
  licence: string | null;
  source: string | null;
  cleared_for_training: number; // 0 | 1
  color_space: string | null;   // OCIO colour space; null: the production's default for the format
  created_at: string;
  updated_at: string;
}

export interface AssetTagsTable { asset_id: number; tag: string }
export interface AssetCharactersTable { asset_id: number; character: string }

export interface PairsTable { id: Generated<number>; painted_id: number; rough_id: number; created_at: string }
export interface PairPassesTable { pair_id: number; name: string; asset_id: number }

export interface ShotsTable {
  id: Generated<number>;
  name: string;
  source_kind: string;          // sequence | video
  source: string;               // the pattern or the video path (a path, see above)
  source_hash: string | null;   // sha256 of the video file
  frame_start: number;
  frame_end: number;
  fps: number;
  width: number | null;
  height: number | null;
  color_space: string | null;   // the rough frames' OCIO colour space; null: the file's own or the default
  timecode: string | null;      // start timecode HH:MM:SS:FF (';' before FF: drop frame)
  created_at: string;
  updated_at: string;
}
export interface ShotFramesTable { shot_id: number; frame: number; asset_id: number }
export interface ShotPassesTable { shot_id: number; frame: number; name: string; asset_id: number }
export interface ShotKeyframesTable { shot_id: number; frame: number; asset_id: number; pair_id: number | null }

export interface DatasetsTable {
  id: Generated<number>;
  name: string;
  selection: string;            // JSON of the selection that made it
  manifest_hash: string;        // sha256 of the manifest JSON, itself stored in the content store
  asset_count: number;
  pair_count: number;
  created_at: string;
}
export interface DatasetAssetsTable { dataset_id: number; asset_id: number; hash: string }
export interface DatasetPairsTable { dataset_id: number; pair_id: number }

export interface ModelVersionsTable {
  id: Generated<number>;
  kind: string;
  dataset_id: number;
  config: string;               // JSON
  seed: number;
  code_version: string;
  metrics: string;              // JSON
  created_at: string;
}
export interface ModelFilesTable { model_version_id: number; name: string; hash: string; bytes: number }

export interface RendersTable {
  id: Generated<number>;
  hash: string;                 // sha256 of the rendered file
  path: string;                 // where it was written (a path, see above)
  model_version_id: number;
  params: string;               // JSON
  created_at: string;
  version_id: number | null;    // the shot version a frame of a shot belongs to (shot_versions.id)
}
export interface RenderInputsTable { render_id: number; name: string; hash: string }

/** A shot's render versions (shot-versions.ts): v1, v2, … per shot; a refine is a version of its own. */
export interface ShotVersionsTable {
  id: Generated<number>;
  shot: string;                 // the shot's name (as renders' params record it)
  number: number;               // 1, 2, … per shot; unique with shot
  folder: string;               // the version's folder (a path, see above)
  model_version_id: number | null; // null: rendered with a model file
  quality: string;              // preview | final
  refine_of: number | null;     // the version a refine re-rendered part of
  refine_request: number | null; // the dailies' refine request (server table refine_requests)
  created_at: string;
}

export interface Database {
  settings: SettingsTable;
  assets: AssetsTable;
  asset_tags: AssetTagsTable;
  asset_characters: AssetCharactersTable;
  pairs: PairsTable;
  pair_passes: PairPassesTable;
  shots: ShotsTable;
  shot_frames: ShotFramesTable;
  shot_passes: ShotPassesTable;
  shot_keyframes: ShotKeyframesTable;
  datasets: DatasetsTable;
  dataset_assets: DatasetAssetsTable;
  dataset_pairs: DatasetPairsTable;
  model_versions: ModelVersionsTable;
  model_files: ModelFilesTable;
  renders: RendersTable;
  render_inputs: RenderInputsTable;
  shot_versions: ShotVersionsTable;
}

export const ASSET_KINDS = ['concept_art', 'character_sheet', 'paintover', 'rough_frame', 'render_pass', 'keyframe'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

/** Accepts "concept art", "concept-art", "Concept_Art" … and returns the canonical kind. */
export function parseKind(text: string): AssetKind {
  const k = text.trim().toLowerCase().replace(/[\s-]+/g, '_');
  const alias: Record<string, AssetKind> = { concept: 'concept_art', sheet: 'character_sheet', paint: 'paintover', painted: 'paintover', rough: 'rough_frame', pass: 'render_pass', key: 'keyframe' };
  const kind = (ASSET_KINDS as readonly string[]).includes(k) ? (k as AssetKind) : alias[k];
  if (!kind) throw new Error(`unknown asset kind "${text}"; kinds are: ${ASSET_KINDS.join(', ')}`);
  return kind;
}
