# unslothai/unsloth issue #682 (2024-06-22, 'OutOfMemoryError for ORPO and DPO with llama-3-8b-bnb-4bit'), Google Colab T4:
# the reporter followed Unsloth's DPO sample Colab (Zephyr DPO notebook) with a custom dataset of < 100 samples, reducing LoRA targets
# to q/k/v and batch to 1; OOM persisted. max_length / max_prompt_length are the sample notebook's (1024 / 512): see cases.json notes.
from unsloth import FastLanguageModel, PatchDPOTrainer, is_bfloat16_supported
PatchDPOTrainer()
from datasets import load_dataset
from transformers import TrainingArguments
from trl import DPOTrainer

model, tokenizer = FastLanguageModel.from_pretrained(
    model_name="unsloth/llama-3-8b-bnb-4bit", max_seq_length=2048, dtype=None, load_in_4bit=True)
model = FastLanguageModel.get_peft_model(
    model, r=8, target_modules=["q_proj", "k_proj", "v_proj"], lora_alpha=16, lora_dropout=0, bias="none",
    use_gradient_checkpointing="unsloth", random_state=3407, use_rslora=False, loftq_config=None)
ds = load_dataset("json", data_files="custom_dpo.jsonl", split="train")   # < 100 prompt/chosen/rejected rows (lengths not given)

dpo_trainer = DPOTrainer(
    model=model, ref_model=None,
    args=TrainingArguments(
        per_device_train_batch_size=1, gradient_accumulation_steps=4, warmup_ratio=0.1, num_train_epochs=3,
        learning_rate=2e-3, fp16=not is_bfloat16_supported(), bf16=is_bfloat16_supported(),
        logging_steps=1, optim="adamw_8bit", weight_decay=0.0, lr_scheduler_type="linear", seed=42, output_dir="outputs"),
    beta=0.1, train_dataset=ds, tokenizer=tokenizer, max_length=1024, max_prompt_length=512)
dpo_trainer.train()
