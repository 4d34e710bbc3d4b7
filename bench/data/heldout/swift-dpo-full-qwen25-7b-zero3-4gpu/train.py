# ms-swift example examples/train/rlhf/dpo/full.sh: full-parameter DPO of Qwen2.5-7B-Instruct on 4 GPUs with
# DeepSpeed ZeRO-3 (policy and reference both sharded), batch 4, max_length 8192, flash-attention.
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct", dtype=torch.bfloat16, attn_implementation="flash_attention_2")
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B-Instruct")

args = DPOConfig(
    output_dir="output",
    per_device_train_batch_size=4,
    gradient_accumulation_steps=1,
    gradient_checkpointing=True,
    max_length=8192,
    padding_free=False,
    rpo_alpha=0.1,
    beta=0.1,
    bf16=True,
    learning_rate=1e-5,
    num_train_epochs=1,
    deepspeed="ds_zero3.json",
    save_only_model=True,
    report_to="none",
)
trainer = DPOTrainer(model=model, args=args, processing_class=tokenizer,
                     train_dataset=load_dataset("hjh0119/shareAI-Llama3-DPO-zh-en-emoji", split="train"))
trainer.train()
