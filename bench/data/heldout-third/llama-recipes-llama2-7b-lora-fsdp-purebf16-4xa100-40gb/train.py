# meta-llama/llama-recipes (now llama-cookbook) @ e5970e2e (PR #41 'Improve FSDP LoRA Memory Usage', 2023-07-25):
#   torchrun --nnodes 1 --nproc_per_node 4 llama_finetuning.py --enable_fsdp --use_peft --peft_method lora \
#            --model_name llama-2-7b-hf/ --pure_bf16 --output_dir output_dir
# Defaults of that commit (configs/training.py, configs/fsdp.py, configs/peft.py, configs/datasets.py):
#   batch_size_training=4, micro_batch_size=4 (no grad accumulation), lr 1e-4, samsum packed into 2048-token chunks,
#   LoRA r=8 alpha=32 dropout=0.05 on q_proj/v_proj, FSDP FULL_SHARD, pure bf16 (model.to(bf16), no mixed-precision policy),
#   limit_all_gathers=True, FSDP activation checkpointing on every LlamaDecoderLayer, torch.optim.AdamW.
# Re-expressed with transformers Trainer + accelerate FSDP for the same memory-relevant settings.
import torch
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import LlamaForCausalLM, LlamaTokenizer, Trainer, TrainingArguments, default_data_collator

model_name = "meta-llama/Llama-2-7b-hf"
model = LlamaForCausalLM.from_pretrained(model_name)      # transformers 4.31: eager attention
model.to(torch.bfloat16)                                   # pure_bf16
tokenizer = LlamaTokenizer.from_pretrained(model_name)
model = get_peft_model(model, LoraConfig(r=8, lora_alpha=32, target_modules=["q_proj", "v_proj"],
                                         lora_dropout=0.05, bias="none", task_type="CAUSAL_LM"))

def to_text(s):
    return {"text": f"Summarize this dialog:\n{s['dialogue']}\n---\nSummary:\n{s['summary']}{tokenizer.eos_token}"}
raw = load_dataset("samsum", split="train").map(to_text, remove_columns=["id", "dialogue", "summary"])
tok = raw.map(lambda b: tokenizer(b["text"]), batched=True, remove_columns=["text"])
def pack(batch, chunk=2048):                               # ft_datasets/utils.Concatenator(chunk_size=2048)
    ids = sum(batch["input_ids"], []); am = sum(batch["attention_mask"], [])
    n = len(ids) // chunk * chunk
    out = {"input_ids": [ids[i:i + chunk] for i in range(0, n, chunk)],
           "attention_mask": [am[i:i + chunk] for i in range(0, n, chunk)]}
    out["labels"] = [x[:] for x in out["input_ids"]]
    return out
train = tok.map(pack, batched=True, batch_size=1000, remove_columns=tok.column_names)

args = TrainingArguments(
    output_dir="output_dir", per_device_train_batch_size=4, gradient_accumulation_steps=1,
    learning_rate=1e-4, weight_decay=0.0, num_train_epochs=3, optim="adamw_torch",
    bf16=False, fp16=False,                                 # weights already bf16 (pure_bf16, no autocast)
    fsdp="full_shard auto_wrap",
    fsdp_config={"transformer_layer_cls_to_wrap": ["LlamaDecoderLayer"], "activation_checkpointing": True,
                 "limit_all_gathers": True, "use_orig_params": False},
    save_strategy="no", report_to="none",
)
Trainer(model=model, args=args, train_dataset=train, data_collator=default_data_collator).train()
