/**
 * A name that keeps both ends when it does not fit: "very-long-na…name.conf". The head gives way
 * (CSS ellipsis) while the tail, which holds the extension or the distinguishing suffix, stays
 * whole; the full text is the tooltip and still the element's text, so copy and search see it all.
 */

/** Characters the tail keeps: enough for "name.conf" or a version suffix. */
export const MIDDLE_TAIL = 9;

/**
 * Splits `text` into a head that may be cut and a tail of `tail` characters that stays. Counted in
 * code points so a tail never starts inside a surrogate pair; a text without `minHead` characters
 * before its tail is not split (too short for an ellipsis to save anything).
 */
export function middleParts(text: string, tail = MIDDLE_TAIL, minHead = tail): [string, string] {
  const chars = Array.from(text);
  if (tail <= 0 || chars.length <= tail + minHead) return [text, ''];
  return [chars.slice(0, -tail).join(''), chars.slice(-tail).join('')];
}

export function MiddleText({ text, className, title = text, tail }: { text: string; className?: string; title?: string; tail?: number }) {
  const [head, end] = middleParts(text, tail ?? MIDDLE_TAIL, tail === undefined ? MIDDLE_TAIL : 2);
  return (
    <span className={`mid${className ? ` ${className}` : ''}`} title={title}>
      <span className="mid-head">{head}</span>
      {end ? <span className="mid-tail">{end}</span> : null}
    </span>
  );
}
