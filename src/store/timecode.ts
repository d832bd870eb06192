// SMPTE timecode HH:MM:SS:FF (';' before FF marks drop-frame, counted as such at 29.97 and 59.94
// fps). A shot's start timecode names its first frame.

export interface Timecode { h: number; m: number; s: number; f: number; drop: boolean }

export function parseTimecode(text: string, fps: number): Timecode {
  const m = /^(\d{2}):(\d{2}):(\d{2})([:;])(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`timecode "${text}" must look like 01:00:00:00 (HH:MM:SS:FF)`);
  const [h, mi, s, f] = [m[1], m[2], m[3], m[5]].map(Number) as [number, number, number, number];
  const rate = Math.round(fps);
  if (h > 23 || mi > 59 || s > 59) throw new Error(`timecode "${text}": hours 0-23, minutes and seconds 0-59`);
  if (f >= rate) throw new Error(`timecode "${text}": frame ${f} does not exist at ${fps} fps (0-${rate - 1})`);
  return { h, m: mi, s, f, drop: m[4] === ';' };
}

export function formatTimecode(t: Timecode): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(t.h)}:${p(t.m)}:${p(t.s)}${t.drop ? ';' : ':'}${p(t.f)}`;
}

/**
 * The timecode `frames` frames after `start`, wrapping at 24 h. Drop-frame timecode (';') at 29.97
 * and 59.94 fps skips frame numbers 0-1 (0-3 at 59.94) at each minute but every tenth, as SMPTE
 * 12M counts it: an EXR's header then agrees with the movie's timecode track. Other rates count
 * every frame.
 */
export function addFrames(start: Timecode, frames: number, fps: number): Timecode {
  const rate = Math.round(fps);
  const drop = start.drop && (rate === 30 || rate === 60) ? rate / 15 : 0; // frame numbers skipped a minute
  const nominal = (t: Timecode) => ((t.h * 60 + t.m) * 60 + t.s) * rate + t.f;
  // Drop-frame labels to a frame count and back (non-drop when drop is 0).
  const perTen = rate * 600 - drop * 9, perMinute = rate * 60 - drop;
  const minutes = start.h * 60 + start.m;
  const count = nominal(start) - drop * (minutes - Math.floor(minutes / 10));
  const day = drop ? perTen * 144 : 24 * 3600 * rate;
  const n = ((count + frames) % day + day) % day;
  const tens = Math.floor(n / perTen), rest = n % perTen;
  const label = n + drop * 9 * tens + (rest > drop ? drop * Math.floor((rest - drop) / perMinute) : 0);
  return { h: Math.floor(label / (3600 * rate)), m: Math.floor(label / (60 * rate)) % 60, s: Math.floor(label / rate) % 60, f: label % rate, drop: start.drop };
}
