# ms-swift example examples/train/seq_cls/regression/sft.sh: LoRA sequence-regression head on Qwen2.5-0.5B (STS-B).
import torch
from datasets import load_dataset
from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments, DataCollatorWithPadding

model = AutoModelForSequenceClassification.from_pretrained(
    "Qwen/Qwen2.5-0.5B", num_labels=1, problem_type="regression", dtype=torch.bfloat16)
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B")
model.config.pad_token_id = tokenizer.pad_token_id

model = get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=32, lora_dropout=0.05,
                                         target_modules="all-linear"))  # PEFT adds the 'score' head to modules_to_save

ds = load_dataset("sentence-transformers/stsb", split="train")
ds = ds.map(lambda ex: {**tokenizer(ex["sentence1"] + "\n" + ex["sentence2"], truncation=True, max_length=2048),
                        "labels": float(ex["score"])}, remove_columns=ds.column_names)

args = TrainingArguments(
    output_dir="output",
    per_device_train_batch_size=16,
    gradient_accumulation_steps=1,
    gradient_checkpointing=True,
    bf16=True,
    learning_rate=1e-4,
    num_train_epochs=1,
    report_to="none",
)
Trainer(model=model, args=args, train_dataset=ds, data_collator=DataCollatorWithPadding(tokenizer)).train()
