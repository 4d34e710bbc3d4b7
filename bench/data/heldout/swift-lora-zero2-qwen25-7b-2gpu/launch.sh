#!/bin/bash
# NPROC_PER_NODE=2 swift sft ... (torchrun under the hood)
torchrun --nproc_per_node 2 train.py
