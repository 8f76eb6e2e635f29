// Parameters and the compute kernel shared by the BPF programs (clang -target
// bpf) and their native C++ twins (GCC -O2), so both run the same algorithm on
// the same data. Plain C types only: this is included from BPF C and from C++.
#pragma once

#define BENCH_COMPUTE_ITERS 1000  // iterations of the mixing loop
#define BENCH_BUF_WORDS 32        // 32 x 8 = 256-byte stack buffer
#define BENCH_MAP_OPS 100         // map operations per program run
#define BENCH_MAP_ENTRIES 1024    // entries in the hash and array maps
#define BENCH_KEY_STRIDE 7        // key of operation i: (i * 7) & 1023 (all distinct)
#define BENCH_SEED 0x9e3779b97f4a7c15ULL

#define BENCH_FNV_OFFSET 0xcbf29ce484222325ULL
#define BENCH_FNV_PRIME 0x100000001b3ULL

#ifdef __clang__
// Keep the BPF loops as loops (clang would unroll the fill into 160 insns); the
// native build is left to GCC -O2's own choices.
#define BENCH_NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define BENCH_NO_UNROLL
#endif

#ifdef __cplusplus
#define BENCH_INLINE inline __attribute__((always_inline))
#else
#define BENCH_INLINE static inline __attribute__((always_inline))
#endif

// Value stored under `key` in both maps before the benchmarks run.
BENCH_INLINE unsigned long long bench_value_for_key(unsigned int key) {
  return (unsigned long long)key * 2654435761ULL + 1;
}

BENCH_INLINE unsigned int bench_key(unsigned int i) {
  return (i * BENCH_KEY_STRIDE) & (BENCH_MAP_ENTRIES - 1);
}

// Fills a 256-byte buffer from `seed` with xorshift64, then runs 1000 rounds of
// FNV-1a over its bytes with an extra xor-shift so that no round is linear. The
// seed comes from memory the compiler cannot see, so nothing folds; each round
// depends on the previous one (a multiply-bound chain, ~5 cycles natively).
BENCH_INLINE unsigned long long bench_compute(unsigned long long seed) {
  unsigned long long buf[BENCH_BUF_WORDS];
  unsigned long long x = seed;
  BENCH_NO_UNROLL
  for (unsigned int i = 0; i < BENCH_BUF_WORDS; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    buf[i] = x;
  }
  const unsigned char* bytes = (const unsigned char*)buf;
  unsigned long long h = BENCH_FNV_OFFSET;
  BENCH_NO_UNROLL
  for (unsigned int i = 0; i < BENCH_COMPUTE_ITERS; i++) {
    h ^= bytes[i & (BENCH_BUF_WORDS * 8 - 1)];
    h *= BENCH_FNV_PRIME;
    h ^= h >> 29;
  }
  return h;
}
