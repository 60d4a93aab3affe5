/** The selected node's path, each ancestor a button that reveals it in the tree. Reads as the plain path. */
import { useActions } from '../hooks.ts';
import { childPath, pathComponents } from '../tree.ts';

export function Breadcrumb({ path, testId }: { path: string; testId?: string }) {
  const actions = useActions();
  const parts = pathComponents(path);
  const ancestors = parts.map((_, i) => parts.slice(0, i + 1).reduce(childPath, '/'));
  const last = parts.length - 1;
  return (
    <nav className="breadcrumb dim mono small" aria-label="Path" data-testid={testId}>
      <button className="crumb" title="/" onClick={() => void actions.reveal('/')} aria-label="root folder /">
        /
      </button>
      {parts.map((name, i) => (
        <span key={ancestors[i]}>
          {i > 0 ? <span className="crumb-sep">/</span> : null}
          {i === last ? (
            <span className="crumb current" aria-current="location">{name}</span>
          ) : (
            <button className="crumb" title={ancestors[i]} onClick={() => void actions.reveal(ancestors[i]!)}>
              {name}
            </button>
          )}
        </span>
      ))}
    </nav>
  );
}
