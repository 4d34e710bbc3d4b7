# swift benchmark: LoRA r8 on Yi-6B-Chat at max_length 8192, one A100.
# swift sft run re-expressed with transformers + peft (same model, dtype, adapter, batch and length).
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer, TrainingArguments

MODEL = "01ai/Yi-6B-Chat"
MAX_LEN = 8192
model = AutoModelForCausalLM.from_pretrained(
    MODEL,
    torch_dtype=torch.bfloat16,
    trust_remote_code=True,
    attn_implementation="flash_attention_2",
)
tokenizer = AutoTokenizer.from_pretrained(MODEL, trust_remote_code=True)

from peft import LoraConfig, get_peft_model
model = get_peft_model(model, LoraConfig(
    r=8, lora_alpha=32, lora_dropout=0.05, target_modules=["q_proj", "k_proj", "v_proj"], task_type="CAUSAL_LM"))
model.enable_input_require_grads()

# cls-fudan-news-zh: news-classification prompts; like swift's truncation_strategy='delete', drop rows longer than MAX_LEN.
raw = load_dataset("json", data_files="cls_fudan_news_zh.jsonl", split="train")
ds = raw.map(lambda ex: tokenizer(ex["text"]), remove_columns=raw.column_names)
ds = ds.filter(lambda ex: len(ex["input_ids"]) <= MAX_LEN).map(lambda ex: {"labels": ex["input_ids"]})

args = TrainingArguments(
    output_dir="output",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=16,
    gradient_checkpointing=True,
    bf16=True,
    optim="adamw_torch",
    learning_rate=1e-4,
    num_train_epochs=1,
    report_to="none",
)
trainer = Trainer(model=model, args=args, train_dataset=ds, data_collator=DataCollatorForSeq2Seq(tokenizer))
trainer.train()
