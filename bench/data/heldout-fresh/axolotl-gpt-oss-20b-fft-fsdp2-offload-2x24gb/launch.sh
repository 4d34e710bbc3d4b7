#!/bin/bash
accelerate launch --num_processes 2 -m axolotl.cli.train gpt-oss-20b-fft-fsdp2-offload.yaml
