// What sharding adds back: the layers FSDP/ZeRO-3 gather for compute, gradient buckets of DDP and
// ZeRO, FSDP's unsharded gradients before reduce-scatter.
import { EngineContext, fmt, part, Part, shardsWeights } from '../context';
import { Trainable, trainableBytes } from './trainable';
import { WeightTerms } from './weights';

// FSDP keeps the current and the prefetched unit gathered (torch FSDP backward_prefetch=BACKWARD_PRE).
const FSDP_LIVE_UNITS = 2;

export function distributionParts(c: EngineContext, t: Trainable, w: WeightTerms): Part[] {
  const { m, s, pb, actBytes } = c;
  const out: Part[] = [];
  const h = m.hiddenSize;
  const perLayerParams = (pb.linear + pb.other) / m.numLayers;
  // FSDP/ZeRO-3 gather a layer's parameters as stored: 16-bit weights in the compute dtype, and packed
  // 4-bit data for QLoRA (bnb_4bit_quant_storage; docs/sources/allocations-distributed-rl.md §5)
  const layerBytes = c.quantized ? (pb.linear * w.linearBytesPerParam + pb.other * w.restBytes) / m.numLayers : perLayerParams * actBytes;
  const gathered = shardsWeights(s) || c.paramsOffloaded ? FSDP_LIVE_UNITS * layerBytes : 0;
  part(out, 'gatheredParams', gathered, ['forward-loss'], `${FSDP_LIVE_UNITS} layers × ${fmt(perLayerParams)} params gathered (${fmt(layerBytes)} B each)`, {
    liveLayers: FSDP_LIVE_UNITS,
    paramsPerLayer: Math.round(perLayerParams),
  });
  const gradBytes = t.groups[0]?.bytes ?? c.wBytes;
  const inputs = { gpus: c.N, sharding: s.sharding };
  if (s.gpus > 1 && s.sharding === 'ddp') {
    // DDP copies gradients into flat buckets (gradient_as_bucket_view=False by default; torch DDP docs),
    // allocated at construction and kept (torch Reducer::initialize_buckets): live in forward too.
    part(out, 'commBuffers', trainableBytes(t), ['forward-loss', 'optimizer-step'], `${fmt(t.params)} trainable params' DDP gradient buckets`, inputs);
  } else if (c.N > 1 && (s.sharding === 'zero2' || s.sharding === 'zero3')) {
    // reduce and all-gather buckets: HF Trainer's "auto" sets reduce_bucket_size = hidden² elements
    // (transformers integrations/deepspeed.py), in the gradient dtype
    part(out, 'commBuffers', h * h * gradBytes * 2, ['optimizer-step'], `2 buckets × ${h}² × ${gradBytes} B`, inputs);
  } else if (c.N > 1 && (s.sharding === 'fsdp' || s.sharding === 'fsdp_hybrid' || s.sharding === 'fsdp_grad_op')) {
    const unit = c.usesLora ? (c.lora?.params ?? 0) / m.numLayers : perLayerParams;
    part(out, 'commBuffers', unit * gradBytes, ['optimizer-step'], `one layer's unsharded gradients before reduce-scatter`, inputs);
  }
  return out;
}
