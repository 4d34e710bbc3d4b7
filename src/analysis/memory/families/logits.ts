// Logits and the loss: the vocabulary-sized tensors at the start of backward, by loss implementation.
import { EngineContext, fmt, part, Part } from '../context';

export function logitParts(c: EngineContext): Part[] {
  const { m, s, tokens, actBytes } = c;
  const out: Part[] = [];
  // At the start of backward: the 16-bit logits (kept by the model output), the fp32 log-softmax saved by
  // cross_entropy, and the fp32 gradients of both (transformers loss/loss_utils.py ForCausalLMLoss upcasts
  // logits to fp32). Chunked CE (torchtune CEWithChunkedOutputLoss, 8 chunks) upcasts one chunk at a time;
  // fused linear CE (Liger, cut-cross-entropy) never materialises the logits: about one hidden-size chunk
  // per token (Liger-Kernel ops/fused_linear_cross_entropy.py, chunks of V/H).
  const V = m.vocabSize;
  const h = m.hiddenSize;
  const logitBytes = actBytes;
  let perElem = logitBytes + 12;
  let formula = `${fmt(tokens)} tokens × ${fmt(V)} vocab × (${logitBytes} B logits + 12 B fp32 log-softmax and grads)`;
  let logits = tokens * V * perElem;
  if (s.loss === 'chunked') {
    perElem = logitBytes + 12 / 8;
    logits = tokens * V * perElem;
    formula = `${fmt(tokens)} tokens × ${fmt(V)} vocab × (${logitBytes} B + 12 B / 8 chunks)`;
  } else if (s.loss === 'fused_linear') {
    logits = tokens * h * (logitBytes + 12);
    formula = `${fmt(tokens)} tokens × ${h} hidden × ${logitBytes + 12} B (fused linear cross-entropy)`;
  }
  if (c.rl && s.loss !== 'fused_linear') {
    // GRPO/RLOO keep logits for the completion positions only (logits_to_keep) and take log-probs row by
    // row without an fp32 upcast: the logits, the per-row log-softmax saved for backward, and its gradient
    // (trl grpo_trainer.py _get_per_token_logps_and_entropies, utils.py selective_log_softmax).
    const logitTokens = s.microBatch * s.job!.completionLength;
    perElem = 3 * logitBytes;
    logits = logitTokens * V * perElem;
    formula = `${fmt(logitTokens)} completion tokens × ${fmt(V)} vocab × 3 × ${logitBytes} B (logits, log-softmax, grad)`;
  }
  part(out, 'logits', logits, ['forward-loss'], formula, { tokens, vocab: V, bytesPerElement: perElem, loss: s.loss });
  return out;
}
