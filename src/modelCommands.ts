// The unknown-model actions: "Choose the architecture…" (a quick pick of every bundled base, the closest to the
// id first) and "Use a local config.json…" (a file or folder picker). Both write vramLens.modelAliases
// (model id -> base id or config path), which the resolution chain reads first; the settings change then
// re-analyses the open files.
import * as vscode from 'vscode';
import { architectureChoices } from './analysis/models/choices';
import { resolveModelRef } from './analysis/models/resolve';
import { formatParams } from './analysis/units';
import { DocumentAnalyzer } from './diagnostics/analyzer';
import { nodeModelSources } from './models/sources';
import { modelSettingsTarget, SECTION } from './settings';

export const CHOOSE_ARCHITECTURE = 'vramLens.chooseModelArchitecture';
export const USE_LOCAL_CONFIG = 'vramLens.useLocalModelConfig';

export interface ModelCommandArgs {
  /** the model reference as written in the file (default: the active file's model) */
  ref?: string;
  /** the file that names it (default: the active editor's) */
  uri?: string;
  /** choose this base id without showing the quick pick (tests, agents) */
  pick?: string;
  /** use this config.json or model folder without showing the file picker (tests, agents) */
  path?: string;
}

export interface ModelCommandResult {
  ref: string;
  /** what vramLens.modelAliases now maps the reference to */
  alias?: string;
  /** why nothing was saved */
  reason?: string;
}

interface ChoiceItem extends vscode.QuickPickItem {
  id: string;
}

function scopeOf(args: ModelCommandArgs): vscode.Uri | undefined {
  return args.uri ? vscode.Uri.parse(args.uri) : vscode.window.activeTextEditor?.document.uri;
}

function refOf(analyzer: DocumentAnalyzer, args: ModelCommandArgs): string | undefined {
  if (typeof args.ref === 'string' && args.ref.trim()) return args.ref.trim();
  const uri = scopeOf(args);
  return uri ? analyzer.get(uri)?.model?.ref : undefined;
}

/** Adds ref -> value to vramLens.modelAliases at the workspace level (user level without a workspace). */
export async function saveModelAlias(ref: string, value: string, scope?: vscode.Uri): Promise<void> {
  const cfg = vscode.workspace.getConfiguration(SECTION, scope);
  const target = modelSettingsTarget();
  const inspected = cfg.inspect<Record<string, string>>('modelAliases');
  const current = (target === vscode.ConfigurationTarget.Workspace ? inspected?.workspaceValue : inspected?.globalValue) ?? {};
  await cfg.update('modelAliases', { ...current, [ref]: value }, target);
}

async function chooseArchitecture(analyzer: DocumentAnalyzer, args: ModelCommandArgs = {}): Promise<ModelCommandResult | undefined> {
  const ref = refOf(analyzer, args);
  if (!ref) {
    void vscode.window.showInformationMessage('VRAM Lens: open a training file whose model could not be resolved first.');
    return undefined;
  }
  const choices = architectureChoices(ref);
  let id: string | undefined;
  if (args.pick) {
    id = choices.find((c) => c.id.toLowerCase() === args.pick!.trim().toLowerCase())?.id;
    if (!id) return { ref, reason: `"${args.pick}" is not a bundled architecture` };
  } else {
    const items: ChoiceItem[] = choices.map((c) => ({
      id: c.id,
      label: c.recommended ? `$(star-full) ${c.id}` : c.id,
      description: `${c.family} · ${formatParams(c.params)} params${c.recommended ? ' · closest to the name' : ''}`,
      detail: c.origin === 'catalog' ? 'bundled catalog (checked parameter count)' : `architecture table${c.approximated ? ` · ${c.approximated}` : ''}`,
    }));
    const pick = await vscode.window.showQuickPick(items, {
      title: `VRAM Lens: which architecture is "${ref}"?`,
      placeHolder: 'The base model it was fine-tuned from, or one of the same family and size (saved in vramLens.modelAliases)',
      matchOnDescription: true,
    });
    id = pick?.id;
  }
  if (!id) return undefined;
  await saveModelAlias(ref, id, scopeOf(args));
  return { ref, alias: id };
}

async function useLocalConfig(analyzer: DocumentAnalyzer, args: ModelCommandArgs = {}): Promise<ModelCommandResult | undefined> {
  const ref = refOf(analyzer, args);
  if (!ref) {
    void vscode.window.showInformationMessage('VRAM Lens: open a training file whose model could not be resolved first.');
    return undefined;
  }
  let file = args.path;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      title: `VRAM Lens: the config.json (or model folder) of "${ref}"`,
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      filters: { 'Model config': ['json'] },
      openLabel: 'Use this config',
    });
    file = picked?.[0]?.fsPath;
  }
  if (!file) return undefined;
  // check it before saving: a config that does not describe a model would only move the problem
  const check = resolveModelRef(file, file, nodeModelSources({ hfCache: false }));
  if (check.spec === null) {
    void vscode.window.showWarningMessage(`VRAM Lens: ${file} does not describe a model VRAM Lens can size: ${check.reason}`);
    return { ref, reason: check.reason };
  }
  await saveModelAlias(ref, file, scopeOf(args));
  return { ref, alias: file };
}

export function registerModelCommands(analyzer: DocumentAnalyzer): vscode.Disposable[] {
  const argsOf = (a: unknown): ModelCommandArgs => (a && typeof a === 'object' ? (a as ModelCommandArgs) : {});
  return [
    vscode.commands.registerCommand(CHOOSE_ARCHITECTURE, (a?: unknown) => chooseArchitecture(analyzer, argsOf(a))),
    vscode.commands.registerCommand(USE_LOCAL_CONFIG, (a?: unknown) => useLocalConfig(analyzer, argsOf(a))),
  ];
}
