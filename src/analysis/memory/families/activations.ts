// Activations saved for backward: per decoder layer from the architecture, with what frozen layers do not
// save, eager vs SDPA/flash attention, gradient checkpointing and activation offloading.
import { headDimOf, layerCounts, mambaDtRank } from '../../models/spec';
import { DTYPE_BYTES } from '../setup';
import { EngineContext, fmt, part, Part } from '../context';

/**
 * Saved activations of one decoder layer for one token, in bytes.
 * PyTorch saves a matmul's input only when the weight needs a gradient (autograd codegen: mm saves `self`
 * only if should_compute_output for mat2; tools/autograd/derivatives.yaml), so frozen base layers under
 * LoRA/QLoRA keep far less than full fine-tuning. bitsandbytes MatMul4Bit keeps no input either
 * (bitsandbytes autograd/_functions.py: ctx.tensors = (None, B)).
 */
export function layerActivationBytesPerToken(c: EngineContext): { bytes: number; maxBytes: number; parts: Record<string, number> } {
  const { m, s, actBytes: a } = c;
  const T = s.method === 'full' ? 1 : 0; // base weights trainable: norm casts are saved
  // linear inputs are saved when the weights train, or by bitsandbytes < 0.43 for 4-bit layers
  const L = T || (s.quantSavesInputs && s.quantization !== 'none') ? 1 : 0;
  const h = m.hiddenSize;
  const hd = headDimOf(m);
  const qDim = m.mla ? m.numHeads * (m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim) : m.numHeads * hd;
  const kDim = m.mla ? qDim : m.numKvHeads * hd;
  const vDim = m.mla ? m.numHeads * m.mla.vHeadDim : m.numKvHeads * hd;
  const oIn = m.mla ? vDim : qDim;
  // Norms: HF RMSNorm upcasts to fp32 and saves that copy; the product with the weight saves the bf16 cast
  // only when the norm weight trains (transformers modeling_llama.py LlamaRMSNorm). LayerNorm saves its
  // input (aten native_layer_norm). torch.compile fuses the norm and keeps its 16-bit input.
  const normsPerLayer = m.family.startsWith('gemma2') || m.family.startsWith('gemma3') ? 4 : 2;
  const perNorm = m.normBias || s.compiled ? a * h : 4 * h + T * a * h;
  const norms = normsPerLayer * perNorm;
  // Attention: SDPA/flash save q, k, v (after RoPE), the output and a fp32 logsumexp per head; the q/k/v
  // input and the contiguous o_proj input are saved when the projections train. Eager attention also saves
  // the fp32 softmax and its 16-bit cast (H·S per token; modeling_llama.py eager_attention_forward) and
  // repeat_kv's expanded K/V under GQA.
  let attn = a * (qDim + kDim + vDim + oIn) + 4 * m.numHeads + L * a * (h + oIn);
  if (s.attention === 'eager') {
    attn += (4 + a) * m.numHeads * s.seqLen;
    if (m.numKvHeads < m.numHeads) attn += 2 * a * qDim;
  }
  // MLP: gated (SwiGLU) saves the gate output (for silu), silu(gate) and the up output (for the product);
  // compiled, silu*up is fused and silu(gate) is recomputed. The input and the down-projection input are
  // saved when the weights train. Standard MLP: the activation's input, plus fc1/fc2 inputs when training.
  const mlpOne = (width: number) => (m.mlp === 'gated' ? a * ((s.compiled ? 2 : 3) * width) + L * a * (h + width) : a * width + L * a * (h + width));
  let mlp: number;
  if (m.moe) {
    const e = m.moe;
    const shared = e.sharedExperts > 0 ? mlpOne(e.sharedIntermediateSize ?? e.expertIntermediateSize * e.sharedExperts) : 0;
    // each token runs through expertsPerToken experts; router logits softmax in fp32
    mlp = e.expertsPerToken * mlpOne(e.expertIntermediateSize) + shared + 4 * e.numExperts;
  } else {
    mlp = mlpOne(m.intermediateSize);
  }
  // LoRA (peft/tuners/lora/layer.py Linear.forward): x is cast to the adapter dtype and passed through
  // dropout; lora_A saves its input (the dropout output, plus a 1-byte mask when dropout > 0, or the cast
  // copy), lora_B saves lora_A's rank-r output. With a 16-bit adapter and no dropout lora_A shares x.
  // Each targeted module makes its own copy, so copies are counted per module — except on bitsandbytes
  // layers under autocast (peft/tuners/lora/bnb.py casts x only when autocast is off): there lora_A takes
  // the layer's own 16-bit input, shared by the modules that read it, unless PEFT's k-bit preparation made
  // the residual stream fp32, which autocast then casts per module (allocations-training.md §1.3, §3.2).
  let lora = 0;
  if (c.lora && s.lora) {
    const lb = DTYPE_BYTES[s.lora.dtype];
    const bnb = s.quantization === 'nf4' || s.quantization === 'fp4' || s.quantization === 'int8';
    const shared = bnb && s.autocast && !s.kbitUpcast && s.lora.dropout === 0;
    // Under autocast lora_A saves the 16-bit cast of its input instead of the adapter-dtype copy.
    const eff = s.autocast ? a : lb;
    const perIn = s.lora.dropout > 0 ? eff + 1 : lb !== a ? eff : L ? 0 : a;
    const inputs = shared ? sharedLoraInputs(c) * a : c.lora.inFeaturesPerToken * perIn;
    lora = (inputs + c.lora.instances * s.lora.r * lb) / m.numLayers;
    if (s.lora.dora) lora += (c.lora.outFeaturesPerToken * a) / m.numLayers; // DoRA rescales the base output
  }
  // Layers that are not all attention + MLP (models/spec.ts layerCounts): each kind saves its own tensors, so
  // the per-layer figure is the mean over the layers, and the largest layer is what checkpointing recomputes.
  const n = layerCounts(m);
  const mamba = n.mamba > 0 ? mambaBytesPerToken(c, L) : 0;
  const conv = n.conv > 0 ? a * 5 * h + L * a * 2 * h : 0;
  const layers = m.numLayers;
  const perLayer = {
    norms: (norms / 2) * (n.norms / layers),
    attention: (attn * (n.attention + n.crossAttention)) / layers,
    mamba: (mamba * n.mamba) / layers,
    conv: (conv * n.conv) / layers,
    mlp: (mlp * n.mlp) / layers,
    lora,
  };
  const bytes = Object.values(perLayer).reduce((t, v) => t + v, 0);
  const mixers = [n.attention > 0 ? attn : 0, n.mamba > 0 ? mamba : 0, n.conv > 0 ? conv : 0];
  const mixer = m.mixer?.parallel ? attn + mamba : Math.max(...mixers);
  // a block is one mixer and an MLP, except Nemotron-H's, where an MLP is a block of its own
  const maxBytes = norms + lora + (n.mlp >= layers ? mixer + mlp : Math.max(mixer, mlp)) + (n.crossAttention > 0 ? attn : 0);
  const parts: Record<string, number> = { norms: perLayer.norms, attention: perLayer.attention, mlp: perLayer.mlp, lora };
  if (mamba) parts.mamba = perLayer.mamba;
  if (conv) parts.conv = perLayer.conv;
  return { bytes, maxBytes: Math.max(bytes, maxBytes), parts };
}

