// What the runtime adds around PyTorch's allocated memory: the caching allocator's reserve, NCCL's
// communicator buffers and the CUDA context (outside PyTorch's counters).

// CUDA context and loaded kernels, not counted by PyTorch: 287 MB with lazy module loading (pytorch PR #86509),
// 426 MiB measured with torch 2.10 + CUDA 13 (unsloth-zoo PR #1053), more as cuBLAS/FlashAttention/Triton
// kernels load: 0.5 GiB (allocations-training.md §6.2).
export const CUDA_CONTEXT_BYTES = 0.5 * 1024 ** 3;
// NCCL communicator buffers per process for multi-GPU jobs (NCCL_BUFFSIZE 4 MiB x channels x peers;
// NVIDIA NCCL env docs), counted by nvidia-smi only.
export const NCCL_BYTES = 0.5 * 1024 ** 3;
// Caching-allocator overhead of reserved over allocated: block rounding (2 MiB / 20 MiB segments,
// c10/cuda/CUDACachingAllocator.cpp) and freed blocks kept for reuse. Calibration group B reports
// reserved, group D allocated; 8% is the middle of the ratios seen where both are known.
export const RESERVED_OVER_ALLOCATED = 1.08;

/** Reserved from allocated: vLLM sizes its own block up front, so no caching-allocator overhead on it. */
export function reservedOf(allocated: number, vllm: number): number {
  return (allocated - vllm) * RESERVED_OVER_ALLOCATED + vllm;
}
