// Stack accesses (the kernel's check_stack_access_within_bounds,
// check_stack_read/write_{fixed,var}_off, check_stack_range_initialized).
#pragma once

#include <cstdint>

#include "verifier/env.h"

namespace hostbpf::verifier {

enum StackAccess : uint8_t { kStackRead, kStackWrite };

/// The access [off, off+size) (off includes the register's fixed offset)
/// stays inside the frame's 512 bytes; grows the tracked stack.
int check_stack_access_within_bounds(Env& env, int regno, int64_t off, int64_t size, StackAccess kind);
int check_stack_read(Env& env, int regno, int64_t off, int size, int value_regno);
/// `value` is the stored register or immediate; nullptr stores unknown bytes.
int check_stack_write(Env& env, int regno, int64_t off, int size, const RegState* value, int value_regno);
/// A helper reads (or writes, clobbering) [off, off+size) of the stack.
int check_stack_range_initialized(Env& env, int regno, int64_t off, int64_t size, bool zero_ok, bool write);

/// check_mem_access (check_mem.cpp): a load (value_regno receives it) or a
/// store of `value` through register `regno` at insn offset `insn_off`.
int check_mem_access(Env& env, int regno, int32_t insn_off, int size, bool write, int value_regno,
                     const RegState* value, bool is_ldsx);

}  // namespace hostbpf::verifier
