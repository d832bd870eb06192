// A production's colour context from its settings: its OCIO config (ocio_config, a path relative
// to the production folder or absolute; else the built-in config) and its working, image and EXR
// colour spaces, each checked against that config (an unknown name is an error that lists the spaces).
import { isAbsolute, resolve } from 'node:path';
import { colourConfig, colourSpace, type ColourContext } from '../data/colour.js';
import type { Production, Settings } from './production.js';

export function colourContextFor(dir: string, s: Pick<Settings, 'ocioConfig' | 'workingColorSpace' | 'imageColorSpace' | 'exrColorSpace'>): ColourContext {
  const config = colourConfig(s.ocioConfig ? (isAbsolute(s.ocioConfig) ? s.ocioConfig : resolve(dir, s.ocioConfig)) : null);
  const check = (key: string, name: string) => {
    try { return colourSpace(config, name); } catch (err) { throw new Error(`setting ${key}: ${(err as Error).message}`); }
  };
  return {
    config,
    working: check('working_color_space', s.workingColorSpace),
    image: check('image_color_space', s.imageColorSpace),
    exr: check('exr_color_space', s.exrColorSpace),
  };
}

/** The settings colourContextFor reads: a change to one is checked against the config before it is stored. */
export const COLOUR_SETTINGS = ['ocioConfig', 'workingColorSpace', 'imageColorSpace', 'exrColorSpace'] as const;

/** The colour context renders and loaders of this production use. */
export async function productionColour(prod: Production): Promise<ColourContext> {
  return colourContextFor(prod.dir, await prod.settings());
}
