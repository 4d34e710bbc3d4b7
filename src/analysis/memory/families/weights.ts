// Weights by dtype and quantization format, their block constants, and the 16-bit casts autocast keeps.
import { linearModules } from '../../models/params';
import { EngineContext, fmt, part, Part, shardsWeights, TRAINING_PHASES } from '../context';

const ALL = [...TRAINING_PHASES, 'generation'] as const;

// bitsandbytes 4-bit: 0.5 byte/param plus one fp32 absmax per 64-value block; double quantization stores
// the absmax in 8 bit with one fp32 constant per 256 blocks (Dettmers et al. 2023, QLoRA, section 3).
const NF4_BYTES = 0.5;
const NF4_CONST_BYTES = 4 / 64;
const NF4_DQ_CONST_BYTES = 1 / 64 + 4 / (64 * 256);
// LLM.int8(): int8 weights with one fp32 scale per output row (Dettmers et al. 2022; bnb Int8Params SCB).
const INT8_BYTES = 1;
// GPTQ/AWQ int4, group size 128: fp16 scale + packed 4-bit zero per group, and GPTQ's int32 g_idx per input
// row (GPTQModel qlinear/__init__.py _register_gptq_buffers; docs/sources/allocations-training.md §2.1).
const GPTQ_CONST_BYTES = (2 + 0.5) / 128;
const GPTQ_GIDX_BYTES = 4;

export interface WeightTerms {
  /** bytes of all weights before sharding (linear + the rest) */
  weightBytes: number;
  /** quantization constants before sharding */
  qconst: number;
  /** bytes of a non-quantized param (norms, embeddings, head): fp32 after PEFT's k-bit upcast */
  restBytes: number;
  linearBytesPerParam: number;
}

export function weightTerms(c: EngineContext): WeightTerms {
  const { s, pb } = c;
  // Non-quantized params: embeddings, lm_head, norms. prepare_model_for_kbit_training casts every
  // non-quantized param to fp32 (peft/utils/other.py).
  const restBytes = c.quantized && s.kbitUpcast ? 4 : c.wBytes;
  let qconst = 0;
  let linearBytesPerParam = c.wBytes;
  switch (s.quantization) {
    case 'nf4':
    case 'fp4':
      linearBytesPerParam = NF4_BYTES;
      qconst = pb.linear * (s.doubleQuant ? NF4_DQ_CONST_BYTES : NF4_CONST_BYTES);
      break;
    case 'int8':
      linearBytesPerParam = INT8_BYTES;
      qconst = linearModules(c.m).reduce((t, x) => t + 4 * x.outFeatures * x.count, 0);
      break;
    case 'gptq-int4':
    case 'awq-int4':
      linearBytesPerParam = NF4_BYTES;
      qconst = pb.linear * GPTQ_CONST_BYTES;
      if (s.quantization === 'gptq-int4') qconst += linearModules(c.m).reduce((t, x) => t + GPTQ_GIDX_BYTES * x.inFeatures * x.count, 0);
      break;
    default:
      break;
  }
  const restParams = pb.embedding + pb.lmHead + pb.other;
  return { weightBytes: pb.linear * linearBytesPerParam + restParams * restBytes, qconst, restBytes, linearBytesPerParam };
}

/** Frozen originals of modules_to_save that Unsloth keeps on the CPU (their bytes leave the GPU). */
function offloadedOriginals(c: EngineContext, w: WeightTerms): number {
  const { s, pb } = c;
  if (!c.usesLora || !s.lora?.originalsOffloaded) return 0;
  let params = 0;
  for (const mod of s.lora.modulesToSave) {
    if (/embed|wte|tok_embeddings/.test(mod)) params += pb.embedding;
    else if (/lm_head|output/.test(mod)) params += pb.lmHead;
  }
  return params * w.restBytes;
}

export function weightParts(c: EngineContext, w: WeightTerms): Part[] {
  const { s, pb } = c;
  const out: Part[] = [];
  const restParams = pb.embedding + pb.lmHead + pb.other;
  const N = c.weightShard;
  const offloaded = offloadedOriginals(c, w);
  part(
    out,
    'weights',
    c.paramsOffloaded ? 0 : (w.weightBytes - offloaded) / N,
    ALL,
    `${fmt(pb.linear)} linear params × ${w.linearBytesPerParam} B + ${fmt(restParams)} other × ${w.restBytes} B${N > 1 ? ` ÷ ${c.N} GPUs` : ''}`,
    {
      linearParams: pb.linear,
      otherParams: restParams,
      linearBytesPerParam: w.linearBytesPerParam,
      otherBytesPerParam: w.restBytes,
      shards: N,
      quantization: s.quantization,
    },
  );
  // the quantization state (absmax, scales, g_idx) is not a parameter: FSDP and ZeRO-3 do not shard it and it
  // stays on every GPU, CPU offload included (docs/sources/allocations-distributed-rl.md §5)
  part(out, 'quantConstants', w.qconst, ALL, `block constants of ${s.quantization}${s.doubleQuant ? ' (double quant)' : ''}${N > 1 ? ', on every GPU' : ''}`, {
    linearParams: pb.linear,
    doubleQuant: s.doubleQuant,
  });
  // torch.autocast casts fp32 weights to bf16 in every matmul; the casts are saved for backward, so a
  // 16-bit copy of every linear weight lives from forward to backward (transformers model_memory_anatomy.md:
  // "mixed precision: 6 bytes/param"). FSDP/ZeRO-3 gather 16-bit params instead (counted as gathered).
  const autocastCopies = s.autocast && s.weightDtype === 'fp32' && !c.quantized && !shardsWeights(s) ? pb.linear * 2 : 0;
  part(out, 'autocastCopies', autocastCopies, ['forward-loss'], `${fmt(pb.linear)} linear params × 2 B (bf16 casts saved for backward)`, {
    linearParams: pb.linear,
  });
  return out;
}
