// Where a value came from in the user's file. Offsets and columns are UTF-16 code units, as in
// VS Code's positions and JavaScript strings (web-tree-sitter reports the same units).

export interface SourceSpan {
  start: number;
  end: number;
  /** 0-based */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Found<T> {
  value: T;
  /** the whole argument or key (`per_device_train_batch_size=8`), where a diagnostic points */
  span: SourceSpan;
  /** the literal that holds the value (may be a constant's definition elsewhere), where an edit goes */
  valueSpan: SourceSpan;
  /** how it was read, in the user's terms: "TrainingArguments(per_device_train_batch_size=...)" */
  how: string;
  /** the value is a library default that the call implies (prepare_model_for_kbit_training turns
   * checkpointing on), not something written in the file */
  implied?: boolean;
  /** the value is a guess from indirect evidence (a config's header comment), shown as assumed */
  assumed?: boolean;
}

/** A value that is there but could not be read statically (a function call, an f-string, ...). */
export interface Unread {
  key: string;
  span: SourceSpan;
  reason: string;
}

/** Offset -> line/column for text that is not parsed by tree-sitter (YAML, JSON). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: offset - this.starts[lo] };
  }
  span(start: number, end: number): SourceSpan {
    const a = this.position(start);
    const b = this.position(end);
    return { start, end, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }
}
