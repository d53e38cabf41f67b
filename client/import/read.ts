// Reads a table as rows of text cells, numbered as a spreadsheet numbers them.
// CSV is streamed (UTF-8 with or without BOM, GB18030/GBK, UTF-16 with BOM;
// comma, tab or semicolon), so a 50,000-row file never sits in memory as text.
// XLSX is read with exceljs; merged cells give every cell of the merge the
// merge's value, which is what carries a merged 分组 cell down its rows.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { parse as parseCsv, CsvError } from 'csv-parse';
// exceljs (~0.4 s of CPU to load) only when a workbook is read or written:
// `duban import` of a CSV and every other command start without it.
import type ExcelJS from 'exceljs';
import { DEFAULT_LIMITS, type Limits } from '../../lib/config.ts';

export interface TableRow {
  /** 1-based, as a spreadsheet shows it */
  row: number;
  cells: string[];
}

export interface TableInfo {
  format: 'csv' | 'xlsx';
  encoding?: string;
  sheet?: string;
  bytes: number;
}

/** A problem with the file itself (unreadable, no such sheet, broken CSV quoting, over a limit). */
export class TableReadError extends Error {
  constructor(
    message: string,
    readonly row: number | null = null,
    /** 0-based column, when the problem is one cell's */
    readonly column: number | null = null,
    /** the start of the value at fault, when there is one */
    readonly value: string | null = null,
  ) {
    super(message);
    this.name = 'TableReadError';
  }
}

/** A spreadsheet's column letter for a 0-based index: 0 → A, 26 → AA. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** A column as the issue names it: its header when known, else its letter (第 C 列). */
export function columnName(column: number | null, headers?: string[]): string | null {
  if (column === null) return null;
  return headers?.[column] || `第 ${columnLetter(column)} 列`;
}

const mib = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** Checks one row against the limits of rows, columns and cell length; throws naming row and column. */
function checkRow(row: number, cells: string[], limits: Limits): void {
  if (row > limits.importRows)
    throw new TableReadError(`表格超过 ${limits.importRows} 行的上限（IMPORT_MAX_ROWS），已停止读取`, row);
  if (cells.length > limits.importColumns && cells.slice(limits.importColumns).some((c) => c !== ''))
    throw new TableReadError(
      `表格有 ${cells.length} 列，超过 ${limits.importColumns} 列的上限（IMPORT_MAX_COLUMNS）`,
      row,
      limits.importColumns,
    );
  for (let i = 0; i < cells.length; i++) {
    const length = cells[i]!.length;
    if (length > limits.cellChars)
      throw new TableReadError(
        `第 ${columnLetter(i)} 列的单元格有 ${length} 个字符，超过 ${limits.cellChars} 字的上限（IMPORT_MAX_CELL_CHARS）`,
        row,
        i,
        cells[i]!.slice(0, 20) + '…',
      );
  }
}

export interface ReadOptions {
  /** XLSX: the sheet to read (default: the first, or for units the one named 单位…) */
  sheet?: string;
  /** XLSX without a sheet name: prefer a sheet whose name matches */
  preferSheet?: RegExp;
  /** bytes read so far, for a progress bar */
  onBytes?: (bytes: number) => void;
  /** the limits enforced while reading (config.limits; default DEFAULT_LIMITS) */
  limits?: Limits;
}

export async function openTable(
  file: string,
  options: ReadOptions = {},
): Promise<{ info: TableInfo; rows: AsyncIterable<TableRow> }> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  let st;
  try {
    st = await stat(file);
  } catch {
    throw new TableReadError(`找不到文件 ${file}`);
  }
  if (st.isDirectory()) throw new TableReadError(`${file} 是目录，不是表格文件；请给出 .csv 或 .xlsx 文件`);
  // a device or a pipe has no size: it is counted while it is read
  const size = st.isFile() ? st.size : 0;
  if (size > limits.importBytes)
    throw new TableReadError(
      `文件有 ${mib(size)}，超过 ${mib(limits.importBytes)} 的上限（IMPORT_MAX_BYTES）`,
    );
  const ext = path.extname(file).toLowerCase();
  if (ext === '.xlsx' || ext === '.xlsm') {
    if (!st.isFile()) throw new TableReadError(`${file} 不是普通文件，无法作为 Excel 文件读取`);
    return openXlsx(file, size, { ...options, limits });
  }
  if (ext === '.xls')
    throw new TableReadError('不支持旧版 Excel（.xls）格式；请在 Excel/WPS 中另存为 .xlsx 或 CSV');
  return openCsv(file, size, { ...options, limits });
}

// ---------------------------------------------------------------- CSV

