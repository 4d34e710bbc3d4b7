# Full fine-tuning of Llama 3.1 8B in bf16 with the Hugging Face Trainer.
# Out of memory on one 80 GB GPU: weights, gradients and AdamW state alone take 64 GB,
# and the activations of 8 sequences per step without gradient checkpointing come on top.
import torch
from datasets import load_dataset
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

model_name = "meta-llama/Llama-3.1-8B"
block_size = 4096

tokenizer = AutoTokenizer.from_pretrained(model_name)
model = AutoModelForCausalLM.from_pretrained(model_name, torch_dtype=torch.bfloat16)

dataset = load_dataset("wikitext", "wikitext-103-raw-v1", split="train")
dataset = dataset.map(lambda b: tokenizer(b["text"], truncation=True, max_length=block_size), batched=True)

training_args = TrainingArguments(
    output_dir="out/llama-8b-full",
    per_device_train_batch_size=8,
    gradient_accumulation_steps=4,
    learning_rate=2e-5,
    bf16=True,
    optim="adamw_torch_fused",
    num_train_epochs=1,
    logging_steps=10,
)

trainer = Trainer(
    model=model,
    args=training_args,
    train_dataset=dataset,
    data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
)
trainer.train()
