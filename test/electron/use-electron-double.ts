/**
 * Routes `import 'electron'` to the test double for every module imported after this one runs.
 * Static imports are resolved before any module body runs, so modules that import electron must be
 * loaded with a dynamic import() after importing this.
 */
import { register } from 'node:module';

register('./electron-loader.mjs', import.meta.url);
