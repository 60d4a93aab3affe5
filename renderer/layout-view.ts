/** The one layout store of this window, over the window's API. */
import { getApi } from './api.ts';
import { createLayoutStore } from './layout-store.ts';

export const layoutStore = createLayoutStore(getApi);
