# ms-swift example examples/train/rlhf/dpo/lora.sh: DPO with LoRA on Qwen2.5-7B-Instruct, one GPU
# (reference = the same base with the adapter disabled), rpo_alpha 0.1 adds an NLL term on the chosen answer.
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct", dtype=torch.bfloat16)
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B-Instruct")

peft_config = LoraConfig(r=8, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")

args = DPOConfig(
    output_dir="output",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=16,
    gradient_checkpointing=True,
    max_length=2048,
    rpo_alpha=0.1,
    beta=0.1,
    bf16=True,
    learning_rate=1e-4,
    num_train_epochs=1,
    report_to="none",
)
trainer = DPOTrainer(model=model, args=args, processing_class=tokenizer, peft_config=peft_config,
                     train_dataset=load_dataset("hjh0119/shareAI-Llama3-DPO-zh-en-emoji", split="train"))
trainer.train()
