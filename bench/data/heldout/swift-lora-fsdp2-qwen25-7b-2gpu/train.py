# ms-swift example examples/train/multi-gpu/fsdp2_lora: LoRA on Qwen2.5-7B-Instruct with FSDP2 over 2 GPUs.
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen2.5-7B-Instruct",
    dtype=torch.bfloat16,
    attn_implementation="sdpa",
)

peft_config = LoraConfig(
    r=8,
    lora_alpha=32,
    lora_dropout=0.05,
    target_modules="all-linear",
    task_type="CAUSAL_LM",
)

args = SFTConfig(
    output_dir="output",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=8,
    gradient_checkpointing=False,
    max_length=2048,
    packing=False,
    bf16=True,
    learning_rate=1e-4,
    weight_decay=0.1,
    num_train_epochs=1,
    report_to="none",
)

trainer = SFTTrainer(model=model, args=args, peft_config=peft_config,
                     train_dataset=load_dataset("swift/self-cognition", split="train[:1000]"))
trainer.train()