async function readHead(file: string, length: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    // from the current position: a pipe or a device cannot seek
    const { bytesRead } = await fh.read(buf, 0, length, null);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * UTF-16 without a BOM, from where its zero bytes fall: ASCII and CJK
 * punctuation in UTF-16LE leave the odd bytes zero, in UTF-16BE the even
 * ones. Null when the text does not look like UTF-16.
 */
function utf16WithoutBom(head: Buffer): 'utf16le' | 'utf16be' | null {
  const n = Math.min(head.length, 4096) & ~1;
  if (n < 4) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenZero++;
    if (head[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.2 && evenZero < pairs * 0.05) return 'utf16le';
  if (evenZero > pairs * 0.2 && oddZero < pairs * 0.05) return 'utf16be';
  return null;
}

/** UTF-8 when the bytes decode as UTF-8 (a BOM says so too), UTF-16 by its BOM or its zero bytes, else GB18030 (a superset of GBK and GB2312). */
export function detectEncoding(head: Buffer): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  const utf16 = utf16WithoutBom(head);
  if (utf16) return utf16;
  try {
    // stream: true lets the head end inside a character without failing.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return 'utf8';
  } catch {
    return 'gb18030';
  }
}

function detectDelimiter(firstLine: string): string {
  const counts = [',', '\t', ';'].map((d) => ({ d, n: firstLine.split(d).length - 1 }));
  counts.sort((a, b) => b.n - a.n);
  return counts[0]!.n > 0 ? counts[0]!.d : ',';
}

async function openCsv(file: string, size: number, options: ReadOptions & { limits: Limits }) {
  const { limits } = options;
  const head = await readHead(file, 64 * 1024);
  const encoding = detectEncoding(head);
  // a text table has no NUL bytes (UTF-16 aside): a binary file, or the zero device
  if (!encoding.startsWith('utf16') && head.includes(0))
    throw new TableReadError(
      '文件含有零字节（NUL），不是文本表格；请给出 UTF-8/GB18030/UTF-16 编码的 CSV 或 .xlsx 文件',
    );
  const firstLine = iconv.decode(head, encoding).split(/\r?\n/, 1)[0] ?? '';
  const delimiter = detectDelimiter(firstLine);
  const info: TableInfo = { format: 'csv', encoding, bytes: size };
  async function* rows(): AsyncIterable<TableRow> {
    const input = createReadStream(file, { highWaterMark: 256 * 1024 });
    if (options.onBytes) input.on('data', (chunk) => options.onBytes!(chunk.length));
    // counted as it is read: an endless input stops at the limit
    let total = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        total += chunk.length;
        if (total > limits.importBytes)
          done(
            new TableReadError(
              `读取超过 ${mib(limits.importBytes)} 的上限（IMPORT_MAX_BYTES），已停止读取`,
              row + 1,
            ),
          );
        else if (!encoding.startsWith('utf16') && chunk.includes(0))
          done(new TableReadError('文件含有零字节（NUL），不是文本表格', row + 1));
        else done(null, chunk);
      },
    });
    const parser = pipeline(
      input,
      counter,
      iconv.decodeStream(encoding, { stripBOM: true }),
      // Keep empty lines as records so the record number is the spreadsheet's row.
      parseCsv({
        delimiter,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: false,
        bom: true,
        // one record (a row) in bytes: a cell of endless text stops here, not in memory
        max_record_size: limits.cellChars * 4 * 16,
      }),
      () => undefined, // errors surface through the iteration below
    ) as unknown as Readable;
    let row = 0;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        row++;
        checkRow(row, record, limits);
        yield { row, cells: record };
      }
    } catch (err) {
      // the parser's own count: it runs ahead of the rows taken so far
      const at = err instanceof CsvError && typeof err.records === 'number' ? err.records + 1 : row + 1;
      if (err instanceof CsvError && err.code === 'CSV_MAX_RECORD_SIZE') {
        const column = typeof err.index === 'number' ? err.index : null;
        throw new TableReadError(
          `第 ${at} 行${column === null ? '' : `第 ${columnLetter(column)} 列`}过长（一行超过 ${limits.cellChars * 4 * 16} 字节；单元格上限 ${limits.cellChars} 字，IMPORT_MAX_CELL_CHARS），已停止读取`,
          at,
          column,
        );
      }
      if (err instanceof CsvError) {
        throw new TableReadError(`CSV 格式错误（${csvMessage(err)}）`, at);
      }
      if (err instanceof TableReadError) throw err;
      // the pipeline's own failure (a read error): said in Chinese
      const code = (err as NodeJS.ErrnoException).code;
      throw new TableReadError(`读取文件失败${code ? `（${code}）` : ''}`, row + 1);
    } finally {
      input.destroy();
    }
  }
  return { info, rows: rows() };
}

function csvMessage(err: CsvError): string {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return '引号没有闭合';
  if (err.code === 'CSV_INVALID_CLOSING_QUOTE') return '引号后面有多余字符';
  return err.message;
}

// ---------------------------------------------------------------- XLSX

