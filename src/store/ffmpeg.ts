// Debian's ffmpeg/ffprobe, run as child processes with argument arrays (never a shell string).
import { spawnSync } from 'node:child_process';

export function runTool(tool: 'ffmpeg' | 'ffprobe', args: string[], what: string): Buffer {
  const r = spawnSync(tool, args, { maxBuffer: 1 << 30 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${what}: ${tool} is not installed (apt-get install ffmpeg)` : `${what}: ${tool} failed to start (${r.error.message})`);
  }
  if (r.status !== 0) {
    const msg = r.stderr.toString().trim().split('\n').filter(Boolean).slice(-2).join('; ') || `exit code ${r.status}`;
    throw new Error(`${what}: ${msg}`);
  }
  return r.stdout;
}

export interface VideoProbe {
  width: number; height: number; fps: number; frames: number | null; codec: string;
  /** WebM's VP8/VP9 alpha (alpha_mode 1): kept only by libvpx's decoders, not ffmpeg's own. */
  alpha: boolean;
}

export function probeVideo(path: string): VideoProbe {
  const out = runTool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'stream=width,height,r_frame_rate,avg_frame_rate,nb_frames,codec_name:stream_tags=alpha_mode', '-of', 'json', path], path);
  const s = (JSON.parse(out.toString()) as { streams?: Record<string, unknown>[] }).streams?.[0];
  if (!s) throw new Error(`${path}: no video stream`);
  const rate = (r: unknown) => {
    const [n, d] = String(r ?? '0/1').split('/').map(Number);
    return d ? n / d : 0;
  };
  const fps = rate(s.avg_frame_rate) || rate(s.r_frame_rate);
  const frames = Number(s.nb_frames);
  const tags = (s.tags ?? {}) as Record<string, string>;
  return { width: Number(s.width), height: Number(s.height), fps, frames: Number.isFinite(frames) && frames > 0 ? frames : null, codec: String(s.codec_name), alpha: tags.alpha_mode === '1' || tags.ALPHA_MODE === '1' };
}
