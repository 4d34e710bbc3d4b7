# GRPO with QLoRA on Qwen2-7B-Instruct (TRL notebook "grpo_trl_lora_qlora"), run on an A100-SXM4-40GB (table column).
# No vLLM: generation with transformers; Liger GRPO loss; paged 8-bit AdamW; gradient checkpointing.
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, BitsAndBytesConfig
from trl import GRPOConfig, GRPOTrainer
from trl.rewards import think_format_reward, reasoning_accuracy_reward

SYSTEM_PROMPT = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. "
    "The reasoning process is enclosed strictly within <think> and </think> tags."
)
train_dataset = load_dataset("AI-MO/NuminaMath-TIR", split="train[:5%]")
train_dataset = train_dataset.map(lambda ex: {"prompt": [
    {"role": "system", "content": SYSTEM_PROMPT},
    {"role": "user", "content": ex["problem"]},
]}).remove_columns(["messages", "problem"])

model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen2-7B-Instruct",
    attn_implementation="sdpa",
    dtype=torch.float16,
    quantization_config=BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_compute_dtype=torch.float16,
        bnb_4bit_use_double_quant=True,
        bnb_4bit_quant_type="nf4",
    ),
)

peft_config = LoraConfig(
    r=32,
    lora_alpha=32,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
)

training_args = GRPOConfig(
    output_dir="t4-Qwen2-7B-Instruct-GRPO",
    learning_rate=2e-5,
    max_steps=500,
    per_device_train_batch_size=8,
    max_completion_length=256,
    num_generations=8,
    optim="paged_adamw_8bit",
    use_liger_kernel=True,
    gradient_checkpointing=True,
    gradient_checkpointing_kwargs={"use_reentrant": False},
    logging_steps=10,
    report_to="none",
    log_completions=False,
)

trainer = GRPOTrainer(
    model=model,
    reward_funcs=[think_format_reward, reasoning_accuracy_reward],
    args=training_args,
    train_dataset=train_dataset,
    peft_config=peft_config,
)
trainer.train()
