// Playlists: review sessions of several shots in order, each at its version with its status, played
// end to end in one player (the next shot starts after the last frame of the one before), each
// shot at its own frame rate and in its own timecode.
// Supervisors make and edit them; everyone plays them.
import { useMemo, useState } from 'react';
import { api, useApi } from '../api';
import { can, useMe } from '../App';
import { Player, shotTimecode, type PlayerFrame } from '../components/Player';
import { LoadError } from '../components/LoadError';

interface Item { shot: string; versionId: number | null; versionNumber: number | null; pinned: boolean; status: string | null; quality: string | null; fps: number; timecode: string | null; rangeStart: number; width: number | null; height: number | null; problem: string | null; frames: { frame: number; renderId: number | null; rough: number | null }[] }
interface Playlist { id: number; name: string; createdBy: string; updatedAt: string; items: Item[] }

const go = (id?: number) => { location.hash = `#/playlists${id ? `/${id}` : ''}`; };
const status = (s: string | null) => (s === 'approved' ? 'approved' : s === 'needs_work' ? 'needs work' : 'not reviewed');

export function PlaylistsPage({ id }: { id: number | null }) {
  const me = useMe();
  const [tick, setTick] = useState(0);
  const { data: list, error: listError } = useApi<{ playlists: { id: number; name: string; shots: number; createdBy: string }[] }>('/api/playlists', [tick]);
  return (
    <div className="split">
      <aside className="side-list">
        <h2>Playlists</h2>
        <ul data-testid="playlists">
          {(list?.playlists ?? []).map((p) => (
            <li key={p.id} className={p.id === id ? 'active' : ''}>
              <a href={`#/playlists/${p.id}`} data-testid={`playlist-${p.id}`}>{p.name}</a>
              <small>{p.shots} shot{p.shots === 1 ? '' : 's'} · {p.createdBy}</small>
            </li>
          ))}
        </ul>
        {list && !list.playlists.length && <p className="muted">No playlists yet.</p>}
        <LoadError what="the playlists" error={listError} retry={() => setTick((t) => t + 1)} />
        {can(me, 'supervisor') && <button onClick={() => go()} data-testid="new-playlist">New playlist</button>}
      </aside>
      <section className="content">
        {id ? <PlaylistView key={id} id={id} onChanged={() => setTick((t) => t + 1)} />
          : can(me, 'supervisor') ? <PlaylistEditor onSaved={(p) => { setTick((t) => t + 1); go(p.id); }} /> : <p className="muted">Pick a playlist.</p>}
      </section>
    </div>
  );
}

