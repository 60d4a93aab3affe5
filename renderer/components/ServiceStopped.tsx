/** The active image's service was stopped (watchdog, memory ceiling, crash): say why, offer to reopen. */
import { useActions, useActive } from '../hooks.ts';

export function ServiceStopped() {
  const message = useActive((v) => v.serviceError);
  const imageId = useActive((v) => v.summary.imageId);
  const actions = useActions();
  if (!message || !imageId) return null;
  return (
    <div className="status-error service-stopped" role="alert" data-testid="service-stopped">
      {message}
      <button className="link-btn" onClick={() => void actions.reopen(imageId)}>
        Reopen
      </button>
    </div>
  );
}