/**
 * A Mamba layer's saved tensors per token through the fused CUDA kernels that transformers uses when
 * mamba-ssm and causal-conv1d are installed (is_fast_path_available). Mamba-2 (mamba_ssm
 * ops/triton/ssd_combined.py MambaSplitConv1dScanCombinedFn, called with the out_proj weight) saves the
 * in_proj output zxbcdt (2·d_inner + 2·groups·d_state + heads), the scan output out_x (d_inner) and the norm's
 * fp32 rstd, and recomputes the rest; Mamba-1 (ops/selective_scan_interface.py MambaInnerFn, checkpoint_lvl 1)
 * saves xz (2·d_inner), x_dbl (dt_rank + 2·d_state), contiguous B and C, the scan output and the scan's fp32
 * chunk states (2·d_state per channel every 2048 tokens); conv1d_out and delta are recomputed. in_proj's input
 * is saved when its weight trains (transformers calls in_proj outside the fused function). Without the kernels
 * transformers' torch path saves far more (approximated: the kernels are what training these models needs).
 */
function mambaBytesPerToken(c: EngineContext, trainsLinear: number): number {
  const { m, actBytes: a } = c;
  const s = m.mamba!;
  const h = m.hiddenSize;
  if (s.nHeads > 0) return a * (2 * s.dInner + 2 * s.nGroups * s.dState + s.nHeads) + a * s.dInner + 4 * s.nGroups + trainsLinear * a * h;
  const r = mambaDtRank(m);
  return a * (2 * s.dInner + r + 4 * s.dState + s.dInner) + (4 * 2 * s.dState * s.dInner) / 2048 + trainsLinear * a * h;
}

