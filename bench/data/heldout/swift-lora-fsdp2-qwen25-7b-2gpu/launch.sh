#!/bin/bash
accelerate launch --num_processes 2 --config_file fsdp.yaml train.py
