import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../src-renderer');
const cyrillic = /[\u0400-\u04FF]/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return p.endsWith(`${path.sep}i18n`) ? [] : sources(p);
    return /\.tsx?$/.test(d.name) ? [p] : [];
  });
}

/** Russian text in code (not comments): string literals, template parts and JSX text. */
function russianLiterals(file: string): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (n: ts.Node) => {
    if ((ts.isStringLiteralLike(n) || ts.isTemplateLiteralToken(n) || ts.isJsxText(n)) && cyrillic.test(n.text)) {
      const { line } = src.getLineAndCharacterOfPosition(n.getStart());
      found.push(`${path.relative(root, file)}:${line + 1}: ${n.text.trim().slice(0, 60)}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

describe('every word the window shows comes from i18n/ru.ts', () => {
  it('no Russian text in renderer code outside i18n', () => {
    expect(sources(root).flatMap(russianLiterals)).toEqual([]);
  });
});
