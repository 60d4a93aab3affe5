// Module resolution hook for tests: `import 'electron'` (which outside Electron would try to
// download the Electron binary) resolves to the test double instead.
const DOUBLE = new URL('./electron-double.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  // Delegated rather than short-circuited so tsx still resolves (and later compiles) the .ts double.
  if (specifier === 'electron') return next(DOUBLE, context);
  return next(specifier, context);
}
