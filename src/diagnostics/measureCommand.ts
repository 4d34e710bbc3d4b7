// *VRAM Lens: Measure on This Machine*: proposes the launch command of the active training file, lets the
// user edit it, shows exactly what will run and asks for confirmation in a modal dialog; only then runs it
// once in a terminal of the user's own shell, with the probe first on PYTHONPATH for that terminal
// (probe/sitecustomize.py: nothing is installed), stopped after N optimizer steps. When the command ends
// (shell integration), or the terminal is closed, the probe's files are merged and the record is appended
// to <workspace>/.vram-lens/measurements.jsonl exactly as `vram-lens measure` does (src/measure/run.ts).
// Never in an untrusted workspace; no argument skips the confirmation.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { AnalysisDeps } from '../analysis/report';
import { formatGiB } from '../analysis/units';
import { formatRecord } from '../measure/cli';
import { commandProblem, LaunchConfig, proposeCommand, shellWords, terminalProbeEnv, withProbeInCommand } from '../measure/launch';
import { DEFAULT_STEPS, prepareMeasurement, readProbeFiles, recordMeasurement, redactCommand, resolveProbeDir } from '../measure/run';
import { readSettings, SECTION } from '../settings';
import { DocumentAnalyzer } from './analyzer';

export const MEASURE_COMMAND = 'vramLens.measure';

export interface MeasureArgs {
  /** the command line to propose, instead of the one VRAM Lens finds (still shown and confirmed) */
  command?: string;
  steps?: number;
  /** the file to measure (default: the active editor's) */
  uri?: string;
}

export type MeasureOutcome =
  | { status: 'unavailable' | 'cancelled'; reason: string }
  | { status: 'failed'; reason: string }
  | {
      status: 'recorded';
      index: number | null;
      record: {
        status: string;
        file: string | null;
        stepsCompleted: number;
        peakReservedBytes: number | null;
        peakAllocatedBytes: number | null;
        gpu: string | null;
      };
      /** how the end of the command was seen */
      ended: 'shell-integration' | 'terminal-closed' | 'record-now';
    };

interface Deps {
  extensionUri: vscode.Uri;
  analyzer: DocumentAnalyzer;
  getDeps: () => Promise<AnalysisDeps>;
  log: vscode.OutputChannel;
  /** a record was appended: refresh lenses and re-analyse */
  onRecorded: () => void;
}

function argsOf(raw: unknown): MeasureArgs {
  if (!raw || typeof raw !== 'object' || raw instanceof vscode.Uri) return raw instanceof vscode.Uri ? { uri: raw.toString() } : {};
  const a = raw as Record<string, unknown>;
  return {
    command: typeof a.command === 'string' ? a.command : undefined,
    steps: typeof a.steps === 'number' && Number.isInteger(a.steps) && a.steps >= 1 && a.steps <= 10000 ? a.steps : undefined,
    uri: typeof a.uri === 'string' ? a.uri : undefined,
  };
}

function stepsSetting(uri: vscode.Uri): number {
  const v = vscode.workspace.getConfiguration(SECTION, uri).get<unknown>('measure.steps', DEFAULT_STEPS);
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 10000 ? v : DEFAULT_STEPS;
}

type Ended = { code: number | null; how: 'shell-integration' | 'terminal-closed' | 'record-now' };

/**
 * Runs `text` in the terminal: through shell integration when the shell has it (the end and the exit
 * code are seen), else typed into it, and then the end is the terminal closing (or "Record Now").
 */
