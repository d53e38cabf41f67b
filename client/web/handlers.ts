// The handlers mounted in front of the dashboard, shared by `duban up` and
// `duban web`: the office's inbound-mail view and the units' reply form.
import type { Handler } from './server.ts';
import { handleInboxRequest } from './inbox/index.ts';
import type { InboundDeps } from '../../lib/inbound/ingest.ts';

export function webHandlers(deps: InboundDeps): Handler[] {
  return [(req, res) => handleInboxRequest(req, res, deps)];
}
