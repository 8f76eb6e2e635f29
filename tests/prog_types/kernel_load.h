// Loading a raw program into the running kernel, for the records'
// differential tests (ctest -L kernel): the verdict and the verifier's log.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "hostbpf/prog_type.h"

namespace hostbpf::prog_types {

struct KernelLoad {
  int err = 0;  // 0 or -errno
  std::string log;
};

inline KernelLoad kernel_load(ProgType type, uint32_t expected_attach_type, bool sleepable,
                              const std::vector<struct bpf_insn>& insns) {
  std::string log(1 << 16, '\0');
  LIBBPF_OPTS(bpf_prog_load_opts, o, .log_level = 1, .log_size = static_cast<uint32_t>(log.size()),
              .log_buf = log.data());
  o.expected_attach_type = static_cast<enum bpf_attach_type>(expected_attach_type);
  if (sleepable) o.prog_flags = BPF_F_SLEEPABLE;
  const int fd =
      bpf_prog_load(static_cast<enum bpf_prog_type>(type), "probe", "GPL", insns.data(), insns.size(), &o);
  KernelLoad out;
  out.err = fd < 0 ? -errno : 0;
  if (fd >= 0) close(fd);
  log.resize(std::strlen(log.c_str()));
  out.log = std::move(log);
  return out;
}

/// `r0 = 0; exit`: a program every type's verifier accepts on its own.
inline std::vector<struct bpf_insn> ret0_program() {
  return {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
}

/// Whether bpf() may load programs here (root, or CAP_BPF); tests skip otherwise.
inline bool kernel_loads_programs() {
  const std::vector<struct bpf_insn> p = ret0_program();
  const int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "probe", "GPL", p.data(), p.size(), nullptr);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace hostbpf::prog_types
