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

/** Where a call sits in the text, so that a fix can add or change its arguments without reformatting. */
export interface CallSite {
  callee: string;
  span: SourceSpan;
  /** offset of the closing parenthesis */
  closeParen: number;
  /** offset just after the last argument (after '(' when there is none) */
  lastArgEnd: number;
  hasArgs: boolean;
  /** a comma follows the last argument */
  trailingComma: boolean;
  /** the indentation of arguments written one per line, else null (arguments on the call's line) */
  argIndent: string | null;
  /** end of the line that ends the statement holding the call, and that statement's indentation */
  statementEnd: number;
  statementIndent: string;
  /** `model = AutoModelForCausalLM.from_pretrained(...)` -> "model" */
  assignedTo?: string;
}

export interface ImportInfo {
  /** names bound by import statements (`torch`, `BitsAndBytesConfig`, `bnb`) */
  names: string[];
  /** offset after the last top-level import statement's line (0 when none) */
  insertAt: number;
}

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
  /** call sites that fixes edit (Python only) */
  sites: { modelLoad?: CallSite; trainingArgs?: CallSite; trainer?: CallSite; lora?: CallSite; bnb?: CallSite; optimizer?: CallSite };
  imports?: ImportInfo;
  /** values that are there but could not be read statically */
  unread: Unread[];
  /** the file could not be parsed cleanly (syntax errors); what was read is still usable */
  syntaxErrors: SourceSpan[];
}

export type HyperparamKey = Exclude<keyof Hyperparams, 'kind' | 'framework' | 'modelLoad' | 'trainer' | 'argsClass' | 'trainerClass' | 'sites' | 'imports' | 'unread' | 'syntaxErrors'>;

export function emptyHyperparams(kind: FileKind): Hyperparams {
  return { kind, framework: 'unknown', sites: {}, unread: [], syntaxErrors: [] };
}
