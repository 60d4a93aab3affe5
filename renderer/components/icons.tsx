/** Small inline icons (no remote content, no icon font), drawn with currentColor so themes apply. */
import type { ReactNode } from 'react';
import type { NodeKind } from '../../shared/model.ts';

const Svg = ({ children, title }: { children: ReactNode; title?: string }) => (
  <svg className="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden={title ? undefined : true}>
    {title ? <title>{title}</title> : null}
    {children}
  </svg>
);

export function KindIcon({ kind, open }: { kind: NodeKind; open?: boolean }) {
  switch (kind) {
    case 'dir':
      return (
        <Svg>
          <path
            className="i-dir"
            d={open ? 'M1.5 3.5h4l1.5 1.5h7.5v1.5H4L1.5 13z M4 6.5h11l-2.5 7h-11z' : 'M1.5 3.5h4l1.5 1.5h7.5v8.5h-13z'}
          />
        </Svg>
      );
    case 'symlink':
      return (
        <Svg>
          <path className="i-link" d="M3 12.5 9.5 6M6 5.5h4.5V10" fill="none" strokeWidth="1.6" />
        </Svg>
      );
    case 'chardev':
    case 'blockdev':
      return (
        <Svg>
          <rect className="i-dev" x="2.5" y="4" width="11" height="8" rx="1.5" />
        </Svg>
      );
    case 'fifo':
    case 'socket':
      return (
        <Svg>
          <circle className="i-dev" cx="8" cy="8" r="4.5" />
        </Svg>
      );
    case 'file':
      return (
        <Svg>
          <path className="i-file" d="M3.5 1.5h6l3 3v10h-9z" />
        </Svg>
      );
    default:
      return (
        <Svg>
          <path className="i-unknown" d="M3.5 1.5h9v13h-9z" />
        </Svg>
      );
  }
}

export function Twisty({ open }: { open: boolean }) {
  return (
    <svg className="twisty-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden>
      <path d={open ? 'M4 6l4 4 4-4' : 'M6 4l4 4-4 4'} fill="none" strokeWidth="1.8" />
    </svg>
  );
}
