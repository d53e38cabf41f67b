// The handlers mounted in front of the dashboard, shared by `duban up` and
// `duban web`: the office's inbox and the units' reply form.
import type { Handler } from './server.ts';
import type { InboundDeps } from '../../lib/inbound/ingest.ts';
import { handleInbox } from './routes/inbox.ts';
import { handleReply } from './routes/reply.ts';

export function webHandlers(deps: InboundDeps): Handler[] {
  return [(req, res) => handleInbox(req, res, deps), (req, res) => handleReply(req, res, deps)];
}
