# TRL notebook examples/notebooks/sft_tool_calling.ipynb: QLoRA SFT of CohereLabs/tiny-aya-global for tool calling
# on bebechien/SimpleToolCalling (20 training rows), one A100-SXM4-40GB, trl 0.28 (pip -U in Feb 2026).
import json
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer

TOOLS = [
    {"type": "function", "function": {"name": "search_knowledge_base",
        "description": "Search internal company documents, policies and project data.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string", "description": "query string"}},
                       "required": ["query"]}, "return": {"type": "string"}}},
    {"type": "function", "function": {"name": "search_google", "description": "Search public information.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string", "description": "query string"}},
                       "required": ["query"]}, "return": {"type": "string"}}},
]

def create_conversation(sample):
    return {
        "prompt": [{"role": "user", "content": sample["user_content"]}],
        "completion": [{"role": "assistant", "tool_calls": [{"type": "function", "function": {
            "name": sample["tool_name"], "arguments": json.loads(sample["tool_arguments"])}}]}],
        "tools": TOOLS,
    }

dataset = load_dataset("bebechien/SimpleToolCalling", split="train")
dataset = dataset.map(create_conversation, remove_columns=dataset.features)
dataset = dataset.train_test_split(test_size=0.5, shuffle=True)

model_id, output_dir = "CohereLabs/tiny-aya-global", "tiny-aya-global-SFT"
model = AutoModelForCausalLM.from_pretrained(
    model_id,
    attn_implementation="sdpa",
    dtype=torch.float16,
    use_cache=True,
    quantization_config=BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_compute_dtype=torch.float16,
        bnb_4bit_use_double_quant=True,
        bnb_4bit_quant_type="nf4",
    ),
)

peft_config = LoraConfig(
    r=32,
    lora_alpha=32,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
)

training_args = SFTConfig(
    per_device_train_batch_size=1,
    gradient_accumulation_steps=4,
    warmup_steps=5,
    learning_rate=2e-4,
    optim="paged_adamw_8bit",
    chat_template_path="tiny_aya_chat_template.jinja",
    logging_steps=1,
    report_to="none",
    output_dir=output_dir,
    max_length=1024,
    activation_offloading=True,
)

trainer = SFTTrainer(model=model, args=training_args, train_dataset=dataset["train"], peft_config=peft_config)
trainer.train()