/** One cell as text: numbers as written, dates as YYYY-MM-DD, rich text joined, formulas by result. */
export function cellText(value: ExcelJS.CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) {
    // exceljs reads a date cell as UTC midnight of the date shown.
    return value.toISOString().slice(0, 10);
  }
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText))
      return value.richText.map((r) => r.text).join('');
    if ('formula' in value || 'sharedFormula' in value)
      return cellText((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('hyperlink' in value && 'text' in value)
      return cellText((value as ExcelJS.CellHyperlinkValue).text as ExcelJS.CellValue);
    if ('text' in value) return String((value as { text: unknown }).text);
    if ('error' in value) return String((value as ExcelJS.CellErrorValue).error);
  }
  return String(value);
}

/**
 * The sizes an .xlsx (a zip) declares for its parts once inflated, read from
 * the zip's central directory before anything is inflated: a zip bomb is
 * refused here, by its own directory. Throws TableReadError.
 */
export async function checkZipDirectory(file: string, size: number, limits: Limits): Promise<void> {
  const notZip = () =>
    new TableReadError('不是有效的 .xlsx 文件（无法读取其 zip 目录）；请在 Excel/WPS 中另存为 .xlsx 或 CSV');
  const fh = await open(file, 'r');
  try {
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLength);
    await fh.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw notZip();
    const entries = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
      throw new TableReadError('Excel 文件使用 ZIP64 格式（超大文件），超过导入上限');
    if (cdOffset + cdSize > size || cdSize > 16 * 1024 * 1024) throw notZip();
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    let pos = 0;
    let inflated = 0;
    for (let n = 0; n < entries; n++) {
      if (pos + 46 > cd.length || cd.readUInt32LE(pos) !== 0x02014b50) throw notZip();
      const compressed = cd.readUInt32LE(pos + 20);
      const uncompressed = cd.readUInt32LE(pos + 24);
      const nameLength = cd.readUInt16LE(pos + 28);
      const name = cd.subarray(pos + 46, pos + 46 + nameLength).toString('utf8');
      if (uncompressed === 0xffffffff || compressed === 0xffffffff)
        throw new TableReadError(`Excel 文件中的 ${name} 使用 ZIP64 格式（超大），超过导入上限`);
      inflated += uncompressed;
      if (inflated > limits.importUncompressedBytes)
        throw new TableReadError(
          `Excel 文件解压后超过 ${mib(limits.importUncompressedBytes)} 的上限（IMPORT_MAX_UNCOMPRESSED_BYTES；其中 ${name} 解压后 ${mib(uncompressed)}，压缩时 ${mib(compressed)}），疑似压缩炸弹，未读取`,
        );
      pos += 46 + nameLength + cd.readUInt16LE(pos + 30) + cd.readUInt16LE(pos + 32);
    }
  } finally {
    await fh.close();
  }
}

async function openXlsx(file: string, size: number, options: ReadOptions & { limits: Limits }) {
  const { limits } = options;
  await checkZipDirectory(file, size, limits);
  const { Workbook } = (await import('exceljs')).default;
  const workbook = new Workbook();
  try {
    await workbook.xlsx.readFile(file);
  } catch {
    throw new TableReadError(
      '无法读取 Excel 文件（文件已损坏或不是 .xlsx 格式）；请在 Excel/WPS 中另存为 .xlsx 或 CSV',
    );
  }
  options.onBytes?.(size);
  const sheets = workbook.worksheets;
  let sheet: ExcelJS.Worksheet | undefined;
  if (options.sheet) {
    sheet =
      workbook.getWorksheet(options.sheet) ?? sheets.find((s) => s.name.trim() === options.sheet!.trim());
    if (!sheet) {
      throw new TableReadError(
        `工作簿中没有名为「${options.sheet}」的工作表；现有：${sheets.map((s) => s.name).join('、')}`,
      );
    }
  } else {
    sheet =
      (options.preferSheet && sheets.length > 1
        ? sheets.find((s) => options.preferSheet!.test(s.name))
        : undefined) ?? sheets[0];
  }
  if (!sheet) throw new TableReadError('工作簿中没有工作表');
  const ws = sheet;
  const info: TableInfo = { format: 'xlsx', sheet: ws.name, bytes: size };
  if (ws.rowCount > limits.importRows)
    throw new TableReadError(
      `工作表「${ws.name}」有 ${ws.rowCount} 行，超过 ${limits.importRows} 行的上限（IMPORT_MAX_ROWS）`,
    );
  if (ws.columnCount > limits.importColumns)
    throw new TableReadError(
      `工作表「${ws.name}」有 ${ws.columnCount} 列，超过 ${limits.importColumns} 列的上限（IMPORT_MAX_COLUMNS）`,
    );
  async function* rows(): AsyncIterable<TableRow> {
    const width = ws.columnCount;
    for (let r = 1; r <= ws.rowCount; r++) {
      const row = ws.findRow(r);
      const cells: string[] = [];
      for (let c = 1; c <= width; c++) {
        // A merged cell's .value is the merge's (top-left) value.
        cells.push(row ? cellText(row.getCell(c).value) : '');
      }
      checkRow(r, cells, limits);
      yield { row: r, cells };
    }
  }
  return { info, rows: rows() };
}
