# ms-swift DeepSpeed benchmark (examples/megatron/benchmark/deepspeed.sh) with --deepspeed zero2: full fine-tuning of Qwen2.5-14B, packed 8192-token rows, 8 x A800.
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen2.5-14B",
    dtype=torch.bfloat16,
    attn_implementation="flash_attention_2",
)

args = SFTConfig(
    output_dir="output",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=2,
    gradient_checkpointing=True,
    max_length=8192,
    packing=True,  # padding-free packing into 8192-token rows (flash-attention varlen)
    bf16=True,
    learning_rate=1e-5,
    deepspeed="ds_zero2.json",
    report_to="none",
)

trainer = SFTTrainer(model=model, args=args,
                     train_dataset=load_dataset("liucong/Chinese-DeepSeek-R1-Distill-data-110k-SFT", split="train"))
trainer.train()
