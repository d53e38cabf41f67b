// Reads a table as rows of text cells, numbered as a spreadsheet numbers them.
// CSV is streamed (UTF-8 with or without BOM, GB18030/GBK, UTF-16 with BOM;
// comma, tab or semicolon), so a 50,000-row file never sits in memory as text.
// XLSX is read with exceljs; merged cells give every cell of the merge the
// merge's value, which is what carries a merged 分组 cell down its rows.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { parse as parseCsv, CsvError } from 'csv-parse';
import ExcelJS from 'exceljs';

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

/** A problem with the file itself (unreadable, no such sheet, broken CSV quoting). */
export class TableReadError extends Error {
  constructor(
    message: string,
    readonly row: number | null = null,
  ) {
    super(message);
    this.name = 'TableReadError';
  }
}

export interface ReadOptions {
  /** XLSX: the sheet to read (default: the first, or for units the one named 单位…) */
  sheet?: string;
  /** XLSX without a sheet name: prefer a sheet whose name matches */
  preferSheet?: RegExp;
  /** bytes read so far, for a progress bar */
  onBytes?: (bytes: number) => void;
}

export async function openTable(
  file: string,
  options: ReadOptions = {},
): Promise<{ info: TableInfo; rows: AsyncIterable<TableRow> }> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new TableReadError(`找不到文件 ${file}`);
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.xlsx' || ext === '.xlsm') return openXlsx(file, size, options);
  if (ext === '.xls')
    throw new TableReadError('不支持旧版 Excel（.xls）格式；请在 Excel/WPS 中另存为 .xlsx 或 CSV');
  return openCsv(file, size, options);
}

// ---------------------------------------------------------------- CSV

async function readHead(file: string, length: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** UTF-8 when the bytes decode as UTF-8 (a BOM says so too), else GB18030 (a superset of GBK and GB2312). */
export function detectEncoding(head: Buffer): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
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

async function openCsv(file: string, size: number, options: ReadOptions) {
  const head = await readHead(file, 64 * 1024);
  const encoding = detectEncoding(head);
  const firstLine = iconv.decode(head, encoding).split(/\r?\n/, 1)[0] ?? '';
  const delimiter = detectDelimiter(firstLine);
  const info: TableInfo = { format: 'csv', encoding, bytes: size };
  async function* rows(): AsyncIterable<TableRow> {
    const input = createReadStream(file, { highWaterMark: 256 * 1024 });
    if (options.onBytes) input.on('data', (chunk) => options.onBytes!(chunk.length));
    const parser = pipeline(
      input,
      iconv.decodeStream(encoding, { stripBOM: true }),
      // Keep empty lines as records so the record number is the spreadsheet's row.
      parseCsv({
        delimiter,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: false,
        bom: true,
      }),
      () => undefined, // errors surface through the iteration below
    ) as unknown as Readable;
    let row = 0;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        row++;
        yield { row, cells: record };
      }
    } catch (err) {
      if (err instanceof CsvError) {
        throw new TableReadError(`CSV 格式错误（${csvMessage(err)}）`, row + 1);
      }
      throw err;
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

async function openXlsx(file: string, size: number, options: ReadOptions) {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(file);
  } catch (err) {
    throw new TableReadError(`无法读取 Excel 文件（${(err as Error).message}）；请确认是 .xlsx 格式`);
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
  async function* rows(): AsyncIterable<TableRow> {
    const width = ws.columnCount;
    for (let r = 1; r <= ws.rowCount; r++) {
      const row = ws.findRow(r);
      const cells: string[] = [];
      for (let c = 1; c <= width; c++) {
        // A merged cell's .value is the merge's (top-left) value.
        cells.push(row ? cellText(row.getCell(c).value) : '');
      }
      yield { row: r, cells };
    }
  }
  return { info, rows: rows() };
}
