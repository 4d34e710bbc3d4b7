# Unsloth Qwen3 (32B) reasoning + conversational notebook on one A100 40GB (QLoRA r=32).
from unsloth import FastLanguageModel
from unsloth.chat_templates import standardize_sharegpt
import pandas as pd
from datasets import load_dataset, Dataset
from trl import SFTConfig, SFTTrainer

model, tokenizer = FastLanguageModel.from_pretrained(
    model_name="unsloth/Qwen3-32B",
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

reasoning = load_dataset("unsloth/OpenMathReasoning-mini", split="cot")
chat = load_dataset("mlabonne/FineTome-100k", split="train")
reasoning_text = tokenizer.apply_chat_template(
    [[{"role": "user", "content": p}, {"role": "assistant", "content": s}]
     for p, s in zip(reasoning["problem"], reasoning["generated_solution"])],
    tokenize=False,
)
chat_text = tokenizer.apply_chat_template(list(standardize_sharegpt(chat)["conversations"]), tokenize=False)
chat_text = pd.Series(chat_text).sample(int(len(reasoning_text) * 0.25 / 0.75), random_state=2407)
combined = Dataset.from_pandas(pd.DataFrame({"text": pd.concat([pd.Series(reasoning_text), chat_text])}).sample(frac=1, random_state=3407))

trainer = SFTTrainer(
    model=model,
    tokenizer=tokenizer,
    train_dataset=combined,
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
