# Liger-Kernel Hugging Face example (examples/huggingface/training.py + run_*.sh): full fine-tuning of Qwen/Qwen2-7B
# on Alpaca, 512-token cap, FSDP1 full_shard over 4 x A100 80GB, batch 64 per GPU, Liger on.
import datasets
import torch
import transformers
from trl import DataCollatorForCompletionOnlyLM, SFTConfig, SFTTrainer

tokenizer = transformers.AutoTokenizer.from_pretrained("Qwen/Qwen2-7B", padding_side="left", truncation_side="left")
tokenizer.pad_token = tokenizer.eos_token
data = datasets.load_dataset("tatsu-lab/alpaca")["train"].train_test_split(test_size=0.1)
collator = DataCollatorForCompletionOnlyLM(
    tokenizer=tokenizer,
    response_template=tokenizer.encode("### Response:\n", add_special_tokens=False),
    pad_to_multiple_of=16,
)
model = transformers.AutoModelForCausalLM.from_pretrained("Qwen/Qwen2-7B", use_cache=False, torch_dtype=torch.bfloat16)

import liger_kernel.transformers
liger_kernel.transformers.apply_liger_kernel_to_qwen2()  # RoPE, RMSNorm, SwiGLU, fused linear cross-entropy

args = SFTConfig(
    output_dir="alpaca_finetuning",
    bf16=True,
    num_train_epochs=1,
    per_device_train_batch_size=64,
    learning_rate=6e-6,
    weight_decay=0.05,
    warmup_ratio=0.1,
    lr_scheduler_type="cosine",
    logging_steps=1,
    save_strategy="no",
    eval_strategy="no",
    fsdp="full_shard auto_wrap",
    fsdp_config={"backward_prefetch": "backward_pre", "forward_prefetch": "true", "activation_checkpointing": True},
    max_seq_length=512,
    dataset_text_field="text",
    report_to="none",
)
trainer = SFTTrainer(model=model, args=args, data_collator=collator, train_dataset=data["train"], eval_dataset=data["test"])
trainer.train()
