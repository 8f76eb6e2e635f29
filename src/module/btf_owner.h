// Who owns a BTF: the host ("vmlinux") or a module. kfunc sets, destructors
// and struct_ops types are registered per owner, as the kernel keeps them per
// struct btf.
#pragma once

#include <memory>
#include <string>

#include "btf/btf.h"

namespace hostbpf::module {

struct BtfOwner {
  std::string name;  // "vmlinux" for the host, the module's name otherwise
  std::shared_ptr<const btf::Btf> btf;
  bool is_module = false;
};

}  // namespace hostbpf::module
