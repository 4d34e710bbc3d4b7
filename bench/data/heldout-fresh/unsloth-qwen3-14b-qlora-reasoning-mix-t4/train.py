# Unsloth Qwen3 (14B) Reasoning-Conversational notebook: QLoRA on a 75/25 mix of OpenMathReasoning-mini (cot)
# and FineTome-100k, Tesla T4 (Unsloth 2025.5.9, transformers 4.51.3, torch 2.6).
from unsloth import FastLanguageModel
from unsloth.chat_templates import standardize_sharegpt
import pandas as pd
import torch
from datasets import Dataset, load_dataset
from trl import SFTConfig, SFTTrainer

model, tokenizer = FastLanguageModel.from_pretrained(
    model_name="unsloth/Qwen3-14B",
    max_seq_length=2048,
    load_in_4bit=True,
    load_in_8bit=False,
    full_finetuning=False,
)

model = FastLanguageModel.get_peft_model(
    model,
    r=32,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    lora_alpha=32,
    lora_dropout=0,
    bias="none",
    use_gradient_checkpointing="unsloth",
    random_state=3407,
)

reasoning_dataset = load_dataset("unsloth/OpenMathReasoning-mini", split="cot")
non_reasoning_dataset = load_dataset("mlabonne/FineTome-100k", split="train")

def generate_conversation(examples):
    return {"conversations": [[{"role": "user", "content": p}, {"role": "assistant", "content": s}]
                              for p, s in zip(examples["problem"], examples["generated_solution"])]}

reasoning_conversations = tokenizer.apply_chat_template(
    list(reasoning_dataset.map(generate_conversation, batched=True)["conversations"]), tokenize=False)
non_reasoning_conversations = tokenizer.apply_chat_template(
    list(standardize_sharegpt(non_reasoning_dataset)["conversations"]), tokenize=False)

chat_percentage = 0.25
non_reasoning_subset = pd.Series(non_reasoning_conversations).sample(
    int(len(reasoning_conversations) * (chat_percentage / (1 - chat_percentage))), random_state=2407)
data = pd.concat([pd.Series(reasoning_conversations), pd.Series(non_reasoning_subset)])
data.name = "text"
combined_dataset = Dataset.from_pandas(pd.DataFrame(data)).shuffle(seed=3407)

trainer = SFTTrainer(
    model=model,
    tokenizer=tokenizer,
    train_dataset=combined_dataset,
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
trainer.train()
