// YAML/JSON configs: parse with ranges, tell which framework wrote the file (and whether it trains),
// and read it with that framework's keys and defaults. Never throws.
import { emptyHyperparams } from '../hyperparams';
import { parseJsonConfig } from '../json';
import { parseYamlConfig } from '../yaml';
import { extractAccelerateFile, looksLikeAccelerate } from './accelerate';
import { extractAxolotl, looksLikeAxolotl } from './axolotl';
import { extractDeepSpeedFile, looksLikeDeepSpeed } from './deepspeed';
import { extractHfArgs, looksLikeHfArgs } from './hf';
import { extractLlamaFactory, extractLlamaFactoryV1, looksLikeLlamaFactory, looksLikeLlamaFactoryV1 } from './llamafactory';
import { ConfigReader } from './reader';
import { extractTorchtune, looksLikeTorchtune } from './torchtune';
import { extractLitgpt, looksLikeLitgpt } from './litgpt';
import { extractMistralFinetune, looksLikeMistralFinetune } from './mistral';
import { extractOpenInstruct, looksLikeOpenInstruct } from './openinstruct';
import { extractOumi, looksLikeOumi } from './oumi';
import { extractSwift, looksLikeSwift } from './swift';
import { extractVerl, looksLikeVerl } from './verl';
import { ConfigExtraction } from './types';
import { ConfigDoc, entryOf, isMap, mergeOverrides } from './tree';

export type { ConfigExtraction, LinkRequest } from './types';

export function parseConfig(text: string, kind: 'yaml' | 'json'): ConfigDoc {
  return kind === 'json' ? parseJsonConfig(text) : parseYamlConfig(text);
}

/** Which reader a config tree calls for ('unknown' for YAML/JSON that is not a training-related config). */
export type ConfigFormat =
  | 'deepspeed'
  | 'accelerate'
  | 'torchtune'
  | 'llama-factory-v1'
  | 'llama-factory'
  | 'axolotl'
  | 'hf'
  | 'litgpt'
  | 'mistral-finetune'
  | 'open-instruct'
  | 'oumi'
  | 'ms-swift'
  | 'verl-sft'
  | 'verl-generation'
  | 'mergekit'
  | 'distilabel'
  | 'unknown';

export function detectConfigFormat(doc: ConfigDoc): ConfigFormat {
  const root = doc.root;
  if (!isMap(root)) return 'unknown';
  const keys = new Set(root.entries.map((e) => e.key));
  const model = entryOf(root, 'model');
  const modelIsMap = model?.value.kind === 'map';
  const modelIsString = model?.value.kind === 'scalar' && typeof model.value.value === 'string';
  // merge recipes name a merge method and the models it combines (mergekit-yaml)
  if (keys.has('merge_method') && (keys.has('models') || keys.has('slices') || keys.has('base_model'))) return 'mergekit';
  // distilabel pipelines generate data: pipeline.steps
  if (isMap(entryOf(root, 'pipeline')?.value) && entryOf(entryOf(root, 'pipeline')!.value, 'steps')) return 'distilabel';
  if (looksLikeTorchtune(doc.text, keys, modelIsMap)) return 'torchtune';
  if (looksLikeDeepSpeed(root)) return 'deepspeed';
  if (looksLikeAccelerate(root)) return 'accelerate';
  const verl = looksLikeVerl(keys, root);
  if (verl) return verl;
  if (looksLikeLitgpt(keys, root)) return 'litgpt';
  if (looksLikeMistralFinetune(keys)) return 'mistral-finetune';
  if (looksLikeSwift(keys, modelIsString)) return 'ms-swift';
  if (looksLikeOpenInstruct(keys)) return 'open-instruct';
  if (looksLikeOumi(keys, root)) return 'oumi';
  if (looksLikeLlamaFactoryV1({ keys, modelIsString })) return 'llama-factory-v1';
  if (looksLikeLlamaFactory(keys)) return 'llama-factory';
  if (looksLikeAxolotl(keys)) return 'axolotl';
  if (looksLikeHfArgs(keys)) return 'hf';
  return 'unknown';
}

/** A value a launch command passes to the config (`key=value`, `--key value`), with where it comes from. */
export interface ConfigOverride {
  key: string;
  value: string;
  how: string;
  assumed?: boolean;
}

/**
 * Reads a config with the framework its keys name. `overrides` are command-line values merged over the
 * file first, as the framework does (llamafactory-cli and tune key=value, axolotl --key value), so they go
 * through the same dialect table and rules as the file's own keys.
 */
