// --tile and --tile-overlap for the commands that run the look model on frames (render, stylize):
// when and how the generator runs in tiles (see src/models/look/stylize.ts for the defaults).
import type { Command } from 'commander';
import { integer } from './store-common.js';
import { DEFAULT_TILING, type TilingOptions } from '../../models/look/stylize.js';

export interface TilingFlags { tile?: number; tileOverlap?: number; tileAbove?: number }

export function tilingOptions(cmd: Command): Command {
  return cmd
    .option('--tile <px>', `run the model in tiles of this size (default: ${DEFAULT_TILING.tile}, only for frames above ${DEFAULT_TILING.tileAbove} pixels); 0 never tiles`, integer)
    .option('--tile-overlap <px>', `overlap between tiles (default ${DEFAULT_TILING.overlap}; smaller is faster and can show seams)`, integer)
    .option('--tile-above <pixels>', `tile frames with more pixels than this (default ${DEFAULT_TILING.tileAbove})`, integer);
}

/** The flags as TilingOptions; --tile alone tiles every frame at that size, --tile 0 never tiles. */
export function parseTiling(o: TilingFlags): TilingOptions {
  const t: TilingOptions = {};
  if (o.tile !== undefined) {
    if (o.tile < 0 || (o.tile > 0 && o.tile < 64)) throw new Error(`--tile must be 0 (never tile) or at least 64 pixels, got ${o.tile}`);
    if (o.tile === 0) return { tileAbove: Infinity };
    t.tile = o.tile;
    t.tileAbove = o.tileAbove ?? 0;
  } else if (o.tileAbove !== undefined) t.tileAbove = o.tileAbove;
  if (t.tileAbove !== undefined && t.tileAbove < 0) throw new Error(`--tile-above must be 0 or more pixels, got ${t.tileAbove}`);
  if (o.tileOverlap !== undefined) {
    if (o.tileOverlap < 0) throw new Error(`--tile-overlap must be 0 or more pixels, got ${o.tileOverlap}`);
    if (t.tile !== undefined && o.tileOverlap * 2 >= t.tile) throw new Error(`--tile-overlap ${o.tileOverlap} must be less than half the tile (${t.tile})`);
    t.overlap = o.tileOverlap;
  }
  return t;
}