function runInTerminal(terminal: vscode.Terminal, text: string, log: vscode.OutputChannel): Promise<Ended> {
  return new Promise((resolve) => {
    const subs: vscode.Disposable[] = [];
    let execution: vscode.TerminalShellExecution | undefined;
    let typed = false;
    let done = false;
    const finish = (e: Ended) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      subs.forEach((d) => d.dispose());
      resolve(e);
    };
    const start = (si: vscode.TerminalShellIntegration) => {
      if (execution || typed || done) return;
      execution = si.executeCommand(text);
    };
    subs.push(
      vscode.window.onDidCloseTerminal((t) => t === terminal && finish({ code: t.exitStatus?.code ?? null, how: 'terminal-closed' })),
      vscode.window.onDidEndTerminalShellExecution((e) => {
        // ours: the execution started through shell integration, or the typed line once integration woke up
        const typedLine = typed && e.terminal === terminal && e.execution.commandLine.value.trim() === text.trim();
        if (e.execution === execution || typedLine) finish({ code: e.exitCode ?? null, how: 'shell-integration' });
      }),
      vscode.window.onDidChangeTerminalShellIntegration((e) => e.terminal === terminal && start(e.shellIntegration)),
    );
    if (terminal.shellIntegration) start(terminal.shellIntegration);
    const timer = setTimeout(() => {
      if (execution || done) return;
      typed = true;
      log.appendLine('Measure: the terminal has no shell integration; the command is typed into it and recorded when the terminal closes.');
      terminal.sendText(text, true);
      void vscode.window
        .showInformationMessage(
          'VRAM Lens: this terminal has no shell integration, so VRAM Lens cannot see the command end. Close the terminal (or choose Record Now) once the job has stopped.',
          'Record Now',
        )
        .then((pick) => pick && finish({ code: null, how: 'record-now' }));
    }, 5000);
  });
}

