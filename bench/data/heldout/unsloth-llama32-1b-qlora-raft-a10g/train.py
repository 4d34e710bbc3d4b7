# Unsloth Llama 3.2 (1B) RAFT notebook on an A10G: QLoRA r=16, batch 1 x 8, plain torch AdamW.
from unsloth import FastLanguageModel
from datasets import load_dataset
from trl import SFTConfig, SFTTrainer

model, tokenizer = FastLanguageModel.from_pretrained(
    model_name="unsloth/Llama-3.2-1B-Instruct",
    max_seq_length=2048,
    load_in_4bit=True,
    load_in_8bit=False,
)

model = FastLanguageModel.get_peft_model(
    model,
    r=16,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    lora_alpha=16,
    lora_dropout=0,
    bias="none",
    use_gradient_checkpointing="unsloth",
    random_state=3407,
)

# RAFT data: 301 train / 34 eval rows built in the notebook from a document Q&A set (oracle + distractor passages).
dataset = load_dataset("json", data_files="raft_train.jsonl", split="train")

trainer = SFTTrainer(
    model=model,
    tokenizer=tokenizer,
    train_dataset=dataset,
    args=SFTConfig(
        output_dir="llama32_1bn_raft_v2",
        dataset_text_field="text",
        max_seq_length=2048,
        per_device_train_batch_size=1,
        per_device_eval_batch_size=1,
        gradient_accumulation_steps=8,
        gradient_checkpointing=True,
        optim="adamw_torch",
        num_train_epochs=5,
        learning_rate=2e-5,
        report_to="none",
    ),
)
trainer.train()
