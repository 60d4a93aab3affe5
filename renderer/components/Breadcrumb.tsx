/**
 * The selected node's path on one line, each ancestor a button that reveals it in the tree. Reads
 * as the plain path; long components are cut in the middle (MiddleText), never wrapped.
 */
import { useActions } from '../hooks.ts';
import { childPath, pathComponents } from '../tree.ts';
import { MiddleText, middleParts } from './MiddleText.tsx';

export function Breadcrumb({ path, testId }: { path: string; testId?: string }) {
  const actions = useActions();
  const parts = pathComponents(path);
  const ancestors = parts.map((_, i) => parts.slice(0, i + 1).reduce(childPath, '/'));
  const last = parts.length - 1;
  return (
    <nav className="breadcrumb dim mono small" aria-label="Path" data-testid={testId} title={path}>
      <button className="crumb" title="/" onClick={() => void actions.reveal('/')} aria-label="root folder /">
        /
      </button>
      {parts.map((name, i) => (
        <span key={ancestors[i]} className={`crumb-part${i === last ? ' last' : middleParts(name)[1] ? ' long' : ''}`}>
          {i > 0 ? <span className="crumb-sep">/</span> : null}
          {i === last ? (
            <span className="crumb current" aria-current="location">
              <MiddleText text={name} />
            </span>
          ) : (
            <button className="crumb" title={ancestors[i]} onClick={() => void actions.reveal(ancestors[i]!)}>
              <MiddleText text={name} title={ancestors[i]} />
            </button>
          )}
        </span>
      ))}
    </nav>
  );
}
