# ms-swift example examples/train/packing/dpo.sh (swift 3.8, Aug 2025): full-parameter DPO of Qwen2.5-7B-Instruct on
# AI-ModelScope/orpo-dpo-mix-40k with chosen/rejected pairs packed into 8192-token rows, DeepSpeed ZeRO-3 on 4 GPUs
# (policy and reference model both sharded), flash-attention.
import os
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

os.environ["PYTORCH_CUDA_ALLOC_CONF"] = "expandable_segments:True"
model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen2.5-7B-Instruct", dtype=torch.bfloat16, attn_implementation="flash_attention_2"
)
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B-Instruct")

args = DPOConfig(
    output_dir="output",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=1,
    gradient_checkpointing=True,
    learning_rate=1e-5,
    num_train_epochs=1,
    warmup_ratio=0.05,
    max_length=8192,
    padding_free=True,  # swift --packing true: pairs concatenated into 8192-token packed rows
    beta=0.1,
    bf16=True,
    deepspeed="ds_zero3.json",
    save_only_model=True,
    report_to="none",
)
trainer = DPOTrainer(model=model, args=args, processing_class=tokenizer,
                     train_dataset=load_dataset("AI-ModelScope/orpo-dpo-mix-40k", split="train"))
trainer.train()
