// SMPTE timecode HH:MM:SS:FF (non-drop; ';' before FF marks drop-frame, which is kept as text but
// only counted for whole-number rates). A shot's start timecode names its first frame.

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

/** The timecode `frames` frames after `start` (non-drop counting, wrapping at 24 h). */
export function addFrames(start: Timecode, frames: number, fps: number): Timecode {
  const rate = Math.round(fps);
  const day = 24 * 3600 * rate;
  const total = ((((start.h * 60 + start.m) * 60 + start.s) * rate + start.f + frames) % day + day) % day;
  return { h: Math.floor(total / (3600 * rate)), m: Math.floor(total / (60 * rate)) % 60, s: Math.floor(total / rate) % 60, f: total % rate, drop: start.drop };
}
