# ms-swift example examples/train/qlora/awq/train.sh: LoRA on the AWQ-int4 Qwen2.5-7B-Instruct (single GPU).
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen2.5-7B-Instruct-AWQ",
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
    gradient_accumulation_steps=16,
    gradient_checkpointing=True,
    max_length=2048,
    packing=False,
    bf16=True,
    learning_rate=1e-4,
    num_train_epochs=1,
    report_to="none",
)

trainer = SFTTrainer(model=model, args=args, peft_config=peft_config,
                     train_dataset=load_dataset("json", data_files="alpaca_gpt4_zh_en_500_plus_self_cognition_500.jsonl", split="train"))
trainer.train()
