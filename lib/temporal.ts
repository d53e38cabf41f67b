// Connections to Temporal from the configuration: the client's (CLI, web,
// `duban up`) and the worker's native one, with TLS / API key for a real
// cluster (Temporal Cloud or self-hosted) and plain loopback for the embedded one.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Config } from './config.ts';
import { UnavailableError } from './errors.ts';

function tlsOptions(config: Config) {
  const t = config.temporal;
  if (!t.tls && !t.apiKey) return undefined;
  return {
    clientCertPair:
      t.tlsCert && t.tlsKey ? { crt: readFileSync(t.tlsCert), key: readFileSync(t.tlsKey) } : undefined,
    serverRootCACertificate: t.tlsCa ? readFileSync(t.tlsCa) : undefined,
  };
}

export async function connectClient(config: Config): Promise<Client> {
  try {
    const connection = await Connection.connect({
      address: config.temporal.address,
      tls: tlsOptions(config),
      apiKey: config.temporal.apiKey,
      connectTimeout: '5s',
    });
    return new Client({ connection, namespace: config.temporal.namespace });
  } catch (err) {
    // the SDK's own words ("Failed to connect before the deadline") stay in the cause, for DUBAN_DEBUG
    throw new UnavailableError(
      `无法连接 Temporal（${config.temporal.address}）：5 秒内未连上。内嵌环境请先运行 ./duban up；连接已有集群请检查 TEMPORAL_ADDRESS。`,
      { address: config.temporal.address },
      { cause: err },
    );
  }
}

// The worker package (and its native core) takes 1–2 s of CPU to load; the
// CLI's client commands and most test files never run a worker, so it is
// required here only when a worker's runtime or connection is asked for.
// Synchronous (createRequire) so installQuietRuntime stays a plain call.
const require = createRequire(import.meta.url);
const workerPackage = (): typeof import('@temporalio/worker') => require('@temporalio/worker');

let runtimeInstalled = false;

/**
 * The SDK logs every worker state change at INFO to stderr; a person at the
 * CLI wants warnings and errors only. Must run before the first worker or
 * native connection of the process.
 */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const { DefaultLogger, makeTelemetryFilterString, Runtime } = workerPackage();
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      // the Rust core warns about server capabilities the dev servers lack; errors only
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
    });
  } catch {
    // already installed by someone else in this process (tests): keep theirs
  }
}

export async function connectWorker(config: Config): Promise<NativeConnection> {
  installQuietRuntime();
  return workerPackage().NativeConnection.connect({
    address: config.temporal.address,
    tls: tlsOptions(config),
    apiKey: config.temporal.apiKey,
  });
}
