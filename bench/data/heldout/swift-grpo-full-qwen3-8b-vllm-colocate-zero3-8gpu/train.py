# ms-swift Qwen3 best practice: full-parameter GRPO of Qwen3-8B on 8 GPUs with colocated vLLM (internal mode),
# ZeRO-3, 16 generations, 4096-token completions, vLLM sleep mode and swift's model/optimizer offload during rollout.
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM
from trl import GRPOConfig, GRPOTrainer

def accuracy(completions, solution, **kwargs):  # swift's built-in 'accuracy' reward (math_verify)
    from math_verify import parse, verify
    return [float(verify(parse(s), parse(c[0]["content"]))) for c, s in zip(completions, solution)]

dataset = load_dataset("AI-MO/NuminaMath-TIR", split="train[:5000]")
dataset = dataset.map(lambda ex: {"prompt": [{"role": "user", "content": ex["problem"]}]})

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen3-8B", dtype=torch.bfloat16)

args = GRPOConfig(
    output_dir="output",
    per_device_train_batch_size=2,
    gradient_accumulation_steps=1,
    num_generations=16,
    max_prompt_length=4096,
    max_completion_length=4096,
    temperature=1.0,
    top_p=0.85,
    beta=0.04,  # ms-swift default at the time -> reference model kept (ZeRO-3 sharded)
    use_vllm=True,
    vllm_mode="colocate",
    vllm_gpu_memory_utilization=0.4,
    vllm_tensor_parallel_size=1,
    vllm_enable_sleep_mode=True,
    gradient_checkpointing=True,
    bf16=True,
    learning_rate=1e-6,
    num_train_epochs=1,
    deepspeed="ds_zero3.json",
    log_completions=True,
    report_to="none",
)
trainer = GRPOTrainer(model=model, reward_funcs=[accuracy], args=args, train_dataset=dataset)
trainer.train()
