# Liger-Kernel examples/huggingface patching benchmark (run_patching_methods.sh + training.py, Sept 2024):
# full fine-tuning of google/gemma-2-2b-it on Alpaca, 512-token cap, FSDP1 full_shard over 4 GPUs, batch 32 per GPU, Liger off.
import datasets
import torch
import transformers
from trl import DataCollatorForCompletionOnlyLM, SFTTrainer

bos_token = "<s>"

def formatting_prompts_func(example):
    return [text.replace("### Response:", bos_token) for text in example["text"]]

tokenizer = transformers.AutoTokenizer.from_pretrained("google/gemma-2-2b-it", padding_side="left", truncation_side="left")
tokenizer.pad_token = tokenizer.eos_token
dataset = datasets.load_dataset("tatsu-lab/alpaca")["train"].train_test_split(test_size=0.1)
collator = DataCollatorForCompletionOnlyLM(tokenizer=tokenizer, response_template=bos_token, pad_to_multiple_of=16)

model = transformers.AutoModelForCausalLM.from_pretrained(
    "google/gemma-2-2b-it", trust_remote_code=True, use_cache=False, torch_dtype=torch.bfloat16
)

args = transformers.TrainingArguments(
    output_dir="model_output_dir",
    bf16=True,
    num_train_epochs=1,
    max_steps=20,
    per_device_train_batch_size=32,
    per_device_eval_batch_size=16,
    eval_strategy="no",
    save_strategy="no",
    learning_rate=6e-6,
    weight_decay=0.05,
    warmup_ratio=0.1,
    lr_scheduler_type="cosine",
    logging_steps=1,
    include_num_input_tokens_seen=True,
    report_to="none",
    fsdp="full_shard auto_wrap",
    fsdp_config={"backward_prefetch": "backward_pre", "forward_prefetch": "true", "activation_checkpointing": True},
    seed=42,
)
trainer = SFTTrainer(
    model=model,
    args=args,
    data_collator=collator,
    max_seq_length=512,
    train_dataset=dataset["train"],
    eval_dataset=dataset["test"],
    formatting_func=formatting_prompts_func,
)
trainer.train()
