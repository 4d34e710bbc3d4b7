# LoRA on Qwen2.5-7B-Instruct in bf16 with TRL, close to the limit of one 80 GB GPU:
# 2 × 3072 tokens per step with gradient checkpointing off to train fast.
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen2.5-7B-Instruct",
    dtype=torch.bfloat16,
    attn_implementation="flash_attention_2",
)

lora = LoraConfig(
    r=64,
    lora_alpha=128,
    lora_dropout=0.0,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    task_type="CAUSAL_LM",
)

config = SFTConfig(
    output_dir="out/qwen-7b-lora",
    per_device_train_batch_size=2,
    gradient_accumulation_steps=4,
    gradient_checkpointing=False,
    max_length=3072,
    packing=True,
    bf16=True,
    learning_rate=1e-4,
)

trainer = SFTTrainer(model=model, args=config, peft_config=lora, train_dataset=load_dataset("trl-lib/Capybara", split="train"))
trainer.train()
