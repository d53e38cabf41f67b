// The layout's one rule, checked over the real import graph: arrows point
// down the list of layers and never back up, and no two layers import each
// other. The one exception is Temporal's own pattern: workflow code imports
// the activities' *types* (erased at run time) to type proxyActivities.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Highest first: a layer may import the layers below it, never those above. */
export const LAYERS = ['client', 'worker', 'activities', 'lib', 'workflows', 'prisma'] as const;
type Layer = (typeof LAYERS)[number];

const rank = (layer: Layer) => LAYERS.length - LAYERS.indexOf(layer);

function layerOf(file: string): Layer | 'generated' | undefined {
  const top = path.relative(root, file).split(path.sep)[0];
  if (top === 'generated') return 'generated';
  return (LAYERS as readonly string[]).includes(top ?? '') ? (top as Layer) : undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

export interface Arrow {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Every relative import of a file: static, re-export, dynamic; whether it is type-only. */
export function importsOf(file: string): Arrow[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Arrow[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (spec.startsWith('.')) out.push({ from: file, to: path.resolve(path.dirname(file), spec), typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allTypes =
        Boolean(clause?.isTypeOnly) ||
        Boolean(
          clause &&
          !clause.name &&
          named &&
          ts.isNamedImports(named) &&
          named.elements.length > 0 &&
          named.elements.every((e) => e.isTypeOnly),
        );
      add(node.moduleSpecifier.text, allTypes);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The arrows that break the rule, as "from → to" lines. */
export function upwardArrows(arrows: Arrow[]): string[] {
  const bad: string[] = [];
  for (const arrow of arrows) {
    const from = layerOf(arrow.from);
    const to = layerOf(arrow.to);
    if (!from || from === 'generated' || !to || to === from) continue;
    const line = `${path.relative(root, arrow.from)} → ${path.relative(root, arrow.to)}`;
    if (to === 'generated') {
      if (from !== 'lib' && from !== 'prisma') bad.push(`${line}（只有 lib/ 直接使用生成的 Prisma 客户端）`);
      continue;
    }
    if (from === 'workflows' && to === 'activities' && arrow.typeOnly) continue;
    if (rank(to) > rank(from)) bad.push(line);
  }
  return bad;
}

describe('layers', () => {
  const files = LAYERS.flatMap((l) => sourceFiles(path.join(root, l)));

  it('reads the import graph (the check can see an arrow)', () => {
    const arrows = files.flatMap(importsOf);
    expect(arrows.length).toBeGreaterThan(100);
    // the known downward arrow from the task workflow to its messages
    expect(
      arrows.some(
        (a) => a.from.endsWith('workflows/task-workflow.ts') && a.to.endsWith('workflows/messages.ts'),
      ),
    ).toBe(true);
  });

  it('flags an upward import, and allows only type imports of activities in workflows (the check can fail)', () => {
    const at = (...p: string[]) => path.join(root, ...p);
    const arrows: Arrow[] = [
      { from: at('lib', 'db.ts'), to: at('client', 'cli.ts'), typeOnly: false },
      { from: at('workflows', 'task-workflow.ts'), to: at('activities', 'index.ts'), typeOnly: true },
      { from: at('workflows', 'task-workflow.ts'), to: at('activities', 'index.ts'), typeOnly: false },
      { from: at('client', 'cli.ts'), to: at('generated', 'prisma', 'client.ts'), typeOnly: false },
      { from: at('client', 'cli.ts'), to: at('lib', 'db.ts'), typeOnly: false },
    ];
    expect(upwardArrows(arrows)).toEqual([
      'lib/db.ts → client/cli.ts',
      'workflows/task-workflow.ts → activities/index.ts',
      'client/cli.ts → generated/prisma/client.ts（只有 lib/ 直接使用生成的 Prisma 客户端）',
    ]);
  });

  it('no folder imports a higher one', () => {
    expect(upwardArrows(files.flatMap(importsOf))).toEqual([]);
  });
});
