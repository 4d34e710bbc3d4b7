# Unsloth Gemma3 (27B) A100 Conversational notebook: QLoRA (language layers only) of gemma-3-27b-it on FineTome-100k,
# one A100-SXM4-40GB (Unsloth 2025.9.1, transformers 4.55.4, torch 2.8).
from unsloth import FastModel
from unsloth.chat_templates import get_chat_template, standardize_data_formats, train_on_responses_only
import torch
from datasets import load_dataset
from trl import SFTConfig, SFTTrainer

model, tokenizer = FastModel.from_pretrained(
    model_name="unsloth/gemma-3-27b-it",
    max_seq_length=2048,
    load_in_4bit=True,
    load_in_8bit=False,
    full_finetuning=False,
)

model = FastModel.get_peft_model(
    model,
    finetune_vision_layers=False,
    finetune_language_layers=True,
    finetune_attention_modules=True,
    finetune_mlp_modules=True,
    r=8,
    lora_alpha=8,
    lora_dropout=0,
    bias="none",
    random_state=3407,
)

tokenizer = get_chat_template(tokenizer, chat_template="gemma-3")
dataset = standardize_data_formats(load_dataset("mlabonne/FineTome-100k", split="train"))

def formatting_prompts_func(examples):
    texts = [tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=False).removeprefix("<bos>")
             for c in examples["conversations"]]
    return {"text": texts}

dataset = dataset.map(formatting_prompts_func, batched=True)

trainer = SFTTrainer(
    model=model,
    tokenizer=tokenizer,
    train_dataset=dataset,
    eval_dataset=None,
    args=SFTConfig(
        dataset_text_field="text",
        per_device_train_batch_size=2,
        gradient_accumulation_steps=4,
        warmup_steps=5,
        max_steps=30,
        learning_rate=2e-4,
        logging_steps=1,
        optim="adamw_8bit",
        weight_decay=0.001,
        lr_scheduler_type="linear",
        seed=3407,
        report_to="none",
    ),
)
trainer = train_on_responses_only(trainer)
trainer.train()
