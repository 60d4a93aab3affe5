/**
 * A name that keeps both ends when it does not fit: "very-long-na…name.conf". The head gives way
 * (CSS ellipsis) while the tail, which holds the extension or the distinguishing suffix, stays
 * whole; the full text is the tooltip and still the element's text, so copy and search see it all.
 */

/** Characters the tail keeps: enough for "name.conf" or a version suffix. */
export const MIDDLE_TAIL = 9;

/**
 * Splits `text` into a head that may be cut and a tail that stays. Counted in code points so a
 * tail never starts inside a surrogate pair; short texts are not split (nothing to keep apart).
 */
export function middleParts(text: string, tail = MIDDLE_TAIL): [string, string] {
  const chars = Array.from(text);
  if (chars.length <= tail * 2) return [text, ''];
  return [chars.slice(0, -tail).join(''), chars.slice(-tail).join('')];
}

export function MiddleText({ text, className, title = text }: { text: string; className?: string; title?: string }) {
  const [head, tail] = middleParts(text);
  return (
    <span className={`mid${className ? ` ${className}` : ''}`} title={title}>
      <span className="mid-head">{head}</span>
      {tail ? <span className="mid-tail">{tail}</span> : null}
    </span>
  );
}
