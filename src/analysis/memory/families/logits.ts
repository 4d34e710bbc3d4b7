// Logits and the loss: the vocabulary-sized tensors at the peak, by how the loss is computed
// (docs/sources/allocations-training.md §3.4 and §4, allocations-distributed-rl.md §1-3).
import { EngineContext, fmt, part, Part } from '../context';

// Families whose modelling code is remote (trust_remote_code) and computes CrossEntropyLoss on the 16-bit
// shifted logits, without transformers' fp32 upcast: Qwen-7B/14B/72B (Qwen/Qwen-7B modeling_qwen.py
// QWenLMHeadModel.forward: shift_logits = lm_logits[..., :-1, :].contiguous(); CrossEntropyLoss()).
const SIXTEEN_BIT_CE_FAMILIES = new Set(['qwen']);

export function logitParts(c: EngineContext): Part[] {
  const { m, s, tokens, actBytes: a } = c;
  const out: Part[] = [];
  const V = m.vocabSize;
  const h = m.hiddenSize;
  const job = s.job;
  let elements = tokens * V;
  let perElem: number;
  let what: string;
  if (s.task?.kind === 'seq-cls') {
    // a [batch, seq, labels] score and a loss on the pooled [batch, labels]: no vocabulary-sized tensor
    // (transformers modeling_layers.py GenericForSequenceClassification, loss_utils.py)
    elements = tokens * s.task.labels;
    perElem = 3 * a;
    what = `${s.task.labels} labels × 3 × ${a} B (scores, grads)`;
  } else if (s.loss === 'fused_linear') {
    // Liger / cut-cross-entropy: logits in chunks, gradients computed in the forward; about one hidden-size
    // tensor per token (Liger-Kernel ops/fused_linear_cross_entropy.py: grad_input N × h)
    elements = tokens * h;
    perElem = a + 12;
    what = `${h} hidden × ${perElem} B (fused linear cross-entropy)`;
  } else if (c.rl) {
    // GRPO/RLOO/PPO keep logits for the completion positions only (logits_to_keep) and take log-probs row by
    // row without an fp32 upcast: the logits, the per-row log-softmax saved for backward, and its gradient
    // (trl grpo_trainer.py _get_per_token_logps_and_entropies, utils.py selective_log_softmax).
    elements = s.microBatch * job!.completionLength * V;
    perElem = 3 * a;
    what = `completion tokens only × ${fmt(V)} vocab × 3 × ${a} B (logits, log-softmax, grad)`;
  } else if (c.pairwise || job?.kind === 'kto') {
    // TRL's preference trainers take per-token log-probs of the 16-bit logits (selective_log_softmax, no
    // fp32 upcast, no labels to the model): the policy logits and their saved log-softmax, plus the
    // reference's logits when a reference runs (allocations-distributed-rl.md §1: ≈ 12·B·L·V for DPO)
    const withRef = job!.reference === 'copy' || job!.reference === 'adapter-disabled';
    perElem = (withRef ? 3 : 2) * a;
    what = `${fmt(V)} vocab × ${withRef ? 3 : 2} × ${a} B (policy logits, saved log-softmax${withRef ? ', reference logits' : ''})`;
  } else if (s.loss === 'chunked') {
    // torchtune CEWithChunkedOutputLoss: 8 chunks, each upcast to fp32 on its own
    perElem = a + 12 / 8;
    what = `${fmt(V)} vocab × (${a} B + 12 B / 8 chunks)`;
  } else if (SIXTEEN_BIT_CE_FAMILIES.has(m.family)) {
    // the logits, their contiguous shifted copy, the 16-bit log-softmax saved by cross_entropy and its grad
    perElem = 4 * a;
    what = `${fmt(V)} vocab × 4 × ${a} B (16-bit cross-entropy of the model's own code)`;
  } else {
    // transformers ForCausalLMLoss (loss/loss_utils.py, >= 4.49): logits.float(), cross_entropy saves the
    // fp32 log-softmax; at the start of backward its gradient and the gradient of the fp32 logits are
    // alive with it (12 B per element), the 16-bit logits already dropped by Trainer.compute_loss
    perElem = 12;
    what = `${fmt(V)} vocab × 12 B (fp32 log-softmax, its grad, the fp32 logits' grad)`;
  }
  const rows = elements / (s.task?.kind === 'seq-cls' ? s.task.labels : s.loss === 'fused_linear' ? h : V);
  part(out, 'logits', elements * perElem, ['forward-loss'], `${fmt(rows)} tokens × ${what}`, { tokens, vocab: V, bytesPerElement: perElem, loss: s.loss });
  return out;
}
