# Unsloth Magistral (24B) Reasoning-Conversational notebook: QLoRA on OpenMathReasoning-mini (cot), one NVIDIA L4
# (Unsloth 2025.6.1, transformers 4.52.4, torch 2.6). The saved outputs predate Magistral-Small-2509; see notes.
from unsloth import FastLanguageModel
import pandas as pd
import torch
from datasets import Dataset, load_dataset
from trl import SFTConfig, SFTTrainer

model, tokenizer = FastLanguageModel.from_pretrained(
    model_name="unsloth/Magistral-Small-2506-unsloth-bnb-4bit",
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

def generate_conversation(example):
    return {"conversations": [{"role": "user", "content": example["problem"]},
                              {"role": "assistant", "content": example["generated_solution"]}]}

reasoning_dataset = reasoning_dataset.map(generate_conversation)
reasoning_conversations = [tokenizer.apply_chat_template(c["conversations"], tokenize=False) for c in reasoning_dataset]
data = pd.Series(reasoning_conversations)
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
        gradient_accumulation_steps=2,
        warmup_steps=5,
        max_steps=15,
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
