// Preference and RL jobs: which trainer, where the reference log-probs come from, how completions are
// generated. Defaults are TRL's (trl/trainer/{dpo,kto,grpo,rloo}_config.py, experimental/{orpo,cpo,ppo})
// as of trl main 2026-07 (f2cd577), and Unsloth's (unsloth/models/loader.py).
import { Hyperparams } from '../extract/hyperparams';
import { defaultJob, Dtype, JobKind, JobSetup } from '../memory/setup';
import { defaultReason, frameworkDefault } from '../vocab/defaults';
import { assume, dflt, dtypeOf, fromDefault, PlanField, read } from './fields';

export interface JobPlan {
  jobKind: PlanField<JobKind>;
  reference: PlanField<JobSetup['reference']>;
  /** only when the reference is a second copy */
  referenceDtype?: PlanField<Dtype>;
  /** GRPO / RLOO / PPO only */
  numGenerations?: PlanField<number>;
  promptLength?: PlanField<number>;
  completionLength?: PlanField<number>;
  generationBatch?: PlanField<number>;
  generation?: PlanField<JobSetup['generation']>;
  vllmMemoryUtilization?: PlanField<number>;
  vllmSleep?: PlanField<boolean>;
}

/** The job kind the trainer or config class names; null for supervised fine-tuning. */
export function jobKindOf(hp: Hyperparams): JobKind | null {
  const names = `${hp.trainerClass ?? ''} ${hp.argsClass ?? ''}`;
  if (/\bDPO/.test(names)) return 'dpo';
  if (/\bORPO/.test(names)) return 'orpo';
  if (/\bCPO/.test(names)) return 'simpo'; // CPO/SimPO: pairwise, no reference model
  if (/\bKTO/.test(names)) return 'kto';
  if (/\bGRPO/.test(names)) return 'grpo';
  if (/\bRLOO/.test(names)) return 'rloo';
  if (/\bPPO/.test(names)) return 'ppo';
  return null;
}

export interface JobContext {
  hp: Hyperparams;
  /** LoRA/QLoRA/DoRA: the reference is the same model with the adapter disabled */
  peft: boolean;
  unsloth: boolean;
  policyDtype: Dtype;
  microBatch: number;
  gradAccumulation: number;
}

