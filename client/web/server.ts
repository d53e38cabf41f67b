// The web's two listeners, started and stopped together (`duban up`, `duban web`):
//   the office's desk    WEB_HOST:WEB_PORT      (desk.ts: signed in, internal network)
//   the units' listener  PUBLIC_HOST:PUBLIC_PORT (public.ts: the reply form, the units' guide)
import type { FastifyInstance } from 'fastify';
import type { InboundDeps } from '../../lib/inbound/ingest.ts';
import type { WebDeps } from './deps.ts';
import { buildDeskApp } from './desk.ts';
import { buildPublicApp } from './public.ts';
import { createJobRunner } from './jobs.ts';
import type { RouteInfo } from './routing.ts';

export type { WebDeps } from './deps.ts';

export interface WebServer {
  /** the desk, as this process listens (http://localhost:<port>) */
  url: string;
  /** the units' listener, as this process listens */
  publicUrl: string;
  /** every desk route with who may use it */
  routes: RouteInfo[];
  desk: FastifyInstance;
  publicApp: FastifyInstance;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<number> {
  await app.listen({ host, port });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : port;
}

export async function startWebServer(deps: WebDeps): Promise<WebServer> {
  const { config, db } = deps;
  const inbound: InboundDeps = deps.inbound ?? { prisma: db.prisma, client: deps.client, config };
  const jobs = await createJobRunner(db.prisma);
  const { app: desk, routes } = await buildDeskApp({ ...deps, inbound, jobs });
  const publicApp = await buildPublicApp(config, inbound);
  const opened: FastifyInstance[] = [];
  try {
    const deskPort = await listen(desk, config.web.host, config.web.port);
    opened.push(desk);
    const publicPort = await listen(publicApp, config.web.publicHost, config.web.publicPort);
    opened.push(publicApp);
    return {
      url: `http://localhost:${deskPort}`,
      publicUrl: `http://localhost:${publicPort}`,
      routes,
      desk,
      publicApp,
      async close() {
        // closeAllConnections: a browser's keep-alive must not hold the stop
        for (const app of [desk, publicApp]) app.server.closeAllConnections();
        await Promise.all([desk.close(), publicApp.close()]);
        await jobs.drain();
      },
    };
  } catch (err) {
    await Promise.all(opened.map((a) => a.close()));
    await Promise.all([desk.close(), publicApp.close()].map((p) => p.catch(() => undefined)));
    throw err;
  }
}
