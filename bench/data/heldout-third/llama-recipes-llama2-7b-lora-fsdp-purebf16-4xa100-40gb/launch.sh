#!/bin/bash
# 4 x A100 40GB (AWS), one node
torchrun --nnodes 1 --nproc_per_node 4 train.py
