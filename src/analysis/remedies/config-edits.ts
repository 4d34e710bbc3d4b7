// Fixes for YAML training configs, in each framework's own keys: replace a value that is there,
// else add the key at the end of the file (top level). Keys: ../shared/notes/config-keys.md section 0.
import { HyperparamKey } from '../extract/hyperparams';
import type { Report } from '../report';
import type { RemedyId } from './index';
import { TextEdit } from './edits';

type Dialect = 'axolotl' | 'llama-factory' | 'torchtune' | 'hf';

function dialectOf(r: Report): Dialect | null {
  switch (r.framework) {
    case 'axolotl':
      return 'axolotl';
    case 'llama-factory':
      return 'llama-factory';
    case 'torchtune':
      return 'torchtune';
    case 'trl':
    case 'transformers':
      return 'hf';
    default:
      return null;
  }
}

/**
 * Sets `key: value`: replaces the value where the field was read under that key, else the key's line,
 * else appends the key. Returns null for a key whose value is a block (list or mapping) below it.
 */
function setKey(r: Report, text: string, field: HyperparamKey | null, key: string, value: string): TextEdit | null {
  const f = field ? (r.hyperparams[field] as { span: { start: number; end: number }; valueSpan: { start: number; end: number }; implied?: boolean } | undefined) : undefined;
  if (f && !f.implied) {
    const written = text.slice(f.span.start, f.span.end);
    if (written.trimStart().startsWith(`${key}:`) || written.trimStart().startsWith(`${key} :`)) return { start: f.valueSpan.start, end: f.valueSpan.end, newText: value };
  }
  // an existing top-level key written some other way (e.g. not read because unparseable): replace its line
  const m = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*:[^\\n]*$`, 'm').exec(text);
  if (m) {
    // a block value (an indented list or mapping below the key) cannot be replaced line-wise
    const next = text.slice(m.index + m[0].length + 1).split('\n')[0] ?? '';
    if (/^[ \t]+\S|^-\s/.test(next)) return null;
    return { start: m.index, end: m.index + m[0].length, newText: `${key}: ${value}` };
  }
  const at = text.length;
  return { start: at, end: at, newText: `${text.endsWith('\n') || text.length === 0 ? '' : '\n'}${key}: ${value}\n` };
}

// The adapters the remedies assume (remedies/index.ts loraSetup): r=16, alpha 32, dropout 0.05, all linear layers.
const axolotlLora = (r: Report, text: string) => [
  setKey(r, text, 'loraR', 'lora_r', '16'),
  setKey(r, text, 'loraAlpha', 'lora_alpha', '32'),
  setKey(r, text, 'loraDropout', 'lora_dropout', '0.05'),
  setKey(r, text, 'loraTargets', 'lora_target_linear', 'true'),
];
const llamaFactoryLora = (r: Report, text: string) => [
  setKey(r, text, 'loraR', 'lora_rank', '16'),
  setKey(r, text, 'loraAlpha', 'lora_alpha', '32'),
  setKey(r, text, 'loraDropout', 'lora_dropout', '0.05'),
  setKey(r, text, 'loraTargets', 'lora_target', 'all'),
];

const all = (...edits: (TextEdit | null)[]): TextEdit[] | null => (edits.every((e) => e) ? (edits as TextEdit[]) : null);

/** The edits of one remedy in a YAML config, or null when this framework has no simple key for it. */
export function configEdits(id: RemedyId, r: Report, text: string): TextEdit[] | null {
  const d = dialectOf(r);
  if (!d || r.kind !== 'yaml') return null;
  const p = r.plan!;
  const half = String(Math.floor(p.microBatch.value / 2));
  const twice = String(p.gradAccumulation.value * 2);
  const full = p.method.value === 'full';
  switch (id) {
    case 'gradientCheckpointing':
      if (d === 'axolotl' || d === 'hf') return all(setKey(r, text, 'gradientCheckpointing', 'gradient_checkpointing', 'true'));
      if (d === 'llama-factory') return all(setKey(r, text, 'gradientCheckpointing', 'disable_gradient_checkpointing', 'false'));
      return all(setKey(r, text, 'gradientCheckpointing', 'enable_activation_checkpointing', 'True'));
    case 'optimizer8bit':
      if (d === 'axolotl') return all(setKey(r, text, 'optimizer', 'optimizer', 'adamw_bnb_8bit'));
      if (d === 'llama-factory' || d === 'hf') return all(setKey(r, text, 'optimizer', 'optim', 'adamw_8bit'));
      return null; // torchtune: an optimizer._component_ path, not a simple key
    case 'halveMicroBatch': {
      const mb = d === 'axolotl' ? 'micro_batch_size' : d === 'torchtune' ? 'batch_size' : 'per_device_train_batch_size';
      return all(setKey(r, text, 'microBatch', mb, half), setKey(r, text, 'gradAccumulation', 'gradient_accumulation_steps', twice));
    }
    case 'fusedCrossEntropy':
      if (d === 'llama-factory') return all(setKey(r, text, 'liger', 'enable_liger_kernel', 'true'));
      if (d === 'hf') return all(setKey(r, text, 'liger', 'use_liger_kernel', 'true'));
      return null; // axolotl: a plugin list; torchtune: a loss component
    case 'sdpaAttention':
      if (d === 'axolotl' || d === 'hf') return all(setKey(r, text, 'attention', 'attn_implementation', 'sdpa'));
      if (d === 'llama-factory') return all(setKey(r, text, 'attention', 'flash_attn', 'sdpa'));
      return null;
    case 'lora':
      if (d === 'axolotl') return all(setKey(r, text, 'peft', 'adapter', 'lora'), ...axolotlLora(r, text));
      if (d === 'llama-factory') return all(setKey(r, text, null, 'finetuning_type', 'lora'), ...llamaFactoryLora(r, text));
      // TRL's ModelConfig keys; a plain HfArgumentParser file rejects them ("Some keys are not used")
      if (d === 'hf' && r.framework === 'trl') return all(setKey(r, text, 'peft', 'use_peft', 'true'), setKey(r, text, 'loraR', 'lora_r', '16'), setKey(r, text, 'loraTargets', 'lora_target_modules', 'all-linear'));
      return null; // torchtune: a different model builder (_component_)
    case 'qlora': {
      if (d === 'axolotl') {
        const lora = full ? axolotlLora(r, text) : [];
        return all(setKey(r, text, 'peft', 'adapter', 'qlora'), setKey(r, text, 'loadIn4bit', 'load_in_4bit', 'true'), ...lora);
      }
      if (d === 'llama-factory') return all(setKey(r, text, 'loadIn4bit', 'quantization_bit', '4'), ...(full ? [setKey(r, text, null, 'finetuning_type', 'lora'), ...llamaFactoryLora(r, text)] : []));
      if (d === 'hf' && r.framework === 'trl') return all(setKey(r, text, 'loadIn4bit', 'load_in_4bit', 'true'), ...(full ? [setKey(r, text, 'peft', 'use_peft', 'true'), setKey(r, text, 'loraTargets', 'lora_target_modules', 'all-linear')] : []));
      return null;
    }
    case 'precomputeReference':
      if (d === 'axolotl' || d === 'hf') return all(setKey(r, text, 'precomputeRef', 'precompute_ref_log_probs', 'true'));
      return null;
    default:
      return null; // FSDP/ZeRO, offload and vLLM settings live in accelerate/DeepSpeed files or nested keys
  }
}
