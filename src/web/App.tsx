// The review app: sign-in, then Library / Models / Shots / Jobs / Farm pages (hash routes).
import { createContext, useContext, useEffect, useState } from 'react';
import { api, ApiError } from './api';
import { LibraryPage } from './pages/Library';
import { ModelsPage } from './pages/Models';
import { ShotsPage } from './pages/Shots';
import { JobsPage } from './pages/Jobs';
import { FarmPage } from './pages/Farm';
import { LoginPage } from './pages/Login';
import { PlaylistsPage } from './pages/Playlists';
import { DEFAULT_PAGE, routeOf } from './route';

export interface Me { name: string; role: 'viewer' | 'artist' | 'supervisor'; production: string; limits: { uploadBytes: number } }
const MeContext = createContext<Me | null>(null);
export const useMe = () => useContext(MeContext)!;
export const can = (me: Me, role: Me['role']) => ['viewer', 'artist', 'supervisor'].indexOf(me.role) >= ['viewer', 'artist', 'supervisor'].indexOf(role);

function useHash(): string[] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return routeOf(hash);
}

const PAGES = [['library', 'Library'], ['models', 'Models'], ['shots', 'Shots'], ['playlists', 'Playlists'], ['jobs', 'Jobs'], ['farm', 'Farm']] as const;

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const route = useHash();
  const load = () => api<Me>('/api/me').then(setMe, (e) => { if (e instanceof ApiError && e.status === 401) setMe(null); else setMe(null); });
  useEffect(() => { void load(); }, []);
  if (me === undefined) return <div className="loading">Loading…</div>;
  if (me === null) return <LoginPage onSignedIn={load} />;
  const page = route[0] ?? DEFAULT_PAGE;
  return (
    <MeContext.Provider value={me}>
      <header className="top">
        <span className="brand">Atelier dailies</span>
        <span className="prod">{me.production}</span>
        <nav>
          {PAGES.map(([id, label]) => <a key={id} href={`#/${id}`} className={page === id ? 'active' : ''} data-testid={`nav-${id}`}>{label}</a>)}
        </nav>
        <span className="who" data-testid="who">{me.name} · {me.role}</span>
        <button className="link" onClick={() => api('/api/session', { method: 'DELETE' }).then(() => setMe(null))}>Sign out</button>
      </header>
      <main>
        {page === 'library' && <LibraryPage />}
        {page === 'models' && <ModelsPage id={route[1] ? Number(route[1]) : null} />}
        {page === 'shots' && <ShotsPage shot={route[1] ?? null} version={route[2] ? Number(route[2]) : null} />}
        {page === 'playlists' && <PlaylistsPage id={route[1] ? Number(route[1]) : null} />}
        {page === 'jobs' && <JobsPage />}
        {page === 'farm' && <FarmPage />}
      </main>
    </MeContext.Provider>
  );
}
