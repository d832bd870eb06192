// The movie flags of `atelier render`, local and --farm alike: --prores / --prores4444 choose the
// codec (one of the movie writer's, render/movie.ts), --burn-in stamps the picture.
import type { MovieCodec } from '../../render/movie.js';

export interface MovieFlags { prores?: boolean; prores4444?: boolean; burnIn?: boolean }

/** The codec the flags choose (default H.264); both ProRes flags at once are refused. */
export function movieCodecFromFlags(o: MovieFlags): MovieCodec {
  if (o.prores && o.prores4444) throw new Error('--prores and --prores4444 each choose the movie codec: give one');
  return o.prores4444 ? 'prores4444' : o.prores ? 'prores' : 'h264';
}
