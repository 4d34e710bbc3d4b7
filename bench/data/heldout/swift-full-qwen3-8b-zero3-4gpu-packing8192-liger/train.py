# ms-swift Qwen3 best-practice multi-GPU example: full fine-tuning of Qwen3-8B, packed 8192-token rows, Liger, ZeRO-3 on 4 GPUs.
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen3-8B",
    dtype=torch.bfloat16,
    attn_implementation="flash_attention_2",
)

args = SFTConfig(
    output_dir="output",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=4,
    gradient_checkpointing=True,
    max_length=8192,
    packing=True,  # padding-free packing into 8192-token rows (flash-attention varlen)
    bf16=True,
    learning_rate=1e-5,
    deepspeed="ds_zero3.json",
    use_liger_kernel=True,
    report_to="none",
)

trainer = SFTTrainer(model=model, args=args,
                     train_dataset=load_dataset("AI-ModelScope/alpaca-gpt4-data-en", split="train"))
trainer.train()
