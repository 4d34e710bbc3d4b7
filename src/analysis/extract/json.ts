// JSON configs (DeepSpeed, TrainingArguments JSON, .ipynb) -> the config tree, with source ranges.
// Tolerant, because real files are not always JSON (docs/sources/parsing-pitfalls.md §5): templates with bare
// placeholders (`GB_SIZE`, `${zero_stage}`, `{{ stage }}`), comments, trailing commas. A placeholder
// becomes an unquoted string scalar, so readers can say "not a literal". Never throws.
import { CEntry, CNode, ConfigDoc } from './frameworks/tree';
import { LineIndex, SourceSpan } from './source';

const MAX_DEPTH = 128;

export function parseJsonConfig(text: string): ConfigDoc {
  return new JsonParser(text).parse();
}

class JsonParser {
  private i = 0;
  private readonly lines: LineIndex;
  private readonly errors: { span: SourceSpan; message: string }[] = [];

  constructor(private readonly s: string) {
    this.lines = new LineIndex(s);
  }

  parse(): ConfigDoc {
    let root: CNode | null = null;
    try {
      this.ws();
      if (this.i < this.s.length) root = this.value(0);
      this.ws();
      if (this.i < this.s.length) this.error(this.i, 'unexpected text after the end of the JSON value');
    } catch (e) {
      this.error(this.i, `JSON could not be read: ${(e as Error).message}`);
    }
    return { format: 'json', text: this.s, lines: this.lines, root, errors: this.errors };
  }

  private error(at: number, message: string) {
    if (this.errors.length < 50) this.errors.push({ span: this.lines.span(Math.min(at, this.s.length), Math.min(at + 1, this.s.length)), message });
  }

  private span(a: number, b: number): SourceSpan {
    return this.lines.span(a, b);
  }

