# ms-swift example examples/train/full/train.sh (swift 3.0, Dec 2024): full fine-tuning of Qwen2.5-7B-Instruct on one GPU,
# 1,500 short rows (alpaca-gpt4 zh/en + self-cognition, 500 each), batch 1 x GA 16, max_length 2048, bf16 weights.
import torch
from datasets import concatenate_datasets, load_dataset
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct", dtype=torch.bfloat16)

def to_messages(row):
    user = row["instruction"] + (("\n" + row["input"]) if row.get("input") else "")
    return {"messages": [{"role": "system", "content": "You are a helpful assistant."},
                         {"role": "user", "content": user},
                         {"role": "assistant", "content": row["output"]}]}

zh = load_dataset("AI-ModelScope/alpaca-gpt4-data-zh", split="train").shuffle(seed=42).select(range(500))
en = load_dataset("AI-ModelScope/alpaca-gpt4-data-en", split="train").shuffle(seed=42).select(range(500))
data = concatenate_datasets([zh.map(to_messages, remove_columns=zh.column_names),
                             en.map(to_messages, remove_columns=en.column_names)])
# + 500 rows of swift/self-cognition (name/author substituted), same chat format

args = SFTConfig(
    output_dir="output",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=16,
    gradient_checkpointing=True,
    learning_rate=1e-5,
    num_train_epochs=1,
    warmup_ratio=0.05,
    max_length=2048,
    bf16=True,
    report_to="none",
)
trainer = SFTTrainer(model=model, args=args, train_dataset=data)
trainer.train()
