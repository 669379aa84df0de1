/**
 * Every module a TypeScript source text depends on, for the layering test (tests/architecture.test.ts).
 * TypeScript 7 has no JavaScript API (no `ts.preProcessFile`), so this is a small scanner: comments
 * are blanked first (string and template literals kept as they are, so a `//` in a URL survives),
 * then every form that loads a module is matched.
 */
export type ModuleReference = {
  specifier: string;
  /** `import type` / `export type … from`: erased at compile time, so no code is loaded. */
  typeOnly: boolean;
  form: 'import' | 'export-from' | 'dynamic-import' | 'require';
};

/** The text with every comment replaced by spaces (line breaks kept, so offsets and lines stay). */
export function withoutComments(text: string): string {
  let out = '';
  let i = 0;
  // A `/` starts a regular expression literal unless it follows something that ends a value.
  let lastSignificant = '';
  while (i < text.length) {
    const char = text[i]!;
    const next = text[i + 1];
    if (char === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (char === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (char === "'" || char === '"' || char === '`') {
      const stop = endOfQuoted(text, i, char);
      out += text.slice(i, stop);
      lastSignificant = char;
      i = stop;
    } else if (char === '/' && !/[\w$)\]}'"`]/.test(lastSignificant)) {
      const stop = endOfRegex(text, i);
      out += text.slice(i, stop);
      lastSignificant = '/';
      i = stop;
    } else {
      out += char;
      if (!/\s/.test(char)) lastSignificant = char;
      i += 1;
    }
  }
  return out;
}

function endOfQuoted(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length && text[i] !== quote) {
    if (text[i] === '\\') i += 1;
    else if (quote !== '`' && text[i] === '\n') break; // an unterminated string ends with its line
    i += 1;
  }
  return Math.min(i + 1, text.length);
}

function endOfRegex(text: string, start: number): number {
  let i = start + 1;
  let inClass = false;
  while (i < text.length && text[i] !== '\n') {
    const char = text[i]!;
    if (char === '\\') i += 1;
    else if (char === '[') inClass = true;
    else if (char === ']') inClass = false;
    else if (char === '/' && !inClass) return i + 1;
    i += 1;
  }
  return i;
}

// `import x from '…'`, `import '…'`, `export { x } from '…'`, `export * as x from '…'`, each with `type`.
const STATIC =
  /(?<![\w$.])(import|export)(\s+type(?=[\s{*]))?(?=[\s{*'"])\s*([\w$*{}\s,]*?(?<=[\s}*])from\s*)?(['"])([^'"\n]+)\4/g;
const DYNAMIC = /(?<![\w$.])import\s*\(\s*(?:(['"])([^'"\n]+)\1|`([^`$\n]+)`)\s*[,)]/g;
const REQUIRE = /(?<![\w$.])require\s*\(\s*(['"`])([^'"`\n]+)\1\s*\)/g;
/** `import(` with anything but a plain string literal: what it loads cannot be checked. */
const DYNAMIC_UNCHECKABLE = /(?<![\w$.])import\s*\(\s*(?!(['"])[^'"\n]+\1\s*[,)])(?!`[^`$\n]+`\s*[,)])/g;

/** Every module the source text loads, in order of appearance. */
export function moduleReferences(text: string): ModuleReference[] {
  const code = withoutComments(text);
  const found: Array<ModuleReference & { at: number }> = [];
  for (const match of code.matchAll(STATIC)) {
    const isExport = match[1] === 'export';
    if (isExport && !match[3]) continue; // only `export … from` loads a module
    found.push({
      specifier: match[5]!,
      typeOnly: Boolean(match[2]),
      form: isExport ? 'export-from' : 'import',
      at: match.index,
    });
  }
  for (const match of code.matchAll(DYNAMIC)) {
    found.push({ specifier: (match[2] ?? match[3])!, typeOnly: false, form: 'dynamic-import', at: match.index });
  }
  for (const match of code.matchAll(REQUIRE)) {
    found.push({ specifier: match[2]!, typeOnly: false, form: 'require', at: match.index });
  }
  return found.sort((a, b) => a.at - b.at).map(({ at: _at, ...reference }) => reference);
}

/** Dynamic imports whose target is computed: a layering rule cannot see where they lead. */
export function uncheckableImports(text: string): number {
  return [...withoutComments(text).matchAll(DYNAMIC_UNCHECKABLE)].length;
}