export async function measureOnThisMachine(d: Deps, raw?: unknown): Promise<MeasureOutcome> {
  if (!vscode.workspace.isTrusted) {
    const reason = 'Measuring runs your training command; it is not available in an untrusted workspace (trust the workspace first).';
    void vscode.window.showWarningMessage(`VRAM Lens: ${reason}`);
    return { status: 'unavailable', reason };
  }
  const args = argsOf(raw);
  const uri = args.uri ? vscode.Uri.parse(args.uri) : vscode.window.activeTextEditor?.document.uri;
  if (!uri || (uri.scheme !== 'file' && uri.scheme !== 'vscode-remote')) {
    const reason = 'Open the training script or config to measure (a file saved on disk).';
    void vscode.window.showInformationMessage(`VRAM Lens: ${reason}`);
    return { status: 'unavailable', reason };
  }
  if (/\.ipynb$/i.test(uri.path)) {
    const reason = 'Notebooks cannot be measured from the editor yet: export the notebook as a script and measure that.';
    void vscode.window.showInformationMessage(`VRAM Lens: ${reason}`);
    return { status: 'unavailable', reason };
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const name = path.basename(uri.fsPath);
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const cwd = folder?.uri.fsPath ?? path.dirname(uri.fsPath);
  const report = d.analyzer.get(uri) ?? (await d.analyzer.analyze(doc));
  const baseDir = vscode.Uri.joinPath(d.extensionUri, 'dist').fsPath;
  const probeDir = resolveProbeDir(baseDir);
  if (!probeDir) return { status: 'failed', reason: `the probe is missing from ${baseDir}` };
  const steps = args.steps ?? stepsSetting(uri);

  // 1. the command: proposed, then edited by the user
  let text = args.command;
  if (text === undefined) {
    const proposal = proposeCommand({
      fileAbs: uri.fsPath,
      cwd,
      kind: report?.kind ?? 'python',
      framework: report?.framework ?? 'unknown',
      launchScripts: (report?.hyperparams.linkedFiles ?? []).filter((f) => f.endsWith('.sh')),
      launchConfigs: vscode.workspace.getConfiguration('launch', folder?.uri).get<LaunchConfig[]>('configurations', []) ?? [],
    });
    text = await vscode.window.showInputBox({
      title: `VRAM Lens: Measure ${name} on This Machine`,
      prompt: `The command that trains with ${name}, run from ${cwd} (proposed: ${proposal.source}). It runs once, after you confirm, and stops after ${steps} optimizer steps.`,
      value: proposal.command,
      ignoreFocusOut: true,
      validateInput: commandProblem,
    });
    if (text === undefined) return { status: 'cancelled', reason: 'no command entered' };
  }
  text = text.trim();
  const problem = commandProblem(text);
  if (problem) {
    void vscode.window.showErrorMessage(`VRAM Lens: ${problem}`);
    return { status: 'failed', reason: problem };
  }

  // 2. exactly what runs, and an explicit yes
  const runText = withProbeInCommand(text, probeDir);
  const dirty = doc.isDirty;
  const detail = [
    runText,
    '',
    `Runs in: ${cwd} (a new terminal)`,
    `With: PYTHONPATH=${probeDir}${path.delimiter}… (a probe that records torch's GPU memory per phase; nothing is installed), VRAM_LENS_PROBE_STEPS=${steps}`,
    `The job is stopped after ${steps} optimizer step${steps === 1 ? '' : 's'}. The result goes to .vram-lens/measurements.jsonl.`,
    ...(dirty ? [`${name} has unsaved changes: it is saved first.`] : []),
  ].join('\n');
  const run = dirty ? 'Save and Run' : 'Run';
  let choice: string | undefined;
  try {
    choice = await vscode.window.showWarningMessage(`Run this command to measure the GPU memory of ${name}?`, { modal: true, detail }, run);
  } catch (e) {
    // no dialog, no run (VS Code refuses dialogs in its own test runs, for one)
    return { status: 'cancelled', reason: `the confirmation could not be shown: ${(e as Error).message}` };
  }
  if (choice !== run) return { status: 'cancelled', reason: 'not confirmed' };
  if (dirty && !(await doc.save())) return { status: 'failed', reason: `${name} could not be saved` };

  // 3. the run
  const prepared = prepareMeasurement({ command: shellWords(text), cwd, file: uri.fsPath, baseDir });
  if ('error' in prepared) {
    void vscode.window.showErrorMessage(`VRAM Lens: ${prepared.error}`);
    return { status: 'failed', reason: prepared.error };
  }
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'vram-lens-probe-'));
  const terminal = vscode.window.createTerminal({
    name: `VRAM Lens: measure ${name}`,
    cwd,
    env: terminalProbeEnv(process.env.PYTHONPATH, probeDir, outDir, steps),
    iconPath: new vscode.ThemeIcon('pulse'),
    isTransient: true,
  });
  terminal.show();
  d.log.appendLine(`Measure: ${redactCommand(shellWords(runText)).join(' ')} (in ${cwd}, ${steps} steps, probe files in ${outDir})`);
  const ended = await runInTerminal(terminal, runText, d.log);

  // 4. the record
  let probe;
  try {
    probe = readProbeFiles(outDir);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  const result = await recordMeasurement(prepared, { code: ended.code, signal: null }, probe, {
    cwd,
    steps,
    settings: readSettings(uri),
    gpuGiven: false,
    gpusGiven: false,
    hub: false,
    baseDir,
    deps: await d.getDeps(),
    log: (m) => d.log.appendLine(`Measure: ${m}`),
  });
  if (!result.record) {
    void vscode.window.showErrorMessage(`VRAM Lens: ${result.error ?? 'nothing recorded'}`);
    return { status: 'failed', reason: result.error ?? 'nothing recorded' };
  }
  const r = result.record;
  d.log.appendLine(formatRecord(r, result.index));
  d.onRecorded();
  const gpu = r.gpu ? `${r.gpu.count}× ${r.gpu.name}` : null;
  if (r.peak) {
    const pred = r.prediction ? `; predicted ${formatGiB(r.prediction.peakReservedBytes)}` : '';
    const oom = r.status === 'oom' ? ' It ran out of memory' + (r.oom ? ` in step ${r.oom.step}.` : '.') : '';
    void vscode.window.showInformationMessage(
      `VRAM Lens: measured ${formatGiB(r.peak.reservedBytes)} reserved per GPU on ${gpu} (${r.stepsCompleted} steps)${pred}.${oom} Recorded in .vram-lens/measurements.jsonl.`,
    );
  } else {
    void vscode.window.showWarningMessage(
      `VRAM Lens: nothing measured (${r.status}): ${r.status === 'no-data' ? 'no process used the GPU under the probe (is it the Python that has torch, and does the command reach the training script?)' : 'the job failed before a step; see the terminal'}.`,
    );
  }
  return {
    status: 'recorded',
    index: result.index,
    record: {
      status: r.status,
      file: r.file,
      stepsCompleted: r.stepsCompleted,
      peakReservedBytes: r.peak?.reservedBytes ?? null,
      peakAllocatedBytes: r.peak?.allocatedBytes ?? null,
      gpu,
    },
    ended: ended.how,
  };
}

export function registerMeasureCommand(d: Deps): vscode.Disposable[] {
  return [vscode.commands.registerCommand(MEASURE_COMMAND, (raw?: unknown) => measureOnThisMachine(d, raw))];
}
