// `vram-lens check --format github`: GitHub Actions workflow commands, which the runner turns into
// annotations on the pull request's lines. Syntax and escaping as in the Actions toolkit
// (actions/toolkit packages/core/src/command.ts: escapeData, escapeProperty) and GitHub's docs
// "Workflow commands for GitHub Actions" (error, warning, notice; file, line, endLine, col, endColumn, title).
import { CheckEntry, CheckFinding, textLine } from './entry';

/** Message text: %, CR and LF are escaped. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values: also `:` and `,`, which separate the properties. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const COMMAND: Record<string, 'error' | 'warning' | 'notice' | undefined> = { error: 'error', warning: 'warning', information: 'notice' };

/** Annotation titles per diagnostic code: short, without `:` or `,` so they read unescaped. */
export const TITLES: Record<string, string> = {
  'vramLens.oom': 'Out of GPU memory',
  'vramLens.tight': 'GPU memory tight',
  'vramLens.checkpointing': 'Gradient checkpointing would save memory',
  'vramLens.unknownModel': 'Unknown model',
  'vramLens.modelAssumed': 'Model approximated',
  'vramLens.unread': 'Value not read',
  'vramLens.syntax': 'Syntax error',
  'vramLens.unsupported': 'Not analysed',
};

export function annotation(command: 'error' | 'warning' | 'notice', props: [string, string | number][], message: string): string {
  const p = props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',');
  return `::${command}${p ? ' ' + p : ''}::${escapeData(message)}`;
}

function findingLine(file: string, f: CheckFinding, fixTitle: string | undefined, promote: boolean): string | null {
  const command = promote ? 'error' : COMMAND[f.severity];
  if (!command) return null;
  const props: [string, string | number][] = [
    ['file', file],
    ['line', f.line],
  ];
  if (f.endLine !== f.line) props.push(['endLine', f.endLine]);
  else props.push(['col', f.column], ['endColumn', f.endColumn]);
  props.push(['title', TITLES[f.code] ?? 'VRAM Lens']);
  const fix = fixTitle && (f.code === 'vramLens.oom' || f.code === 'vramLens.tight') ? `\nSuggested fix: ${fixTitle}` : '';
  return annotation(command, props, f.message + fix);
}

/**
 * For each file: its one-line result, then one annotation per diagnostic (hints left out). A file that
 * cannot be checked gets an error: on the unresolved model's line when there is one, else on the file.
 */
export function githubLines(entries: CheckEntry[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    // a newline in a file name must not start a line that the runner would read as a command
    out.push(textLine(e).replace(/[\r\n]+/g, ' '));
    const promoted =
      e.status === 'error' && !e.findings.some((f) => f.severity === 'error') ? e.findings.find((f) => f.code === 'vramLens.unknownModel') : undefined;
    for (const f of e.findings) {
      const line = findingLine(e.file, f, e.fix?.description, f === promoted);
      if (line) out.push(line);
    }
    if (e.status === 'error' && !promoted && !e.findings.some((f) => f.severity === 'error')) {
      out.push(
        annotation(
          'error',
          [
            ['file', e.file],
            ['title', 'Cannot check'],
          ],
          e.summary,
        ),
      );
    }
  }
  return out;
}
