// Reading what a form posted, the same way whether it came url-encoded
// (@fastify/formbody) or as multipart with files (@fastify/multipart in
// 'keyValues' mode, files kept in memory within the limits below).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import multipart, { type MultipartFile } from '@fastify/multipart';

export interface UploadedFile {
  filename: string;
  mimetype: string;
  content: Buffer;
}

/** Bounds of one posted form: a task table is a few MB at most; a reply's attachments 20 MB each. */
export const FORM_LIMITS = {
  fileSize: 20 * 1024 * 1024,
  files: 10,
  fields: 60,
  parts: 80,
  fieldSize: 256 * 1024,
};

export async function installForms(app: FastifyInstance): Promise<void> {
  await app.register(formbody, { bodyLimit: 512 * 1024 });
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: FORM_LIMITS,
    async onFile(part: MultipartFile) {
      const content = await part.toBuffer();
      (part as unknown as { value: UploadedFile }).value = {
        filename: part.filename,
        mimetype: part.mimetype,
        content,
      };
    },
  });
}

const isFile = (v: unknown): v is UploadedFile =>
  typeof v === 'object' && v !== null && 'content' in v && Buffer.isBuffer((v as UploadedFile).content);

export interface Form {
  /** the field's first text value, '' when absent */
  text(name: string): string;
  /** every value the field had (a select with several choices, repeated inputs) */
  texts(name: string): string[];
  /** the files posted under the name; an empty file input (no file chosen) gives none */
  files(name: string): UploadedFile[];
  has(name: string): boolean;
}

export function formOf(request: FastifyRequest): Form {
  const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<
    string,
    unknown
  >;
  const all = (name: string): unknown[] => {
    const v = body[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  return {
    text: (name) => {
      const first = all(name).find((v) => typeof v === 'string');
      return typeof first === 'string' ? first : '';
    },
    texts: (name) => all(name).filter((v): v is string => typeof v === 'string'),
    files: (name) =>
      all(name)
        .filter(isFile)
        .filter((f) => f.filename !== '' || f.content.length > 0),
    has: (name) => name in body,
  };
}

/** A row id from a path: digits that fit an INTEGER column, else nothing (a 404, not a database error). */
export function rowId(text: string | undefined): number | undefined {
  if (!text || !/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 && n <= 2_147_483_647 ? n : undefined;
}
