# ms-swift example examples/train/liger/sft.sh (swift 3.3, "test env: 4 * A100"): full fine-tuning of Qwen2.5-7B on
# 10,000 rows of liucong/Chinese-DeepSeek-R1-Distill-data-110k-SFT, packed to 8192 tokens, DeepSpeed ZeRO-3 on 4 GPUs,
# flash-attention, Liger kernels off.
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen2.5-7B", dtype=torch.bfloat16, attn_implementation="flash_attention_2"
)

args = SFTConfig(
    output_dir="output/Qwen2.5-7B",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=2,
    gradient_checkpointing=True,
    learning_rate=1e-5,
    num_train_epochs=5,
    warmup_ratio=0.05,
    max_length=8192,
    packing=True,  # packed 8192-token rows, flash-attention varlen (no cross-row attention)
    use_liger_kernel=False,
    bf16=True,
    deepspeed="ds_zero3.json",
    save_only_model=True,
    report_to="none",
)

dataset = load_dataset("liucong/Chinese-DeepSeek-R1-Distill-data-110k-SFT", split="train").shuffle(seed=42).select(range(10000))
trainer = SFTTrainer(model=model, args=args, train_dataset=dataset)
trainer.train()