export function extractConfig(text: string, kind: 'yaml' | 'json', overrides: ConfigOverride[] = [], parsed?: ConfigDoc): ConfigExtraction {
  const hp = emptyHyperparams(kind);
  const x: ConfigExtraction = { hp, used: new Set(), links: [] };
  let doc: ConfigDoc;
  try {
    doc = parsed ?? parseConfig(text, kind);
  } catch (e) {
    hp.unread.push({
      key: 'file',
      span: { start: 0, end: 0, line: 0, column: 0, endLine: 0, endColumn: 0 },
      reason: `could not be parsed: ${(e as Error).message}`,
    });
    return x;
  }
  for (const e of doc.errors.slice(0, 20)) hp.syntaxErrors.push(e.span);
  if (overrides.length) mergeOverrides(doc, overrides, isMap(doc.root) && doc.root.entries.length ? doc.root.entries[0].keySpan : doc.lines.span(0, 0));
  const r = new ConfigReader(doc, hp, '');
  const format = detectConfigFormat(doc);
  const reader = (label: string) => {
    const rr = new ConfigReader(doc, hp, label);
    return rr;
  };
  let used = r.used;
  try {
    switch (format) {
      case 'deepspeed': {
        const rr = reader('DeepSpeed');
        extractDeepSpeedFile(rr);
        used = rr.used;
        break;
      }
      case 'accelerate': {
        const rr = reader('accelerate');
        const a = extractAccelerateFile(rr);
        if (a.deepspeedFile)
          x.links.push({
            kind: 'deepspeed',
            path: a.deepspeedFile.path,
            span: ConfigReader.spanOf(a.deepspeedFile.entry),
            via: `deepspeed_config_file: ${a.deepspeedFile.path}`,
          });
        used = rr.used;
        break;
      }
      case 'torchtune': {
        const rr = reader('torchtune');
        extractTorchtune(rr, x);
        used = rr.used;
        break;
      }
      case 'llama-factory-v1': {
        const rr = reader('LLaMA-Factory');
        extractLlamaFactoryV1(rr, x);
        used = rr.used;
        break;
      }
      case 'llama-factory': {
        const rr = reader('LLaMA-Factory');
        extractLlamaFactory(rr, x);
        used = rr.used;
        break;
      }
      case 'axolotl': {
        const rr = reader('axolotl');
        extractAxolotl(rr, x);
        used = rr.used;
        break;
      }
      case 'litgpt': {
        const rr = reader('LitGPT');
        extractLitgpt(rr, x);
        used = rr.used;
        break;
      }
      case 'oumi': {
        const rr = reader('oumi');
        extractOumi(rr, x);
        used = rr.used;
        break;
      }
      case 'open-instruct': {
        const rr = reader('open-instruct');
        extractOpenInstruct(rr);
        used = rr.used;
        break;
      }
      case 'mistral-finetune': {
        const rr = reader('mistral-finetune');
        extractMistralFinetune(rr, x);
        used = rr.used;
        break;
      }
      case 'ms-swift': {
        const rr = reader('ms-swift');
        extractSwift(rr, x);
        used = rr.used;
        break;
      }
      case 'verl-sft':
      case 'verl-generation': {
        const rr = reader('verl');
        extractVerl(rr, x, format);
        used = rr.used;
        break;
      }
      case 'mergekit':
        hp.framework = 'mergekit';
        hp.purpose = {
          value: 'merge',
          reason: `a mergekit recipe (merge_method: ${String(entryOf(doc.root, 'merge_method')?.value.kind === 'scalar' ? (entryOf(doc.root, 'merge_method')!.value as { value: unknown }).value : '')}): it merges checkpoints, no training`,
        };
        break;
      case 'distilabel':
        hp.purpose = { value: 'inference', reason: 'a distilabel pipeline: it generates data, no training' };
        break;
      case 'hf': {
        const rr = reader('');
        const keys = new Set(isMap(doc.root) ? doc.root.entries.map((e) => e.key) : []);
        extractHfArgs(rr, x, keys);
        used = rr.used;
        break;
      }
      default:
        hp.purpose = {
          value: 'unknown',
          reason: 'not a training config VRAM Lens knows (axolotl, LLaMA-Factory, torchtune, TRL/Transformers arguments, DeepSpeed, accelerate)',
        };
    }
  } catch (e) {
    // a reader bug must not take the editor down: keep what was read, say what failed
    hp.unread.push({ key: format, span: r.anchor(), reason: `the ${format} reader stopped: ${(e as Error).message}` });
  }
  x.used = used;
  return x;
}