  /** whitespace and comments */
  private ws() {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) this.i++;
      else if (c === 47 && s[this.i + 1] === '/') {
        const nl = s.indexOf('\n', this.i);
        this.i = nl < 0 ? s.length : nl + 1;
      } else if (c === 47 && s[this.i + 1] === '*') {
        const end = s.indexOf('*/', this.i + 2);
        this.i = end < 0 ? s.length : end + 2;
      } else return;
    }
  }

  private value(depth: number): CNode {
    const s = this.s;
    const start = this.i;
    if (depth > MAX_DEPTH) {
      this.error(start, 'nested too deeply');
      this.i = s.length;
      return { kind: 'scalar', value: null, quoted: false, span: this.span(start, start) };
    }
    const c = s[this.i];
    if (c === '{' && s[this.i + 1] === '{') return this.bareword();
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"' || c === "'") {
      const str = this.string();
      return { kind: 'scalar', value: str, quoted: true, span: this.span(start, this.i) };
    }
    const m = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(s.slice(this.i, this.i + 64));
    if (m && !/[\w$]/.test(s[this.i + m[0].length] ?? '')) {
      this.i += m[0].length;
      return { kind: 'scalar', value: Number(m[0]), quoted: false, span: this.span(start, this.i) };
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (s.startsWith(word, this.i) && !/[\w$]/.test(s[this.i + word.length] ?? '')) {
        this.i += word.length;
        return { kind: 'scalar', value: v, quoted: false, span: this.span(start, this.i) };
      }
    }
    return this.bareword();
  }

  /** A template placeholder or any other non-JSON token, up to the next delimiter. */
  private bareword(): CNode {
    const s = this.s;
    const start = this.i;
    if (s.startsWith('{{', this.i)) {
      const end = s.indexOf('}}', this.i + 2);
      this.i = end < 0 ? s.length : end + 2;
    } else {
      while (this.i < s.length) {
        const c = s[this.i];
        if (c === '$' && s[this.i + 1] === '{') {
          const end = s.indexOf('}', this.i + 2);
          this.i = end < 0 ? s.length : end + 1;
          continue;
        }
        if (c === ',' || c === '}' || c === ']' || c === '\n' || c === ':' || c === '"') break;
        this.i++;
      }
    }
    if (this.i === start) {
      this.error(start, `unexpected character ${JSON.stringify(s[start] ?? '')}`);
      this.i++;
    } else {
      this.error(start, `not a JSON value: ${s.slice(start, this.i).trim().slice(0, 40)}`);
    }
    return { kind: 'scalar', value: s.slice(start, this.i).trim(), quoted: false, span: this.span(start, this.i) };
  }

  private string(): string {
    const s = this.s;
    const q = s[this.i];
    this.i++;
    let out = '';
    let chunk = this.i;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === q) {
        out += s.slice(chunk, this.i);
        this.i++;
        return out;
      }
      if (c === '\n') break;
      if (c === '\\') {
        out += s.slice(chunk, this.i);
        const e = s[this.i + 1];
        if (e === 'u') {
          const hex = s.slice(this.i + 2, this.i + 6);
          out += /^[0-9a-fA-F]{4}$/.test(hex) ? String.fromCharCode(parseInt(hex, 16)) : '';
          this.i += /^[0-9a-fA-F]{4}$/.test(hex) ? 6 : 2;
        } else {
          out += ESCAPES[e] ?? e ?? '';
          this.i += 2;
        }
        chunk = this.i;
        continue;
      }
      this.i++;
    }
    out += s.slice(chunk, this.i);
    this.error(this.i, 'unterminated string');
    return out;
  }

  private object(depth: number): CNode {
    const s = this.s;
    const start = this.i;
    this.i++;
    const entries: CEntry[] = [];
    for (;;) {
      this.ws();
      if (this.i >= s.length) {
        this.error(this.i, 'unterminated object');
        break;
      }
      if (s[this.i] === '}') {
        this.i++;
        break;
      }
      if (s[this.i] === ',') {
        this.i++;
        continue;
      }
      const keyStart = this.i;
      let key: string;
      if (s[this.i] === '"' || s[this.i] === "'") key = this.string();
      else {
        const m = /^[\w$.-]+/.exec(s.slice(this.i, this.i + 256));
        if (!m) {
          this.error(this.i, `expected a key, found ${JSON.stringify(s[this.i])}`);
          this.skipTo(',}');
          continue;
        }
        key = m[0];
        this.i += m[0].length;
        this.error(keyStart, 'unquoted key');
      }
      const keySpan = this.span(keyStart, this.i);
      this.ws();
      if (s[this.i] !== ':') {
        this.error(this.i, 'expected ":"');
        this.skipTo(',}');
        continue;
      }
      this.i++;
      this.ws();
      const value =
        this.i < s.length && s[this.i] !== '}' && s[this.i] !== ','
          ? this.value(depth + 1)
          : { kind: 'scalar' as const, value: null, quoted: false, span: this.span(this.i, this.i) };
      entries.push({ key, keySpan, value, span: this.span(keyStart, value.span.end) });
      this.ws();
      if (s[this.i] === ',') this.i++;
      else if (s[this.i] !== '}' && this.i < s.length) this.error(this.i, 'expected "," or "}"');
    }
    return { kind: 'map', entries, span: this.span(start, this.i) };
  }

  private array(depth: number): CNode {
    const s = this.s;
    const start = this.i;
    this.i++;
    const items: CNode[] = [];
    for (;;) {
      this.ws();
      if (this.i >= s.length) {
        this.error(this.i, 'unterminated array');
        break;
      }
      if (s[this.i] === ']') {
        this.i++;
        break;
      }
      if (s[this.i] === ',') {
        this.i++;
        continue;
      }
      const before = this.i;
      items.push(this.value(depth + 1));
      if (this.i === before) this.i++;
      this.ws();
      if (s[this.i] === ',') this.i++;
      else if (s[this.i] !== ']' && this.i < s.length) this.error(this.i, 'expected "," or "]"');
    }
    return { kind: 'seq', items, span: this.span(start, this.i) };
  }

  private skipTo(chars: string) {
    while (this.i < this.s.length && !chars.includes(this.s[this.i])) this.i++;
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\', '/': '/' };

/**
 * Decodes the JSON string literal at `start` (the opening quote) and returns, for every decoded UTF-16
 * unit, its offset in the source: offsets[i] is where decoded character i is written, and
 * offsets[value.length] the closing quote. Lets a notebook map positions in a cell back to the file.
 */
export function decodeJsonString(text: string, start: number): { value: string; offsets: number[] } {
  const q = text[start];
  let i = start + 1;
  let value = '';
  const offsets: number[] = [];
  while (i < text.length && text[i] !== q && text[i] !== '\n') {
    if (text[i] === '\\') {
      const e = text[i + 1];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        offsets.push(i);
        i += 6;
      } else {
        value += ESCAPES[e] ?? e ?? '';
        offsets.push(i);
        i += 2;
      }
    } else {
      value += text[i];
      offsets.push(i);
      i++;
    }
  }
  offsets.push(Math.min(i, text.length));
  return { value, offsets };
}
