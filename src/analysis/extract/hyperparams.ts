// The raw hyperparameters read from a file, each with where it was found. Framework-neutral: the plan
// stage (src/analysis/plan) turns them into a complete TrainingPlan with defaults.
import { Found, SourceSpan, Unread } from './source';

export type FileKind = 'python' | 'yaml' | 'json' | 'notebook' | 'unknown';
export type Framework =
  | 'transformers'
  | 'trl'
  | 'unsloth'
  | 'pytorch'
  | 'axolotl'
  | 'llama-factory'
  | 'torchtune'
  | 'unknown';

export interface Hyperparams {
  kind: FileKind;
  framework: Framework;
  /** model id or local path */
  model?: Found<string>;
  /** the call or key that loads the model: where the CodeLens sits */
  modelLoad?: SourceSpan;
  /** the trainer / training-arguments call */
  trainer?: SourceSpan;
  /** the training-arguments class used (TrainingArguments, SFTConfig, ...): its defaults apply */
  argsClass?: string;
  /** the trainer class used (Trainer, SFTTrainer, ...) */
  trainerClass?: string;
  /** torch_dtype / dtype: 'float32' | 'bfloat16' | 'float16' | 'auto' */
  dtype?: Found<string>;
  loadIn4bit?: Found<boolean>;
  loadIn8bit?: Found<boolean>;
  quantType?: Found<string>;
  doubleQuant?: Found<boolean>;
  /** a LoraConfig / get_peft_model / adapter: lora was seen */
  peft?: Found<boolean>;
  loraR?: Found<number>;
  loraAlpha?: Found<number>;
  loraTargets?: Found<string[] | 'all-linear'>;
  loraDropout?: Found<number>;
  useDora?: Found<boolean>;
  modulesToSave?: Found<string[]>;
  kbitPrep?: Found<boolean>;
  microBatch?: Found<number>;
  gradAccumulation?: Found<number>;
  seqLen?: Found<number>;
  gradientCheckpointing?: Found<boolean | string>;
  bf16?: Found<boolean>;
  fp16?: Found<boolean>;
  optimizer?: Found<string>;
  attention?: Found<string>;
  packing?: Found<boolean>;
  liger?: Found<boolean>;
  torchCompile?: Found<boolean>;
  deepspeed?: Found<string>;
  fsdp?: Found<string>;
  gpus?: Found<number>;
  /** values that are there but could not be read statically */
  unread: Unread[];
  /** the file could not be parsed cleanly (syntax errors); what was read is still usable */
  syntaxErrors: SourceSpan[];
}

export type HyperparamKey = Exclude<keyof Hyperparams, 'kind' | 'framework' | 'modelLoad' | 'trainer' | 'argsClass' | 'trainerClass' | 'unread' | 'syntaxErrors'>;

export function emptyHyperparams(kind: FileKind): Hyperparams {
  return { kind, framework: 'unknown', unread: [], syntaxErrors: [] };
}
