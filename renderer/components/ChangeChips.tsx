/**
 * The comparison's count chips, one toggle button per kind of change: pressed, the tree and the
 * Changes list show only that kind (the folders leading to those changes stay); pressed again,
 * every change. Buttons, so Tab reaches them and Enter or Space toggles them.
 */
import type { ChangeKind, DiffReport } from '../../shared/api.ts';
import { useActions } from '../hooks.ts';

export const CHANGE_KINDS: ChangeKind[] = ['added', 'removed', 'modified', 'renamed'];
export const CHANGE_TONE: Record<ChangeKind, string> = { added: 'chip-ok', removed: 'chip-bad', modified: 'chip-warn', renamed: 'chip-renamed' };

export function ChangeChips({ counts, only }: { counts: DiffReport['counts']; only: ChangeKind | undefined }) {
  const actions = useActions();
  return (
    <span className="change-chips" role="group" aria-label="Show only">
      {CHANGE_KINDS.map((k) => (
        <button
          key={k}
          type="button"
          className={`chip chip-toggle ${CHANGE_TONE[k]}`}
          data-kind={k}
          aria-pressed={only === k}
          title={only === k ? 'Show every change again' : `Show only ${k} entries, and the folders leading to them`}
          onClick={() => void actions.filterChanges(k)}
        >
          {counts[k]} {k}
        </button>
      ))}
    </span>
  );
}
