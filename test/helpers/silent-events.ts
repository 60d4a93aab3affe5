/**
 * Every event subscription of the renderer contract, each one a no-op: store tests spread this into
 * their fake api and override only the events they drive, so a new event in shared/api.ts is added
 * here once, not to every fake.
 */
const none = () => () => {};

export const SILENT_EVENTS = {
  onVerifyProgress: none,
  onVerifyDone: none,
  onCheckProgress: none,
  onShareProgress: none,
  onShareDone: none,
  onOpenRequest: none,
  onRepositoryCheckProgress: none,
  onRepositoryCheckDone: none,
  onRepositoryOpenRequest: none,
};
