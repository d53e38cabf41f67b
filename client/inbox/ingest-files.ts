// `duban inbox ingest <file.eml…>`: mail saved by hand goes through the same
// pipeline as IMAP and SMTP. Without a reachable Temporal the messages are
// still stored (outcome pending) and a later ingest of the same files
// finishes them: the Message-ID key makes repeating safe.
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db.ts';
import { UnavailableError } from '../../lib/errors.ts';
import { connectClient } from '../../lib/temporal.ts';
import { applyHeld, ingestBatch, type InboundOutcome } from '../../lib/inbound/ingest.ts';

export interface FileOutcome extends InboundOutcome {
  file: string;
}

export async function ingestFiles(
  files: { file: string; raw: Buffer }[],
  say: (line: string) => void,
): Promise<FileOutcome[]> {
  const config = loadConfig();
  const db = await openDatabase(config);
  let client: Awaited<ReturnType<typeof connectClient>> | undefined;
  try {
    try {
      client = await connectClient(config);
    } catch (err) {
      say(
        `${(err as Error).message}\n邮件仍会保存；需要送达任务工作流的邮件将标为“未处理完”，Temporal 可用后再次执行本命令即可。`,
      );
    }
    // stored first, all of them, then taken in: the pipeline IMAP and the catcher go through
    const outcomes = await ingestBatch(
      { prisma: db.prisma, client, config },
      files.map(({ raw }) => ({ raw, source: 'file' as const })),
    );
    return outcomes.map((outcome, i) => ({ file: files[i]!.file, ...outcome }));
  } finally {
    await client?.connection.close().catch(() => undefined);
    await db.close();
  }
}

/**
 * `duban inbox apply <id> --by <name>`: the office lets a held reply through.
 * Temporal is connected only once the message is found and held, so a wrong
 * id or a message in another state is told without it.
 */
export async function applyHeldMessage(id: number, by: string): Promise<InboundOutcome> {
  const config = loadConfig();
  const db = await openDatabase(config);
  let client: Awaited<ReturnType<typeof connectClient>> | undefined;
  const connect = async () => {
    try {
      client ??= await connectClient(config);
      return client;
    } catch (err) {
      // connectClient's own message is the Chinese one (the cause underneath is gRPC's English)
      throw new UnavailableError((err as Error).message, undefined, { cause: err });
    }
  };
  try {
    return await applyHeld({ prisma: db.prisma, connect, config }, id, by);
  } finally {
    await client?.connection.close().catch(() => undefined);
    await db.close();
  }
}