export function planJob(c: JobContext): JobPlan | null {
  const { hp } = c;
  const kindName = jobKindOf(hp);
  if (!kindName) return null;
  const kind = kindName;
  const source = hp.trainerClass ?? hp.argsClass ?? kind;
  const jobKind = dflt(kind, `${source}: ${kind.toUpperCase()} training`);
  const rl = kind === 'grpo' || kind === 'rloo' || kind === 'ppo';

  // ---- reference -------------------------------------------------------------------------------
  let reference: PlanField<JobSetup['reference']>;
  const beta = hp.rlBeta?.value;
  // GRPO beta=0.0 since trl 0.19 (PR #3516): no reference model; RLOO beta=0.05; DPO/KTO always use one.
  const betaDefault = frameworkDefault(kind === 'grpo' ? 'trl.grpo.beta' : kind === 'rloo' ? 'trl.rloo.beta' : 'trl.dpo.beta').value as number;
  const effectiveBeta = beta ?? betaDefault;
  if (kind === 'orpo' || kind === 'simpo') reference = dflt('none', `${kind.toUpperCase()} uses no reference model`);
  else if (kind === 'grpo' && effectiveBeta === 0)
    reference = hp.rlBeta ? read(hp.rlBeta, 'none') : fromDefault('trl.grpo.beta', 'GRPOConfig default', () => 'none' as const);
  // an explicit ref_model stays on the GPU even with precompute_ref_log_probs (trl dpo_trainer.py sets
  // self.ref_model = ref_model before the precompute branch)
  else if (hp.refModel) reference = read(hp.refModel, 'copy');
  else if (hp.precomputeRef?.value) reference = read(hp.precomputeRef, 'precomputed');
  else if (c.peft) reference = dflt('adapter-disabled', 'with a PEFT adapter the reference is the same model with the adapter disabled (no second copy)');
  else reference = dflt('copy', `${source} loads a frozen second copy of the model as reference`);
  const readDtype = dtypeOf(hp.modelInitDtype?.value);
  const referenceDtype: PlanField<Dtype> = hp.refModel
    ? dflt(c.policyDtype, 'the reference passed as ref_model: assumed loaded like the policy')
    : hp.kind !== 'python' && hp.kind !== 'notebook'
      ? dflt(c.policyDtype, `${hp.framework} loads the reference model like the policy (compute dtype)`)
      : kind === 'ppo'
        ? dflt(c.policyDtype, 'PPO copies the policy as reference (trl experimental/ppo create_reference_model)')
        : readDtype && hp.modelInitDtype
          ? read(hp.modelInitDtype, readDtype)
          : fromDefault('trl.refDtype', 'TRL loads the reference from args.model_init_kwargs, default', () => 'fp32' as const);

  // ---- generation (GRPO / RLOO / PPO) ---------------------------------------------------------------
  const numGenerations = hp.numGenerations
    ? read(hp.numGenerations, hp.numGenerations.value)
    : fromDefault<number>(kind === 'rloo' ? 'trl.rloo.numGenerations' : 'trl.grpo.numGenerations', `${kind.toUpperCase()}Config default`);
  // LLaMA-Factory's PPO truncates prompts to cutoff_len and generates up to max_new_tokens (train/ppo/trainer.py)
  const promptLength = hp.maxPromptLength
    ? read(hp.maxPromptLength, hp.maxPromptLength.value)
    : hp.framework === 'llama-factory' && hp.seqLen && !hp.seqLen.implied
      ? { ...read(hp.seqLen, hp.seqLen.value), reason: `the prompt is cut to cutoff_len (${hp.seqLen.how})` }
      : assume(512, 'prompt length not set (max_prompt_length was removed in trl 0.28; prompts are not truncated): 512 assumed');
  const completionLength = hp.maxCompletionLength
    ? read(hp.maxCompletionLength, hp.maxCompletionLength.value)
    : kind === 'ppo'
      ? fromDefault<number>('trl.ppo.responseLength', 'PPOConfig default')
      : fromDefault<number>('trl.grpo.maxCompletionLength', 'GRPOConfig/RLOOConfig default');
  const steps = hp.stepsPerGeneration?.value ?? c.gradAccumulation;
  const generationBatch = dflt(
    kind === 'ppo' ? Math.min(frameworkDefault('trl.ppo.rolloutBatch').value as number, c.microBatch * c.gradAccumulation) : c.microBatch * steps,
    kind === 'ppo'
      ? 'PPO rollouts in local batches of up to local_rollout_forward_batch_size=64'
      : `completions generated per GPU per round: per_device_train_batch_size × steps_per_generation (${hp.stepsPerGeneration ? 'read' : 'defaults to gradient_accumulation_steps'})`,
  );
  let generation: PlanField<JobSetup['generation']>;
  let vllmMemoryUtilization: PlanField<number>;
  if (!rl) {
    generation = dflt('none', 'no generation in this trainer');
    vllmMemoryUtilization = dflt(0, 'no vLLM');
  } else if (c.unsloth && hp.fastInference?.value) {
    generation = read(hp.fastInference, 'vllm-shared');
    vllmMemoryUtilization = hp.vllmMemoryUtilization
      ? read(hp.vllmMemoryUtilization, hp.vllmMemoryUtilization.value)
      : fromDefault<number>('unsloth.vllmMemoryUtilization', 'Unsloth from_pretrained default');
  } else if (hp.useVllm?.value) {
    const server = hp.vllmMode?.value === 'server';
    generation = hp.vllmMode
      ? read(hp.vllmMode, server ? 'vllm-server' : 'vllm-colocate')
      : { ...read(hp.useVllm, 'vllm-colocate'), reason: `use_vllm=True; ${defaultReason('trl.vllmMode', 'GRPOConfig default')}` };
    vllmMemoryUtilization = hp.vllmMemoryUtilization
      ? read(hp.vllmMemoryUtilization, hp.vllmMemoryUtilization.value)
      : fromDefault<number>('trl.vllmMemoryUtilization', 'GRPOConfig default');
  } else {
    generation = hp.useVllm ? read(hp.useVllm, 'hf') : fromDefault('trl.useVllm', 'GRPOConfig default (model.generate with a KV cache)', () => 'hf' as const);
    vllmMemoryUtilization = dflt(0, 'no vLLM');
  }
  const vllmSleep = hp.vllmSleep ? read(hp.vllmSleep, hp.vllmSleep.value) : fromDefault<boolean>('trl.vllmSleep', 'GRPOConfig default');
  const base: JobPlan = { jobKind, reference, ...(reference.value === 'copy' ? { referenceDtype } : {}) };
  if (!rl) return base;
  return {
    ...base,
    numGenerations,
    promptLength,
    completionLength,
    generationBatch,
    generation,
    ...(generation.value === 'vllm-colocate' || generation.value === 'vllm-shared' ? { vllmMemoryUtilization, vllmSleep } : {}),
  };
}

export function jobSetupOf(p: JobPlan | null): JobSetup | null {
  if (!p) return null;
  const kind = p.jobKind.value;
  return defaultJob(kind, {
    reference: p.reference.value,
    ...(p.referenceDtype ? { referenceDtype: p.referenceDtype.value } : {}),
    ...(p.numGenerations ? { numGenerations: p.numGenerations.value } : {}),
    ...(p.promptLength ? { promptLength: p.promptLength.value } : {}),
    ...(p.completionLength ? { completionLength: p.completionLength.value } : {}),
    ...(p.generationBatch ? { generationBatch: p.generationBatch.value } : {}),
    generation: p.generation?.value ?? 'none',
    vllmMemoryUtilization: p.vllmMemoryUtilization?.value ?? 0,
    vllmSleep: p.vllmSleep?.value ?? false,
  });
}
