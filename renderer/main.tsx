/** Renderer entry: one store per window over the API the preload (or the e2e harness) provides. */
import { StrictMode, useEffect, useState, type DragEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { getApi } from './api.ts';
import { StoreContext, useActions, useApp } from './hooks.ts';
import { createAppStore } from './store.ts';
import { Toolbar } from './components/Toolbar.tsx';
import { ServiceStopped } from './components/ServiceStopped.tsx';
import { TreeView } from './components/TreeView.tsx';
import { DetailsPane } from './components/DetailsPane.tsx';
import { FindingsPanel } from './components/FindingsPanel.tsx';
import { HexView } from './components/HexView.tsx';
import { BrokenBanner } from './components/BrokenBanner.tsx';
import { VerifyBar } from './components/VerifyBar.tsx';
import { CompareBar } from './components/CompareBar.tsx';
import { OpenScreen } from './components/OpenScreen.tsx';
import { SharingPanel } from './components/SharingView.tsx';
import { RepositoryPanel } from './components/RepositoryPanel.tsx';
import { Splitter } from './components/Splitter.tsx';

function App() {
  const hasImage = useApp((s) => s.activeId !== undefined);
  const sharing = useApp((s) => s.sharing !== undefined);
  const repository = useApp((s) => s.repository.open);
  const theme = useApp((s) => s.theme);
  const topShare = useApp((s) => s.topShare);
  const error = useApp((s) => s.error);
  const actions = useActions();
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    const path = getApi().pathForFile?.(file);
    // A folder or a meta.json is a repository; anything else is an image.
    const folder = e.dataTransfer.items[0]?.webkitGetAsEntry?.()?.isDirectory === true;
    if (path && (folder || /(^|[/\\])meta\.json$/.test(path))) void actions.openRepository(path);
    else if (path) void actions.open(path);
    else actions.fail('This window cannot read the path of a dropped file; use Open instead.');
  };

  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <Toolbar />
      {repository ? <RepositoryPanel /> : null}
      {hasImage ? (
        <>
          <ServiceStopped />
          <BrokenBanner />
          <VerifyBar />
          <CompareBar />
          {sharing ? (
            <main className="sharing-main">
              <SharingPanel />
            </main>
          ) : null}
          <main className="workspace" hidden={sharing || repository}>
            <div className="top" style={{ flexGrow: topShare }}>
              <TreeView />
              <DetailsPane />
            </div>
            <Splitter />
            <div className="bottom" style={{ flexGrow: 1 - topShare }}>
              <FindingsPanel />
              <HexView />
            </div>
          </main>
        </>
      ) : repository ? null : (
        <OpenScreen />
      )}
      {error && hasImage ? (
        <div className="status-error" role="alert">
          {error}
          <button className="link-btn" onClick={() => actions.dismissError()}>
            dismiss
          </button>
        </div>
      ) : null}
    </div>
  );
}

const store = createAppStore(getApi());
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
