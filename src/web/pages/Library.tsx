// Library: assets by kind, tag and character; rights status at a glance; upload (validated by
// the server with the workspace's ingest).
import { useEffect, useRef, useState } from 'react';
import { api, useApi } from '../api';
import { can, useMe } from '../App';
import { LoadError } from '../components/LoadError';

const KIND_LABEL: Record<string, string> = { concept_art: 'concept art', character_sheet: 'character sheets', paintover: 'paintovers', rough_frame: 'rough frames', render_pass: 'render passes', keyframe: 'keyframes' };

const PAGE = 200;

export function LibraryPage() {
  const me = useMe();
  const [kind, setKind] = useState('');
  const [tag, setTag] = useState('');
  const [character, setCharacter] = useState('');
  const { data: facets, reload: reloadFacets } = useApi<any>('/api/assets/facets');
  // A page at a time; "show more" fetches the next page, and the count always says how many match.
  const q = new URLSearchParams({ limit: String(PAGE), ...(kind && { kind }), ...(tag && { tag }), ...(character && { character }) });
  const { data, error, reload } = useApi<{ assets: any[]; total: number }>(`/api/assets?${q}`);
  const [more, setMore] = useState<any[]>([]);
  const [moreError, setMoreError] = useState<string | null>(null);
  useEffect(() => { setMore([]); setMoreError(null); }, [data]);
  const shown = [...(data?.assets ?? []), ...more];
  const loadMore = () => {
    const next = new URLSearchParams(q);
    next.set('offset', String(shown.length));
    api<{ assets: any[] }>(`/api/assets?${next}`).then((d) => setMore((m) => [...m, ...d.assets]), (e: Error) => setMoreError(e.message));
  };
  return (
    <div className="library">
      <div className="filters">
        <div className="chips" data-testid="kind-filter">
          <button className={!kind ? 'on' : ''} onClick={() => setKind('')}>all</button>
          {(facets?.kinds ?? []).filter((k: any) => k.count).map((k: any) => (
            <button key={k.kind} className={kind === k.kind ? 'on' : ''} onClick={() => setKind(k.kind)} data-testid={`kind-${k.kind}`}>{KIND_LABEL[k.kind] ?? k.kind} <small>{k.count}</small></button>
          ))}
        </div>
        <label>tag <select value={tag} onChange={(e) => setTag(e.target.value)} data-testid="tag-filter"><option value="">any</option>{(facets?.tags ?? []).map((t: any) => <option key={t.tag} value={t.tag}>{t.tag} ({t.count})</option>)}</select></label>
        <label>character <select value={character} onChange={(e) => setCharacter(e.target.value)} data-testid="character-filter"><option value="">any</option>{(facets?.characters ?? []).map((c: any) => <option key={c.character} value={c.character}>{c.character} ({c.count})</option>)}</select></label>
        {facets && <span className="rights-summary"><span className="dot cleared" /> {facets.cleared} cleared · <span className="dot unknown" /> {facets.notCleared} not cleared</span>}
      </div>
      {can(me, 'artist') && <Upload onDone={() => { reload(); reloadFacets(); }} />}
      <div className="grid" data-testid="assets">
        {shown.map((a) => (
          <figure key={a.id} className="asset" data-rights={a.rightsStatus}>
            <img src={`/api/assets/${a.id}/preview?size=240`} alt={a.originalName} loading="lazy" />
            <figcaption>
              <span className={`rights ${a.rightsStatus}`} title={`owner ${a.rights.owner ?? '?'} · licence ${a.rights.licence ?? '?'} · ${a.rights.clearedForTraining ? 'cleared for training' : 'NOT cleared for training'}`}>
                {a.rightsStatus === 'cleared' ? '✔ cleared' : a.rightsStatus === 'pending' ? '● not cleared' : '✖ rights unknown'}
              </span>
              <b title={a.originalName}>{a.originalName}</b>
              <small>#{a.id} · {KIND_LABEL[a.kind] ?? a.kind} · {a.width}×{a.height}</small>
              <small className="tags">{[...a.characters.map((c: string) => '@' + c), ...a.tags.filter((t: string) => !t.includes(':'))].join(' ')}</small>
            </figcaption>
          </figure>
        ))}
        {data && !data.assets.length && <p className="muted">nothing matches</p>}
        <LoadError what="the assets" error={error} retry={reload} />
      </div>
      {data && data.total > 0 && (
        <div className="row more">
          <span className="muted" data-testid="asset-count">showing {shown.length} of {data.total}</span>
          {shown.length < data.total && <button onClick={loadMore} data-testid="load-more">show {Math.min(PAGE, data.total - shown.length)} more</button>}
          {moreError && <span className="error">{moreError}</span>}
        </div>
      )}
    </div>
  );
}

function Upload({ onDone }: { onDone: () => void }) {
  const me = useMe();
  const files = useRef<HTMLInputElement>(null);
  const [kind, setKind] = useState('concept_art');
  const [tags, setTags] = useState('');
  const [characters, setCharacters] = useState('');
  const [owner, setOwner] = useState('');
  const [licence, setLicence] = useState('');
  const [result, setResult] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null); setResult(null);
    const list = [...(files.current?.files ?? [])];
    const tooBig = list.find((f) => f.size > me.limits.uploadBytes);
    if (tooBig) { setError(`${tooBig.name} is over the upload limit (${Math.round(me.limits.uploadBytes / 1048576)} MB)`); return; }
    const form = new FormData();
    // Fields first: the server reads them before the files.
    Object.entries({ kind, tags, characters, owner, licence }).forEach(([k, v]) => v && form.append(k, v));
    list.forEach((f) => form.append('files', f, f.name));
    try { setResult(await api('/api/assets', { form })); onDone(); } catch (err) { setError((err as Error).message); }
  };
  return (
    <form className="upload card" onSubmit={submit} data-testid="upload">
      <b>Upload</b>
      <input type="file" multiple accept="image/*,.exr" ref={files} data-testid="upload-files" />
      <select value={kind} onChange={(e) => setKind(e.target.value)} data-testid="upload-kind">{Object.entries(KIND_LABEL).map(([k, l]) => <option key={k} value={k}>{l}</option>)}</select>
      <input placeholder="tags, comma-separated" value={tags} onChange={(e) => setTags(e.target.value)} />
      <input placeholder="characters" value={characters} onChange={(e) => setCharacters(e.target.value)} />
      <input placeholder="owner" value={owner} onChange={(e) => setOwner(e.target.value)} />
      <input placeholder="licence" value={licence} onChange={(e) => setLicence(e.target.value)} />
      <button type="submit" data-testid="upload-submit">Upload</button>
      {error && <span className="error">{error}</span>}
      {result && <span data-testid="upload-result">{result.summary.added} added, {result.summary.duplicates} duplicates, {result.summary.rejected} rejected{result.results.filter((r: any) => r.reason).map((r: any) => ` — ${r.file}: ${r.reason}`).join('')}</span>}
    </form>
  );
}