/** Per-token width of the distinct inputs the targeted modules read (q/k/v share the attention input,
 * gate/up the MLP input), summed over the layers a token passes through. */
function sharedLoraInputs(c: EngineContext): number {
  const mods = c.lora?.modules ?? [];
  const groups = new Map<string, number>();
  for (const x of mods) {
    const key = /^(q|k|v)_proj$|^q_a_proj$|^kv_a_proj_with_mqa$/.test(x.name)
      ? `attn-in:${x.kind}`
      : /^(gate|up)_proj$/.test(x.name)
        ? `mlp-in:${x.kind}`
        : `${x.name}:${x.kind}`;
    groups.set(key, Math.max(groups.get(key) ?? 0, x.inFeatures * x.activeCount));
  }
  return [...groups.values()].reduce((t, v) => t + v, 0) + (c.lora?.lmHead ? c.m.hiddenSize : 0);
}

/**
 * GPTQ layers train through the torch dequantize-and-matmul path (GPTQModel qlinear/torch.py; exllama and
 * marlin refuse training), which saves the dequantized 16-bit weight of every quantized linear for its
 * backward: all of them without checkpointing, one layer's during its recompute with it
 * (allocations-training.md §2.2).
 */
function dequantizedWeights(c: EngineContext): number {
  if (c.s.quantization !== 'gptq-int4') return 0;
  const layers = c.s.gradientCheckpointing ? 1 : c.m.numLayers;
  return (c.pb.linear / c.m.numLayers) * layers * c.actBytes;
}

export function activationParts(c: EngineContext): Part[] {
  const { m, s, tokens, actBytes } = c;
  const out: Part[] = [];
  const layer = layerActivationBytesPerToken(c);
  const h = m.hiddenSize;
  // Outside the layers: the embedding output and the final norm's saved tensors.
  const outside = actBytes * h + (m.normBias || s.compiled ? actBytes * h : 4 * h + actBytes * h);
  let activations: number;
  let formula: string;
  if (s.gradientCheckpointing) {
    // Checkpointing keeps each layer's input and recomputes one layer at a time in backward
    // (Chen et al. 2016; transformers gradient_checkpointing_enable wraps each decoder layer). After PEFT's
    // k-bit preparation the residual stream is fp32 (fp32 embeddings and norm weights), so the kept inputs
    // are 4 bytes per element (allocations-training.md §1.3).
    const inputBytes = s.kbitUpcast && c.quantized ? 4 : actBytes;
    const inputs = s.activationOffload ? 2 * inputBytes * h : m.numLayers * inputBytes * h;
    activations = tokens * (inputs + layer.maxBytes + outside);
    formula = `${fmt(tokens)} tokens × (${s.activationOffload ? '2 layer inputs (rest offloaded to CPU)' : `${m.numLayers} layer inputs × ${inputBytes * h} B`} + one recomputed layer ${fmt(layer.maxBytes)} B)`;
  } else if (s.activationOffload) {
    // saved tensors go to CPU; about two layers stay on the GPU while copies overlap compute.
    activations = tokens * (2 * layer.maxBytes + outside);
    formula = `${fmt(tokens)} tokens × 2 layers × ${fmt(layer.maxBytes)} B (rest offloaded to CPU)`;
  } else {
    activations = tokens * (m.numLayers * layer.bytes + outside);
    formula = `${fmt(tokens)} tokens (${c.sequences}${c.pairwise ? ' chosen + rejected' : ''} × ${c.seqLen}) × ${m.numLayers} layers × ${fmt(layer.bytes)} B/token/layer`;
  }
  const dequant = dequantizedWeights(c);
  if (dequant) {
    activations += dequant;
    formula += ` + ${s.gradientCheckpointing ? "one layer's" : 'every'} dequantized GPTQ weight saved for backward`;
  }
  part(out, 'activations', activations, ['forward-loss'], formula, {
    microBatch: s.microBatch,
    sequences: c.sequences,
    seqLen: c.seqLen,
    layers: m.numLayers,
    bytesPerTokenPerLayer: Math.round(layer.bytes),
    gradientCheckpointing: s.gradientCheckpointing,
    attention: s.attention,
    ...Object.fromEntries(Object.entries(layer.parts).map(([k, v]) => [`${k}BytesPerToken`, Math.round(v)])),
  });
  return out;
}
