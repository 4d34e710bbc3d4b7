# ms-swift example examples/train/rlhf/simpo.sh (swift 3.0): full-parameter SimPO of Qwen2.5-3B-Instruct on 2 GPUs, ZeRO-2.
# TRL implements SimPO inside CPOTrainer (loss_type="simpo"); no reference model.
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import CPOConfig, CPOTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-3B-Instruct", dtype=torch.bfloat16)
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-3B-Instruct")

args = CPOConfig(
    output_dir="output",
    loss_type="simpo",
    cpo_alpha=0.0,
    per_device_train_batch_size=1,
    gradient_accumulation_steps=8,
    gradient_checkpointing=True,
    max_length=2048,
    bf16=True,
    learning_rate=1e-5,
    num_train_epochs=1,
    deepspeed="ds_zero2.json",
    report_to="none",
)
trainer = CPOTrainer(model=model, args=args, processing_class=tokenizer,
                     train_dataset=load_dataset("hjh0119/shareAI-Llama3-DPO-zh-en-emoji", split="train"))
trainer.train()
