# TRL DPO quick-start as run in huggingface/trl issue #3168: Qwen2.5-0.5B-Instruct loaded without a dtype
# (float32), DPOConfig left at its defaults (trl 0.16: batch 8, max_length 1024, max_prompt_length 512,
# no gradient checkpointing, no bf16), reference model = an fp32 copy made by DPOTrainer.
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
dataset = load_dataset("trl-lib/ultrafeedback_binarized", split="train")

training_args = DPOConfig(output_dir="Qwen2.5-0.5B-DPO")
trainer = DPOTrainer(model=model, args=training_args, train_dataset=dataset, processing_class=tokenizer)
trainer.train()
