#!/bin/bash
# finetune_ds.sh with 2 GPUs on one node
torchrun --nproc_per_node 2 train.py