function PlaylistView({ id, onChanged }: { id: number; onChanged: () => void }) {
  const me = useMe();
  const { data: p, error, reload } = useApi<Playlist>(`/api/playlists/${id}`);
  const [editing, setEditing] = useState(false);
  const [index, setIndex] = useState(0);
  // Every shot's frames one after another; side A the rough frames, side B the version.
  const { frames, starts } = useMemo(() => {
    const frames: PlayerFrame[] = [], starts: number[] = [];
    for (const it of p?.items ?? []) {
      starts.push(frames.length);
      for (const f of it.frames) frames.push({ frame: f.frame, rough: f.rough ? `/api/assets/${f.rough}/view` : null, final: f.renderId ? `/api/renders/${f.renderId}/file` : null });
    }
    return { frames, starts };
  }, [p]);
  if (error) return <p className="error" data-testid="playlist-error">{error}</p>;
  if (!p) return <p>Loading…</p>;
  if (editing) return <PlaylistEditor playlist={p} onSaved={() => { setEditing(false); reload(); onChanged(); }} onCancel={() => setEditing(false)} />;
  const itemOf = (i: number) => starts.reduce((found, s, k) => (s <= i ? k : found), 0);
  const itemAt = (i: number): Item | undefined => p.items[itemOf(i)];
  const at = itemOf(index);
  const item = p.items[at];
  const first = p.items[0];
  return (
    <div className="playlist-view" data-testid="playlist-view">
      <div className="row head">
        <h2>{p.name}</h2>
        <span className="muted">{p.items.length} shots · {frames.length} frames · by {p.createdBy}</span>
        {can(me, 'supervisor') && <button onClick={() => setEditing(true)} data-testid="edit-playlist">Edit</button>}
        <span className="exports">notes: <a href={`/api/playlists/${p.id}/notes.csv`} download data-testid="playlist-csv">CSV</a> · <a href={`/api/playlists/${p.id}/notes.pdf`} download data-testid="playlist-pdf">PDF contact sheet</a></span>
        {item && <span className="now-playing" data-testid="now-playing" data-shot={item.shot}>now: <b>{item.shot}</b> v{item.versionNumber ?? '–'} · frame {frames[index]?.frame}</span>}
      </div>
      {frames.length > 0 && (
        <Player key={`${p.id}-${p.updatedAt}`} frames={frames} fps={first?.fps ?? 24} width={first?.width ?? 256} height={first?.height ?? 256}
          onIndex={setIndex} labels={['rough', 'version']} initialMode="final" markers={[]}
          timecodeOf={(i) => { const it = itemAt(i); return it ? shotTimecode(frames[i]!.frame, it.fps, it.timecode, it.rangeStart) : ''; }} burnInLabel={(i) => itemAt(i)?.shot ?? ''}
          fpsOf={(i) => itemAt(i)?.fps ?? 24} />
      )}
      <ol className="playlist-items" data-testid="playlist-items">
        {p.items.map((it, i) => (
          <li key={i} className={i === at ? 'current' : ''} data-testid="playlist-item" data-shot={it.shot} data-status={it.status ?? ''}>
            <a href={`#/shots/${encodeURIComponent(it.shot)}${it.versionId ? `/${it.versionId}` : ''}`}>{it.shot}</a>
            {' '}<span>{it.versionNumber ? `v${it.versionNumber}${it.pinned ? '' : ' (newest)'} · ${it.quality}` : 'rough frames'}</span>
            {' '}<span className={`badge ${it.status ?? ''}`} data-testid="item-status">{status(it.status)}</span>
            <small> {it.frames.length} frames</small>
            {it.problem && <small className="error"> {it.problem}</small>}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Name and shots (each with a version, or the newest) in order: add, move, remove, save. */
function PlaylistEditor({ playlist, onSaved, onCancel }: { playlist?: Playlist; onSaved: (p: Playlist) => void; onCancel?: () => void }) {
  const { data: shots } = useApi<{ shots: { name: string; versions: number }[] }>('/api/shots');
  const [name, setName] = useState(playlist?.name ?? '');
  const [items, setItems] = useState<{ shot: string; versionId: number | null }[]>(playlist?.items.map((i) => ({ shot: i.shot, versionId: i.pinned ? i.versionId : null })) ?? []);
  const [adding, setAdding] = useState('');
  const [error, setError] = useState<string | null>(null);
  const move = (i: number, d: number) => setItems((xs) => { const ys = [...xs]; const [x] = ys.splice(i, 1); ys.splice(i + d, 0, x!); return ys; });
  const save = async () => {
    setError(null);
    try {
      const body = { name, items };
      const p = playlist ? await api<Playlist>(`/api/playlists/${playlist.id}`, { method: 'PATCH', body }) : await api<Playlist>('/api/playlists', { body });
      onSaved(p);
    } catch (e) { setError((e as Error).message); }
  };
  const remove = async () => {
    if (!playlist) return;
    try { await api(`/api/playlists/${playlist.id}`, { method: 'DELETE' }); go(); } catch (e) { setError((e as Error).message); }
  };
  return (
    <div className="playlist-editor card" data-testid="playlist-editor">
      <h3>{playlist ? `Edit ${playlist.name}` : 'New playlist'}</h3>
      <div className="row"><label>name <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} data-testid="playlist-name" /></label></div>
      <ol className="playlist-items">
        {items.map((it, i) => (
          <li key={`${i}-${it.shot}`} data-testid="editor-item">
            <b>{it.shot}</b> <VersionPicker shot={it.shot} value={it.versionId} onChange={(v) => setItems((xs) => xs.map((x, j) => (j === i ? { ...x, versionId: v } : x)))} />
            <button onClick={() => move(i, -1)} disabled={i === 0} title="earlier">↑</button>
            <button onClick={() => move(i, 1)} disabled={i === items.length - 1} title="later">↓</button>
            <button onClick={() => setItems((xs) => xs.filter((_, j) => j !== i))} data-testid="remove-item">remove</button>
          </li>
        ))}
      </ol>
      <div className="row">
        <select value={adding} onChange={(e) => setAdding(e.target.value)} data-testid="add-shot-select">
          <option value="">shot…</option>
          {(shots?.shots ?? []).map((s) => <option key={s.name} value={s.name}>{s.name} ({s.versions} version{s.versions === 1 ? '' : 's'})</option>)}
        </select>
        <button disabled={!adding} onClick={() => { setItems((xs) => [...xs, { shot: adding, versionId: null }]); setAdding(''); }} data-testid="add-shot">add shot</button>
      </div>
      <div className="row">
        <button className="primary" disabled={!name.trim() || !items.length} onClick={save} data-testid="save-playlist">Save</button>
        {onCancel && <button onClick={onCancel}>Cancel</button>}
        {playlist && <button onClick={remove} data-testid="delete-playlist">Delete playlist</button>}
        {error && <span className="error" data-testid="playlist-editor-error">{error}</span>}
      </div>
    </div>
  );
}

function VersionPicker({ shot, value, onChange }: { shot: string; value: number | null; onChange: (v: number | null) => void }) {
  const { data } = useApi<{ versions: { id: number; number: number; quality: string; verdict: string | null }[] }>(`/api/shots/${encodeURIComponent(shot)}`);
  return (
    <select value={value ?? ''} onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)} data-testid="item-version">
      <option value="">newest version</option>
      {(data?.versions ?? []).map((v) => <option key={v.id} value={v.id}>v{v.number} · {v.quality}{v.verdict ? ` · ${status(v.verdict)}` : ''}</option>)}
    </select>
  );
}
